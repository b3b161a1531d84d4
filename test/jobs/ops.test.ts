/**
 * What `easel worker` / `easel start` run (startServices), seen from outside: /healthz, Prometheus
 * /metrics after a real render, Bull Board behind EASEL_DASHBOARD.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/cli/serve.ts';
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

const get = async (port: number, p: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

describe('ops endpoints of a running worker', () => {
  it('reports health, exposes queue and render metrics after a real render, and serves the dashboard', async () => {
    const config = r.config({ EASEL_METRICS_PORT: '0', EASEL_DASHBOARD: 'true', EASEL_USER_COOLDOWN_S: '0' });
    services = await startServices(config, silentLogger, { bot: false, worker: true });
    const { jobs, ops } = services;

    const health = await get(ops.port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ ok: true, redis: 'up', worker: { ok: true, concurrency: 1, active: [] } });

    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    const photoKey = await jobs.blobs.put(await readFile(path.join(REPO_ROOT, 'presets/photos/stata.jpg')));
    const s = await jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'great-wave' }, options: { quality: 'fast', size: 48 } }));
    expect((await log.waitForFinal(s.jobId, 120_000)).type).toBe('completed');

    const metrics = await get(ops.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.text).toMatch(/^easel_queue_jobs\{state="waiting"\} 0$/m);
    expect(metrics.text).toMatch(/^easel_queue_jobs\{state="completed"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_render_seconds_count\{quality="fast"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_job_wait_seconds_count\{quality="fast"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_deliveries_total\{platform="discord",type="completed"\} 1$/m);
    expect(metrics.text).toMatch(/^easel_jobs_submitted_total\{state="queued"\} 1$/m);

    const board = await get(ops.port, '/admin/queues');
    expect(board.status).toBe(200);
    expect(board.type).toContain('text/html');
    const api = await get(ops.port, '/admin/queues/api/queues');
    expect(api.status).toBe(200);
    expect(JSON.parse(api.text).queues.map((q: { name: string }) => q.name)).toContain('render');
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

  it('says which setting to change when the metrics port is taken', async () => {
    const first = await startOpsServer({ port: 0, host: '127.0.0.1', metrics: createMetrics({ defaultMetrics: false }), redisPing: async () => true, checks: [], log: silentLogger });
    try {
      const second = startOpsServer({ port: first.port, host: '127.0.0.1', metrics: createMetrics({ defaultMetrics: false }), redisPing: async () => true, checks: [], log: silentLogger });
      await expect(second).rejects.toThrow(new RegExp(`port ${first.port} .*already in use.*EASEL_METRICS_PORT`));
    } finally {
      await first.close();
    }
  });

  it('refuses to run a bot with no chat platform configured', async () => {
    const config = r.config({ EASEL_METRICS_PORT: '0' });
    await expect(startServices(config, silentLogger, { bot: true, worker: false })).rejects.toThrow(/neither DISCORD_TOKEN nor SLACK_BOT_TOKEN/);
  });
});
