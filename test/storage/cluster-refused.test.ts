/**
 * Redis Cluster is refused at start, with the reason (README "Storage at scale"): a real 3-node
 * cluster on loopback (redis-server --cluster-enabled yes, joined with redis-cli --cluster create),
 * and `easel worker` pointed at one of its nodes exits with the message before queueing anything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { assessRedisSettings, CLUSTER_REFUSAL, guardRedis, RedisSettingsError } from '../../src/jobs/redis-guard.ts';
import { freePort } from '../faults/harness.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const hasTools = ['redis-server', 'redis-cli'].every((cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0);

describe('Redis Cluster: refused with the reason', () => {
  it('the assessment refuses a cluster, and the guard asks INFO cluster even where CONFIG is forbidden', async () => {
    expect(assessRedisSettings({ cluster: true, maxmemoryPolicy: 'noeviction', appendonly: 'yes' }).refuse).toBe(CLUSTER_REFUSAL);
    const managedCluster = { config: async () => Promise.reject(new Error("ERR unknown command 'CONFIG'")), info: async () => '# Cluster\r\ncluster_enabled:1\r\n' };
    await expect(guardRedis(managedCluster, silentLogger)).rejects.toBeInstanceOf(RedisSettingsError);
    const single = { config: async (_: 'GET', name: string) => [name, name === 'maxmemory-policy' ? 'noeviction' : 'yes'], info: async () => '# Cluster\r\ncluster_enabled:0\r\n' };
    await expect(guardRedis(single, silentLogger)).resolves.toEqual({ warnings: [] });
  });

  describe.skipIf(!hasTools)(`a real 3-node cluster on loopback${hasTools ? '' : ' (skipped: redis-server / redis-cli not installed)'}`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'easel-cluster-'));
    const nodes: Array<{ port: number; proc: ChildProcess }> = [];

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const nodeDir = mkdtempSync(path.join(dir, `node-${port}-`));
        const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
        nodes.push({ port, proc });
      }
      for (const { port } of nodes) {
        const deadline = Date.now() + 10_000;
        while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG') {
          if (Date.now() > deadline) throw new Error(`cluster node ${port} did not start`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      const deadline = Date.now() + 20_000;
      while (!/cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(nodes[0].port), 'cluster', 'info'], { encoding: 'utf8' }).stdout)) {
        if (Date.now() > deadline) throw new Error('the cluster did not become ok');
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all(
        nodes.map(async ({ proc }) => {
          if (proc.exitCode !== null) return;
          const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
          proc.kill('SIGKILL');
          await exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    });

    it('`easel worker` against a cluster node exits at start with the reason, and writes nothing', async () => {
      const prefix = `cluster-${process.pid}`;
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'worker'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: `redis://127.0.0.1:${nodes[0].port}`, EASEL_REDIS_PREFIX: prefix, EASEL_METRICS_PORT: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr).toContain('easel: Redis Cluster is not supported');
      expect(stderr).toContain('REDIS_SENTINELS');
      // Nothing of Easel's in any node.
      for (const { port } of nodes) {
        const node = new Redis({ port, host: '127.0.0.1' });
        try {
          expect(await node.keys(`${prefix}*`)).toEqual([]);
        } finally {
          node.disconnect();
        }
      }
    }, 120_000);
  });
});
