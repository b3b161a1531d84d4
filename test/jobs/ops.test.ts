/**
 * What `easel worker` / `easel start` run (startServices), seen from outside: /healthz, Prometheus
 * /metrics after a real render, Bull Board behind EASEL_DASHBOARD.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/cli/serve.ts';
import { diagnoseProvider } from '../../src/engine/onnx/provider-deps.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { startOpsServer } from '../../src/ops/server.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest } from './harness.ts';

let r: TestRedis;
let services: Services | undefined;
beforeEach(async () => {
  r = await testRedis('ops');
});
afterEach(async () => {
  await services?.close();
  services = undefined;
  await r.cleanup();
});

const get = async (port: number, p: string, init: RequestInit = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, init);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('ops endpoints of a running worker', () => {
  it('reports health, exposes queue and render metrics after a real render, and serves the dashboard behind a password', async () => {
    const config = r.config({ EASEL_METRICS_PORT: '0', EASEL_DASHBOARD: 'true', EASEL_DASHBOARD_PASSWORD: 'hunter2', EASEL_USER_COOLDOWN_S: '0' });
    const lines: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    services = await startServices(config, log, { bot: false, worker: true });
    const { jobs, ops } = services;

    // The provider the worker renders on: cuda,cpu (the default, `auto`) falls back to the CPU on
    // a machine without the CUDA provider, with one warning that says why.
    const cuda = diagnoseProvider('cuda');
    const provider = cuda.ok ? 'cuda' : 'cpu';
    const health = await get(ops.port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ ok: true, redis: 'up', worker: { ok: true, concurrency: 1, active: [], engine: 'onnx', provider } });
    const warnings = lines.filter((l) => l.level === 40 && /ONNX provider cuda cannot load/.test(l.msg));
    expect(warnings).toHaveLength(cuda.ok ? 0 : 1);
    if (!cuda.ok) expect(warnings[0].msg).toContain(cuda.reason);

    const events = new EventLog();
    await jobs.subscribe('discord', events.handler);
    const photoKey = await jobs.blobs.put(await readFile(path.join(REPO_ROOT, 'presets/photos/stata.jpg')));
    const s = await jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'great-wave' }, options: { quality: 'fast', size: 48 } }));
    expect((await events.waitForFinal(s.jobId, 120_000)).type).toBe('completed');

    const metrics = await get(ops.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.text).toMatch(/^easel_queue_jobs\{state="waiting"\} 0$/m);
    expect(metrics.text).toMatch(/^easel_queue_jobs\{state="completed"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_render_seconds_count\{quality="fast"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_job_wait_seconds_count\{quality="fast"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_deliveries_total\{platform="discord",type="completed"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_jobs_submitted_total\{state="queued"\} 1$/m);
    expect(metrics.text).toContain(`easel_engine_info{engine="onnx",provider="${provider}"} 1`);

    // no credentials, wrong ones: 401; the right ones: the board
    expect((await get(ops.port, '/admin/queues')).status).toBe(401);
    expect((await get(ops.port, '/admin/queues/api/queues', { headers: basic('admin', 'wrong') })).status).toBe(401);
    const auth = { headers: basic('admin', 'hunter2') };
    const board = await get(ops.port, '/admin/queues', auth);
    expect(board.status).toBe(200);
    expect(board.type).toContain('text/html');
    const api = await get(ops.port, '/admin/queues/api/queues?activeQueue=render&status=completed', auth);
    expect(api.status).toBe(200);
    const queues = JSON.parse(api.text).queues as Array<{ name: string; jobs: Array<{ data: { request: { replyTo: Record<string, unknown> } } }> }>;
    const render = queues.find((q) => q.name === 'render')!;
    // the job's interaction token (makeRequest's replyTo) is not shown
    expect(render.jobs[0].data.request.replyTo).toEqual({ channelId: 'c-1', interactionToken: '[redacted]' });
    expect(api.text).not.toContain('secret');
    // read-only unless EASEL_DASHBOARD_READ_ONLY=false: emptying the queue is refused
    expect((await get(ops.port, '/admin/queues/api/queues/render/empty', { ...auth, method: 'PUT' })).status).toBe(405);
  });

  it('answers 503 when Redis is unreachable or a part is down', async () => {
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      redisPing: async () => false,
      checks: [{ name: 'worker', check: async () => ({ ok: false, active: [] }) }],
      log: silentLogger,
    });
    try {
      const health = await get(ops.port, '/healthz');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toMatchObject({ ok: false, redis: 'down', worker: { ok: false } });
      expect((await get(ops.port, '/admin/queues')).status).toBe(404); // no dashboard unless asked
    } finally {
      await ops.close();
    }
  });

  it('listens on loopback by default and moves to another port, logged, when the configured one is taken', async () => {
    const first = await startOpsServer({ port: 0, metrics: createMetrics({ defaultMetrics: false }), redisPing: async () => true, checks: [], log: silentLogger });
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    try {
      expect(first.host).toBe('127.0.0.1');
      const second = await startOpsServer({ port: first.port, metrics: createMetrics({ defaultMetrics: false }), redisPing: async () => true, checks: [], log });
      try {
        expect(second.port).not.toBe(first.port);
        expect((await get(second.port, '/healthz')).status).toBe(200);
        expect(lines.join('')).toContain(`"configured":${first.port}`);
        expect(lines.join('')).toContain(`http://127.0.0.1:${second.port}`);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('refuses a dashboard without a password', () => {
    expect(() => r.config({ EASEL_DASHBOARD: 'true' })).toThrow(/EASEL_DASHBOARD_PASSWORD/);
  });

  it('refuses to run a bot with no chat platform configured', async () => {
    const config = r.config({ EASEL_METRICS_PORT: '0' });
    await expect(startServices(config, silentLogger, { bot: true, worker: false })).rejects.toThrow(/neither DISCORD_TOKEN nor SLACK_BOT_TOKEN/);
  });
});
