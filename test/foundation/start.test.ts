/**
 * `easel start` as an operator runs it: one command, the worker in a supervised child process,
 * /healthz reporting it, a real job rendered by it, and a clean stop on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsClient } from '../../src/jobs/client.ts';
import { silentLogger } from '../../src/log.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest } from '../jobs/harness.ts';

let r: TestRedis;
beforeAll(async () => {
  r = await testRedis('start');
});
afterAll(async () => r.cleanup());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('easel start', () => {
  it('runs the worker in a child process, renders, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...r.env({ LOG_LEVEL: 'info', EASEL_METRICS_PORT: '0', EASEL_JOB_LOCK_MS: '8000' }), DISCORD_TOKEN: '', SLACK_BOT_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so the test can send Ctrl-C to the group as a terminal does
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // The parent logs its ops port once running.
    let port = 0;
    for (let i = 0; i < 600 && !port; i++) {
      const m = /"opsPort":(\d+).*"msg":"easel is running"/.exec(out.split('\n').find((l) => l.includes('"name":"easel-start"') && l.includes('easel is running')) ?? '');
      if (m) port = Number(m[1]);
      else await new Promise((res) => setTimeout(res, 100));
    }
    expect(port, out).toBeGreaterThan(0);

    let health: { ok: boolean; worker: { ok: boolean; pid: number; process: string } } | undefined;
    for (let i = 0; i < 100; i++) {
      health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as typeof health;
      if (health?.worker.ok) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(health).toMatchObject({ ok: true, worker: { ok: true, process: 'child' } });
    const workerPid = health!.worker.pid;
    expect(workerPid).not.toBe(child.pid);

    // A real job, rendered by the child worker.
    const jobs = await createJobsClient(r.config(), silentLogger);
    try {
      const events = new EventLog();
      await jobs.subscribe('discord', events.handler);
      const photo = await jobs.blobs.put(await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')));
      const s = await jobs.submit(makeRequest(photo, { style: { kind: 'preset', presetId: 'the-scream' }, options: { quality: 'fast', size: 40 } }));
      const final = await events.waitForFinal(s.jobId, 120_000);
      expect(final.type).toBe('completed');
    } finally {
      await jobs.close();
    }

    // Ctrl-C in a terminal reaches the parent and the worker child alike; the child leaves its
    // shutdown to the parent (one SIGTERM, graceful), so nobody exits on a "second signal".
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(alive(workerPid)).toBe(false);
    expect(out).toContain('worker process started');
    expect(out).not.toContain('second signal');
    expect(out).toMatch(/"name":"easel-worker".*"msg":"stopped"/);
  });
});
