/**
 * Interactions over HTTP (EASEL_DISCORD_INTERACTIONS=http, issue 22): the fake Discord holds the
 * application's Ed25519 key pair and POSTs signed interactions to the bot's endpoint; the bot
 * answers through the same handlers as over the gateway. Real discord.js, Redis, worker and engine.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { MAX_SIGNATURE_AGE_MS, publicKeyFromHex, verifyInteraction } from '../../src/chat/discord/interactions-endpoint.ts';
import { jobIdFor } from '../../src/jobs/job-data.ts';
import { slashCommand } from '../fakes/discord/payloads.ts';
import { pino } from 'pino';
import { DISCORD_INTERACTIONS_PATH } from '../../src/config.ts';
import type { DiscordAdapter } from '../../src/chat/discord/index.ts';
import { startServices } from '../../src/cli/serve.ts';
import { decodeCustomId } from '../../src/chat/discord/components.ts';
import { callbackOf, customIds, deferral, messageOf, startHarness, type Harness } from './harness.ts';

const silentLog = pino({ level: 'silent' });
import { httpAckBurst, percentile } from './http-burst.ts';

describe('verifying a request (Ed25519 over timestamp + body)', () => {
  const pair = generateKeyPairSync('ed25519');
  const hex = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  const key = publicKeyFromHex(hex);
  const now = 1_760_000_000_000;
  const ts = String(now / 1000);
  const body = Buffer.from('{"type":1}');
  const signed = (t: string, b: Buffer, k = pair.privateKey) => sign(null, Buffer.concat([Buffer.from(t), b]), k).toString('hex');

  it('accepts the application’s signature, refuses a forged one, a changed body, a missing header and a stale timestamp', () => {
    expect(verifyInteraction(key, signed(ts, body), ts, body, now)).toBe('ok');
    expect(verifyInteraction(key, signed(ts, body, generateKeyPairSync('ed25519').privateKey), ts, body, now)).toBe('bad-signature');
    expect(verifyInteraction(key, signed(ts, body), ts, Buffer.from('{"type":2}'), now)).toBe('bad-signature');
    expect(verifyInteraction(key, undefined, ts, body, now)).toBe('missing');
    expect(verifyInteraction(key, 'zz', ts, body, now)).toBe('bad-signature');
    const old = String((now - MAX_SIGNATURE_AGE_MS - 1000) / 1000);
    expect(verifyInteraction(key, signed(old, body), old, body, now)).toBe('stale');
    const recent = String((now - MAX_SIGNATURE_AGE_MS + 1000) / 1000);
    expect(verifyInteraction(key, signed(recent, body), recent, body, now)).toBe('ok');
  });

  it('config: http mode names DISCORD_PUBLIC_KEY when it is missing or malformed; the gateway can be off only with http', () => {
    const base = { DISCORD_TOKEN: 't', REDIS_URL: 'redis://127.0.0.1:6379' };
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.message;
      }
    };
    expect(problems({ ...base, EASEL_DISCORD_INTERACTIONS: 'http' })).toMatch(/EASEL_DISCORD_INTERACTIONS=http needs DISCORD_PUBLIC_KEY/);
    expect(problems({ ...base, EASEL_DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: 'abc' })).toMatch(/DISCORD_PUBLIC_KEY must be the application's public key: 64 hex/);
    expect(problems({ ...base, EASEL_DISCORD_GATEWAY: 'off' })).toMatch(/EASEL_DISCORD_GATEWAY=off needs EASEL_DISCORD_INTERACTIONS=http/);
    expect(problems({ ...base, EASEL_DISCORD_INTERACTIONS: 'sometimes' })).toMatch(/EASEL_DISCORD_INTERACTIONS/);
    const config = loadConfig({ ...base, EASEL_DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: hex.toUpperCase(), PORT: '8080' });
    expect(config.discord?.interactionsHttp).toEqual({ port: 8080, path: '/discord/interactions', publicKey: hex });
    expect(loadConfig(base).discord?.interactionsHttp).toBeUndefined();
  });
});

describe('the Interactions Endpoint, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'discord-http', fake: { interactions: 'http' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const noJobFor = async (interactionId: string) => (await h.services.jobs.queue.getJob(jobIdFor({ platform: 'discord', requestId: `discord-${interactionId}` }))) === undefined;

  it('answers PING with PONG, and a forged PING with 401', async () => {
    expect(await h.fake.ping()).toMatchObject({ status: 200, body: { type: 1 } });
    expect((await h.fake.ping({ forge: true })).status).toBe(401);
  });

  it('a forged signature, an unsigned request and a stale timestamp get 401, and no job', async () => {
    const fake = h.fake;
    const user = h.user('mallory');
    const payload = (id: string) => ({ ...slashCommand(h.where(user), 'stylize', { photo: h.photo(64), style: 'the-scream' }), id, token: `itok-${id}`, application_id: fake.applicationId, version: 1 });
    const forged = await fake.postInteraction(payload('9001'), { forge: true });
    const unsigned = await fake.postInteraction(payload('9002'), { unsigned: true });
    const stale = await fake.postInteraction(payload('9003'), { timestamp: Math.floor((Date.now() - 6 * 60_000) / 1000) });
    expect([forged.status, unsigned.status, stale.status]).toEqual([401, 401, 401]);
    // Refused before anything was dispatched: nothing was answered, fetched or queued for any of them.
    expect(fake.requests.filter((r) => /\/interactions\/900[123]\//.test(r.path))).toEqual([]);
    expect(fake.cdnRequests).toEqual([]);
    for (const id of ['9001', '9002', '9003']) expect(await noJobFor(id)).toBe(true);
  });

  it('/stylize over HTTP: deferred within 3 s through the callback, one job, the result posted once', async () => {
    const fake = h.fake;
    const user = h.user('ada');
    const rec = h.slash(user, 'stylize', { photo: h.photo(), style: 'the-scream' }, { channel: 'voice' });
    expect((await rec.http!).status).toBe(202);
    const cb = await deferral(fake, rec);
    expect(cb.body.type).toBe(5);
    expect(cb.at - rec.dispatchedAt).toBeLessThan(3_000);
    const result = await fake.waitFor(
      'result in the reply',
      () => fake.requestsFor(rec).find((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original') && r.files.some((f) => f.name === 'easel.png')),
      90_000,
    );
    expect(result.status).toBe(200);
    expect(await noJobFor(rec.id)).toBe(false);
    // Delivery has settled (its bookkeeping done): a second post now would be a duplicate.
    const jobId = jobIdFor({ platform: 'discord', requestId: `discord-${rec.id}` });
    await vi.waitFor(async () => expect(await h.services.jobs.isSettled(jobId)).toBe(true), { timeout: 30_000, interval: 100 });
    const posts = fake.requestsFor(rec).filter((r) => r.files.some((f) => f.name === 'easel.png'));
    expect(posts).toHaveLength(1);
    // Only one answer to the interaction itself.
    expect(fake.requestsFor(rec).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
    expect(callbackOf(fake, rec)?.status).toBe(204);
  });

  it('an interactions-only replica (EASEL_DISCORD_GATEWAY=off) opens no gateway session; its /stylize is delivered by the gateway process, once; its buttons, selects and context menu work', async () => {
    const fake = h.fake;
    const sessionsBefore = fake.identifies.length;
    // A second `easel bot` on the same Redis: no gateway, no worker, its endpoint on a free port.
    const replicaConfig = h.redis.config({ ...h.env, EASEL_DISCORD_GATEWAY: 'off', PORT: '0', EASEL_METRICS_PORT: '0' });
    const replica = await startServices(replicaConfig, silentLog, { bot: true, worker: false });
    const gatewayEndpoint = fake.interactionsEndpoint;
    try {
      const port = replica.adapters.map((a) => (a as DiscordAdapter).interactionsPort).find((p) => p !== undefined);
      fake.interactionsEndpoint = `http://127.0.0.1:${port}${DISCORD_INTERACTIONS_PATH}`;
      expect(await fake.ping()).toMatchObject({ status: 200, body: { type: 1 } });
      const rec = h.slash(h.user('replica-user'), 'stylize', { photo: h.photo(), style: 'the-scream' }, { channel: 'voice' });
      expect((await rec.http!).status).toBe(202);
      expect((await deferral(fake, rec)).body.type).toBe(5);
      const jobId = jobIdFor({ platform: 'discord', requestId: `discord-${rec.id}` });
      await fake.waitFor('result in the reply', () => fake.requestsFor(rec).find((r) => r.method === 'PATCH' && r.files.some((f) => f.name === 'easel.png')), 90_000);
      await vi.waitFor(async () => expect(await h.services.jobs.isSettled(jobId)).toBe(true), { timeout: 30_000, interval: 100 });
      expect(fake.requestsFor(rec).filter((r) => r.files.some((f) => f.name === 'easel.png'))).toHaveLength(1);

      // A button and a select on that result, through the replica (which caches no channel or message).
      const result = messageOf(fake, fake.interactions.get(rec.id)!.originalId!);
      const bob = h.user('replica-bob');
      const another = h.click(bob, result, customIds(result).find((c) => decodeCustomId(c)?.action === 'another')!);
      const offered = await deferral(fake, another);
      expect(offered.body.type).toBe(4);
      expect(offered.body.data.flags & 64).toBe(64);
      const picker = messageOf(fake, fake.interactions.get(another.id)!.originalId!);
      const pick = h.click(bob, picker, customIds(picker).find((c) => decodeCustomId(c)?.action === 'style')!, ['great-wave']);
      expect((await deferral(fake, pick)).body.type).toBe(5);
      await fake.waitFor('restyled result', () => fake.requestsFor(pick).find((r) => r.method === 'PATCH' && r.files.some((f) => f.name === 'easel.png')), 90_000);
      // The "Stylize image" context menu on someone's photo: a private select of paintings.
      const photoMessage = h.say(h.user('poster'), fake.channelOfType(0).id, { content: 'look', attachments: [h.photo(64)] });
      const menu = h.contextMenu(bob, photoMessage);
      const asked = await deferral(fake, menu);
      expect(asked.body.type).toBe(5);
      expect(asked.body.data.flags & 64).toBe(64);
      await fake.waitFor('select of paintings', () => fake.requestsFor(menu).find((r) => r.method === 'PATCH' && customIds(r.body).some((c) => decodeCustomId(c)?.action === 'style')));
      expect(fake.identifies.length).toBe(sessionsBefore);
    } finally {
      fake.interactionsEndpoint = gatewayEndpoint;
      await replica.close();
    }
  });

  it('acks stay under Discord’s 3 s while the gateway delivers a burst of 2,000 MESSAGE_CREATE events', async () => {
    const figures = await httpAckBurst(h, { messages: 2000, interactionEvery: 40 });
    expect(figures.statuses.every((s) => s === 202)).toBe(true);
    expect(figures.interactions).toBe(50);
    // Discord's own limit; the figures themselves are measured by measure-http-acks.ts.
    expect(figures.ackMs.at(-1)).toBeLessThan(3_000);
    console.info(`HTTP acks under a 2,000-message gateway burst: n=${figures.interactions} p50=${percentile(figures.ackMs, 50).toFixed(0)} ms p99=${percentile(figures.ackMs, 99).toFixed(0)} ms max=${figures.ackMs.at(-1)!.toFixed(0)} ms (wall ${figures.wallMs.toFixed(0)} ms)`);
  }, 120_000);
});
