/**
 * The container smoke test's driver (run by docker/test-container.sh, which starts the engine and
 * makes the base images): the CPU image built through `docker compose`, Redis + a worker + a bot
 * started from it against the Discord fake on loopback, one `/stylize` sent, the painted result
 * awaited in its thread, /healthz of the bot and the worker checked, everything torn down — also
 * when a step fails or the run is interrupted.
 *
 * The containers get their assets as on a machine with only the repository: nothing mounted (the
 * compose file's empty docker/local-assets), downloaded at start by the entrypoint's `easel assets`
 * — here from a loopback mirror of the assets folder (EASEL_ASSETS_URL; GitHub is not reachable
 * from the test machines) — into the named volumes; a restarted worker then finds them in place.
 *
 * Env: COMPOSE (the compose command, default "docker compose"), NODE_IMAGE / REDIS_IMAGE (base
 * images), CT_ASSETS_FOLDER (the folder the mirror serves; default ../shared/assets), or
 * EASEL_ASSETS_HOST to mount a folder instead of the mirror; CT_TIMEOUT_S.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { FakeDiscord } from '../test/fakes/discord/fake-discord.ts';
import { attachment, humanUser, slashCommand } from '../test/fakes/discord/payloads.ts';
import { startAssetsMirror } from '../test/helpers/assets-mirror.ts';

const compose = (process.env.COMPOSE ?? 'docker compose').split(' ');
const project = `easel-ct-${process.pid}`;
const timeoutS = Number(process.env.CT_TIMEOUT_S ?? 600);
const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`container-test [${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

function run(args: string[], env: NodeJS.ProcessEnv, opts: { quiet?: boolean } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(compose[0], [...compose.slice(1), '-p', project, '-f', 'docker-compose.yml', '-f', 'docker/compose.test.yml', '--profile', 'cpu', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (b: Buffer) => {
      output += b.toString();
      if (!opts.quiet) process.stdout.write(b);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function healthz(port: number): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(check()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const fake = await new FakeDiscord().start();
const mirror = process.env.EASEL_ASSETS_HOST ? undefined : await startAssetsMirror(process.env.CT_ASSETS_FOLDER ?? '../shared/assets');
const ports = { redis: await freePort(), bot: await freePort(), worker: await freePort() };
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CT_REDIS_PORT: String(ports.redis),
  CT_BOT_OPS_PORT: String(ports.bot),
  CT_WORKER_OPS_PORT: String(ports.worker),
  CT_PREFIX: `easel-ct-${process.pid}`,
  CT_DISCORD_TOKEN: fake.token,
  CT_DISCORD_API_BASE: fake.apiBase,
  ...(mirror ? { EASEL_ASSETS_URL: mirror.url } : {}),
};

let tornDown = false;
async function teardown(failed: boolean) {
  if (tornDown) return;
  tornDown = true;
  if (failed) {
    log('logs of the services:');
    await run(['logs', '--no-color', '--tail', '80'], env);
  }
  log('tearing down (compose down --volumes)');
  await run(['down', '--volumes', '--remove-orphans', '--timeout', '10'], env, { quiet: true });
  await fake.close();
  await mirror?.close();
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    void teardown(true).then(() => process.exit(130));
  });
}

// A hard limit on the whole run (a hung build or container): tear down and fail.
setTimeout(() => {
  log(`no result after ${timeoutS} s`);
  void teardown(true).then(() => process.exit(1));
}, timeoutS * 1000).unref();

let failed = true;
try {
  log(`building the cpu image through docker compose (NODE_IMAGE=${process.env.NODE_IMAGE ?? 'default'})`);
  const buildStart = Date.now();
  const build = await run(['build', 'bot'], env);
  if (build.code !== 0) throw new Error('docker compose build failed');
  log(`image built in ${((Date.now() - buildStart) / 1000).toFixed(0)} s`);

  log(`starting redis (port ${ports.redis}), worker-cpu (ops ${ports.worker}) and bot (ops ${ports.bot}) against the Discord fake at ${fake.apiBase}`);
  const up = await run(['up', '-d', '--no-build', 'redis', 'worker-cpu', 'bot'], env);
  if (up.code !== 0) throw new Error('docker compose up failed');

  // The entrypoint installs and verifies the assets first; then the bot logs in to the fake.
  await until('the bot to connect to the Discord gateway', () => fake.identifies.some((i) => i.accepted), 240_000);
  log('bot connected to the fake gateway');
  for (const [name, port] of [['bot', ports.bot], ['worker', ports.worker]] as const) {
    const h = await until(`${name} /healthz 200`, async () => {
      const r = await healthz(port);
      return r.status === 200 ? r : undefined;
    }, 240_000);
    log(`${name} /healthz: ${h.status} ${JSON.stringify(h.body)}`);
  }

  const photo = await sharp({ create: { width: 96, height: 72, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .composite([{ input: Buffer.from('<svg width="96" height="72"><circle cx="48" cy="36" r="24" fill="orange"/></svg>'), top: 0, left: 0 }])
    .jpeg()
    .toBuffer();
  const user = humanUser('ada');
  const rec = fake.sendInteraction(
    slashCommand({ guildId: fake.guildId, channel: fake.channelOfType(0), user }, 'stylize', { photo: attachment(fake.hostFile('photo.jpg', photo), photo, { filename: 'photo.jpg' }), style: 'the-scream', size: 64 }),
  );
  log('sent /stylize photo:photo.jpg style:the-scream size:64');
  const original = () => fake.interactions.get(rec.id)?.originalId;
  const post = await fake.waitFor(
    'the painted result in the thread',
    () => fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).find((r) => r.path === `/channels/${original()}/messages` && r.files.length > 0),
    240_000,
  );
  const thread = fake.requestsMatching('POST', /\/threads$/).find((r) => r.path.endsWith(`/messages/${original()}/threads`));
  if (!thread) throw new Error('no thread was started from the reply');
  const file = post.files[0];
  const meta = await sharp(file.bytes).metadata();
  if (!meta.width || Math.max(meta.width, meta.height ?? 0) !== 64) throw new Error(`the result is ${meta.width}x${meta.height}, expected 64 px on its longest side`);
  log(`result in thread "${thread.body.name}": ${file.name}, ${meta.format} ${meta.width}x${meta.height}, ${file.bytes.length} bytes`);

  for (const [name, port] of [['bot', ports.bot], ['worker', ports.worker]] as const) {
    const h = await healthz(port);
    if (h.status !== 200) throw new Error(`${name} /healthz answered ${h.status}: ${JSON.stringify(h.body)}`);
  }
  log('bot and worker still healthy after the render');

  // The assets are in the named volumes: a restarted worker verifies them and downloads nothing.
  if (mirror) {
    const before = [...mirror.requests.values()].reduce((a, b) => a + b, 0);
    log(`the containers fetched ${before} files from the assets mirror; restarting the worker`);
    if ((await run(['restart', 'worker-cpu'], env)).code !== 0) throw new Error('docker compose restart failed');
    await until('worker /healthz 200 after the restart', async () => ((await healthz(ports.worker)).status === 200 ? true : undefined), 240_000);
    const after = [...mirror.requests.values()].reduce((a, b) => a + b, 0);
    const logs = await run(['logs', '--no-color', 'worker-cpu'], env, { quiet: true });
    if (after !== before) throw new Error(`the restarted worker fetched ${after - before} files again`);
    if (!/0 installed, 339 already present/.test(logs.output)) throw new Error('the restarted worker did not report its assets already present');
    log('restarted worker: 0 installed, 339 already present (kept in the volumes), nothing fetched');
  }
  failed = false;
} catch (e) {
  log(`FAILED: ${(e as Error).message}`);
} finally {
  await teardown(failed);
}
log(failed ? 'container test failed' : `container test passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
