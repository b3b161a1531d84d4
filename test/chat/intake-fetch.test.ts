/**
 * The intake's trust boundary in isolation: which URLs may be fetched (sources.ts), which addresses
 * are never connected to, and the fetcher itself against loopback servers — caps, timeout, and
 * redirects re-checked hop by hop (a listener that counts connections proves nothing was sent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, FetchError, fetchTrusted, isForbiddenAddress, publicOnlyLookup } from '../../src/chat/common/intake/fetch.ts';
import { checkSource, sourcePolicies, type SourcePolicy } from '../../src/chat/common/intake/sources.ts';
import { loadConfig } from '../../src/config.ts';
import { countingServer, type CountingServer } from '../helpers/counting-server.ts';

describe('trusted sources', () => {
  const defaults = sourcePolicies(loadConfig({ DISCORD_TOKEN: 't', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }));

  it('by default: only the platform’s own hosts, HTTPS on the default port', () => {
    const ok = (u: string, p: SourcePolicy) => checkSource(u, p).ok;
    expect(ok('https://cdn.discordapp.com/attachments/1/2/p.jpg?ex=1&hm=2', defaults.discord)).toBe(true);
    expect(ok('https://media.discordapp.net/attachments/1/2/p.jpg', defaults.discord)).toBe(true);
    expect(ok('https://files.slack.com/files-pri/T1-F1/p.jpg', defaults.slack)).toBe(true);
    // the other platform's host, plain HTTP, another port, credentials, look-alikes, raw addresses
    expect(checkSource('https://files.slack.com/x.jpg', defaults.discord)).toMatchObject({ ok: false, reason: 'untrusted-host' });
    expect(checkSource('https://cdn.discordapp.com/x.jpg', defaults.slack)).toMatchObject({ ok: false, reason: 'untrusted-host' });
    expect(checkSource('http://cdn.discordapp.com/x.jpg', defaults.discord)).toMatchObject({ ok: false, reason: 'not-https' });
    expect(checkSource('https://cdn.discordapp.com:8443/x.jpg', defaults.discord)).toMatchObject({ ok: false, reason: 'untrusted-host' });
    expect(checkSource('https://u:p@cdn.discordapp.com/x.jpg', defaults.discord)).toMatchObject({ ok: false, reason: 'bad-url' });
    expect(checkSource('https://cdn.discordapp.com.evil.example/x.jpg', defaults.discord)).toMatchObject({ ok: false });
    expect(checkSource('https://169.254.169.254/latest/meta-data/', defaults.discord)).toMatchObject({ ok: false });
    expect(checkSource('http://127.0.0.1:6379/', defaults.slack)).toMatchObject({ ok: false });
    expect(checkSource('file:///etc/passwd', defaults.discord)).toMatchObject({ ok: false });
    expect(defaults.discord.origins.size + defaults.slack.origins.size).toBe(0);
  });

  it('a non-default API base trusts its exact origin (scheme, host and port) for that platform only', () => {
    const p = sourcePolicies(loadConfig({ DISCORD_TOKEN: 't', DISCORD_API_BASE: 'http://127.0.0.1:4000/api', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:5000/api/' }));
    expect(checkSource('http://127.0.0.1:4000/cdn/attachments/1/p.jpg', p.discord)).toMatchObject({ ok: true, publicOnly: false });
    expect(checkSource('http://127.0.0.1:4001/cdn/attachments/1/p.jpg', p.discord)).toMatchObject({ ok: false });
    expect(checkSource('https://127.0.0.1:4000/x', p.discord)).toMatchObject({ ok: false });
    expect(checkSource('http://localhost:4000/x', p.discord)).toMatchObject({ ok: false });
    expect(checkSource('http://127.0.0.1:5000/files-pri/x', p.discord)).toMatchObject({ ok: false });
    expect(checkSource('http://127.0.0.1:5000/files-pri/x', p.slack)).toMatchObject({ ok: true });
  });

  it('never connects to loopback, private, link-local, CGNAT or metadata addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect(isForbiddenAddress(a), a).toBe(true);
    }
    for (const a of ['162.159.135.233', '2606:4700::6810:84e5', '8.8.8.8']) expect(isForbiddenAddress(a), a).toBe(false);
  });

  // Issue #20: IPv6 forms that passed the old deny-list, then one sample of every IANA
  // special-purpose block (IPv4 and IPv6 registries) and the IPv4-embedding forms unwrapped.
  it('allows global unicast only: every IPv4-embedding IPv6 form is unwrapped, every special-purpose block refused', () => {
    const issue20 = ['::127.0.0.1', '::ffff:0:127.0.0.1', '64:ff9b:1::a9fe:a9fe', '64:ff9b:1:0:0:0:a9fe:a9fe', 'fec0::1', '100::1', '::ffff:0:a9fe:a9fe'];
    const ipv4Registry = [
      '0.1.2.3', // 0.0.0.0/8 "this network"
      '10.200.0.1', // 10/8 private
      '100.127.255.254', // 100.64/10 shared (CGNAT)
      '127.255.255.254', // loopback
      '169.254.169.254', // link-local, cloud metadata
      '172.31.255.255', // 172.16/12 private
      '192.0.0.8', // 192.0.0.0/24 IETF protocol assignments
      '192.0.2.1', // TEST-NET-1
      '192.31.196.1', // AS112-v4
      '192.52.193.1', // AMT
      '192.88.99.1', // deprecated 6to4 relay anycast
      '192.168.0.1', // private
      '192.175.48.1', // direct delegation AS112
      '198.18.0.1', // benchmarking
      '198.51.100.1', // TEST-NET-2
      '203.0.113.1', // TEST-NET-3
      '224.0.0.1', // multicast
      '240.0.0.1', // reserved
      '255.255.255.255', // limited broadcast
    ];
    const ipv6Registry = [
      '::', // unspecified
      '::1', // loopback
      '::ffff:127.0.0.1', // IPv4-mapped loopback
      '::ffff:10.0.0.1', // IPv4-mapped private
      '64:ff9b::7f00:1', // NAT64 well-known, embedding loopback
      '64:ff9b::169.254.169.254', // NAT64 well-known, embedding the metadata address
      '64:ff9b:1::1', // local-use NAT64, never
      '64:ff9b:1::8.8.8.8', // local-use NAT64 even of a public address
      '100::', // discard-only
      '2001::1', // IETF protocol assignments / Teredo
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo (client 192.0.2.45)
      '2001:0:4136:e378:8000:63bf:80ff:fefe', // Teredo (client 127.0.1.1)
      '2001:1::1', // port control protocol anycast
      '2001:2::1', // benchmarking
      '2001:3::1', // AMT
      '2001:4:112::1', // AS112-v6
      '2001:10::1', // deprecated ORCHID
      '2001:20::1', // ORCHIDv2
      '2001:30::1', // drone remote ID
      '2001:db8::1', // documentation
      '2002:7f00:1::1', // 6to4 embedding loopback
      '2002:0808:0808::1', // 6to4 even of a public address
      '2620:4f:8000::1', // AS112 direct delegation
      '3fff::1', // documentation (RFC 9637)
      '5f00::1', // SRv6 SIDs
      'fc00::1', // unique local
      'fd00:ec2::254', // AWS metadata (unique local)
      'fe80::1', // link-local
      'fe80::1%eth0', // with a zone
      'fec0::1', // deprecated site-local
      'ff02::1', // multicast
      '4000::1', // unallocated, outside 2000::/3
      '::8.8.8.8', // IPv4-compatible, even of a public address
      '::ffff:0:8.8.8.8', // SIIT, even of a public address
    ];
    const malformed = ['not-an-ip', '', '1.2.3.4.5', '::ffff:999.0.0.1', 'cdn.discordapp.com'];
    for (const a of [...issue20, ...ipv4Registry, ...ipv6Registry, ...malformed]) expect(isForbiddenAddress(a), a).toBe(true);
    // Public addresses, including the ones a platform's CDN answers with, and their transparent IPv6 forms.
    for (const a of ['162.159.135.233', '104.16.0.1', '8.8.8.8', '1.1.1.1', '2606:4700::6810:84e5', '2a00:1450:4001:80b::200e', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8']) {
      expect(isForbiddenAddress(a), a).toBe(false);
    }
    // The log names what an embedding form really targeted.
    expect(classifyAddress('::ffff:0:a9fe:a9fe')).toEqual({ global: false, reason: expect.stringContaining('169.254.169.254 is linkLocal') });
    expect(classifyAddress('2002:7f00:1::1')).toEqual({ global: false, reason: expect.stringContaining('127.0.0.1 is loopback') });
  });

  it('a name that resolves to loopback is refused at connect time', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EASEL_FORBIDDEN_ADDRESS');
  });

  it('the check is the connection’s own lookup: a trusted name that resolves to loopback is never connected to', async () => {
    // As if DNS answered loopback for a platform host (rebinding): the address the socket would
    // use comes from the same lookup that refuses it, so there is no second lookup to win.
    const policy: SourcePolicy = { platform: 'discord', hosts: new Set(['localhost']), origins: new Set() };
    const err = await fetchTrusted('https://localhost/attachments/1/2/p.jpg', policy, { maxBytes: 1000, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).code).toBe('forbidden-address');
  });
});

describe('fetchTrusted', () => {
  let cdn: CountingServer;
  let internal: CountingServer;
  let policy: SourcePolicy;

  beforeAll(async () => {
    internal = await countingServer();
    cdn = await countingServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/ok')) return void res.end(Buffer.alloc(1000, 7));
      if (url.startsWith('/declared-big')) {
        res.writeHead(200, { 'content-length': String(1024 ** 3) });
        return void res.write(Buffer.alloc(10));
      }
      if (url.startsWith('/streamed-big')) {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        let n = 0;
        const timer = setInterval(() => {
          res.write(Buffer.alloc(1000));
          if (++n === 10) {
            clearInterval(timer);
            res.end();
          }
        }, 5);
        return;
      }
      if (url.startsWith('/to-internal')) return void res.writeHead(302, { location: `${internal.origin}/secret` }).end();
      if (url.startsWith('/to-metadata')) return void res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (url.startsWith('/to-ok')) return void res.writeHead(301, { location: '/ok/moved.jpg' }).end();
      if (url.startsWith('/loop')) return void res.writeHead(302, { location: '/loop' }).end();
      if (url.startsWith('/hang')) return; // never answers
      res.writeHead(404).end();
    });
    policy = { platform: 'slack', hosts: new Set(['files.slack.com']), origins: new Set([cdn.origin]) };
  });
  afterAll(async () => {
    await cdn?.close();
    await internal?.close();
  });

  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof FetchError ? e.code : `other: ${e}`));
  const opts = { maxBytes: 2500, timeoutMs: 2000, headers: { authorization: 'Bearer xoxb-secret' } };

  it('fetches the URL exactly as given, query included', async () => {
    const bytes = await fetchTrusted(`${cdn.origin}/ok/photo.jpg?ex=65f&is=65e&hm=abc%3D`, policy, opts);
    expect(bytes.length).toBe(1000);
    expect(cdn.seen.at(-1)).toEqual({ url: '/ok/photo.jpg?ex=65f&is=65e&hm=abc%3D', auth: 'Bearer xoxb-secret' });
  });

  it('refuses a declared 1 GB, a stream over the cap, a stall and an HTTP error, each with its code', async () => {
    expect(await code(fetchTrusted(`${cdn.origin}/declared-big`, policy, opts))).toBe('too-big');
    expect(await code(fetchTrusted(`${cdn.origin}/streamed-big`, policy, opts))).toBe('too-big');
    expect(await code(fetchTrusted(`${cdn.origin}/hang`, policy, { ...opts, timeoutMs: 200 }))).toBe('timeout');
    expect(await code(fetchTrusted(`${cdn.origin}/missing`, policy, opts))).toBe('http');
  });

  it('re-checks every redirect hop: to loopback or metadata refused with no connection (and no token) there', async () => {
    expect(await code(fetchTrusted(`${cdn.origin}/to-internal`, policy, opts))).toBe('untrusted');
    expect(await code(fetchTrusted(`${cdn.origin}/to-metadata`, policy, opts))).toBe('untrusted');
    expect(await code(fetchTrusted(`${internal.origin}/direct`, policy, opts))).toBe('untrusted');
    expect(internal.connections()).toBe(0);
    // a redirect within the trusted origin is followed; endless ones are cut off
    expect((await fetchTrusted(`${cdn.origin}/to-ok`, policy, opts)).length).toBe(1000);
    expect(await code(fetchTrusted(`${cdn.origin}/loop`, policy, opts))).toBe('too-many-redirects');
  });
});
