/**
 * `easel start` as an operator runs it: one command, the worker in a supervised child process,
 * /healthz reporting it, a real job rendered by it, and a clean stop on SIGTERM. And two
 * `easel worker`s and an `easel bot` side by side on one host with no settings but Redis and a
 * token: each finds an ops port of its own and says where.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsClient } from '../../src/jobs/client.ts';
import { silentLogger } from '../../src/log.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest } from '../jobs/harness.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';

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

describe('several easel processes on one host', () => {
  it('starts two workers and a bot with only REDIS_URL and a token set; each logs its own ops endpoint', async () => {
    const fake = await new FakeDiscord().start();
    // Nothing else: default EASEL_METRICS_PORT for all three (the prefix and log level only keep the test apart and readable).
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REDIS_URL: r.url, EASEL_REDIS_PREFIX: r.prefix, LOG_LEVEL: 'info' };
    const roles: Array<[string, Record<string, string>]> = [
      ['worker', base],
      ['worker', base],
      // DISCORD_API_BASE: the loopback fake stands in for discord.com
      ['bot', { ...base, DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase }],
    ];
    const procs = roles.map(([role, env]) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), role], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const p = { child, out: '', exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))) };
      child.stdout.on('data', (d) => (p.out += d));
      child.stderr.on('data', (d) => (p.out += d));
      return p;
    });
    try {
      const urls: string[] = [];
      for (const p of procs) {
        let url = '';
        for (let i = 0; i < 900 && !url; i++) {
          const line = p.out.split('\n').find((l) => l.includes('ops endpoints listening'));
          if (line && p.out.includes('easel is running')) url = JSON.parse(line).url;
          else if (p.child.exitCode !== null) break;
          else await new Promise((res) => setTimeout(res, 100));
        }
        expect(url, p.out).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        urls.push(url);
      }
      expect(new Set(urls).size).toBe(3);
      for (const url of urls) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
      const codes = await Promise.all(procs.map((p) => p.exited));
      await fake.close();
      expect(codes).toEqual([0, 0, 0]);
    }
  });
});
