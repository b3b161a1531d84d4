/**
 * A Redis Sentinel group on loopback for tests: one primary, one replica and three Sentinels
 * (Debian's redis-server and redis-sentinel), each on a free port with a temp dir of its own, all
 * stopped by `close()`. Failover is fast (1 s to call a primary down) so a test can provoke one:
 *
 *   crash()       SIGKILL the current primary: the Sentinels agree it is down and promote the replica
 *   switchover()  SENTINEL FAILOVER: a planned switch (the old primary becomes a replica)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../faults/harness.ts';

export const SENTINEL_NAME = 'easel-primary';

/** How Sentinel runs here: Debian's redis-sentinel, or redis-server in sentinel mode; undefined when neither is installed. */
export function sentinelCommand(): { cmd: string; args: (conf: string) => string[] } | undefined {
  const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!has('redis-server')) return undefined;
  if (has('redis-sentinel')) return { cmd: 'redis-sentinel', args: (conf) => [conf] };
  return { cmd: 'redis-server', args: (conf) => [conf, '--sentinel'] };
}

async function ping(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

export class SentinelGroup {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'easel-sentinel-'));
  private readonly procs = new Map<number, ChildProcess>();
  readonly sentinelPorts: number[] = [];
  readonly dataPorts: number[] = [];

  static async start(): Promise<SentinelGroup> {
    const how = sentinelCommand();
    if (!how) throw new Error('redis-server is not installed');
    const g = new SentinelGroup();
    try {
      const [primary, replica] = [await freePort(), await freePort()];
      g.dataPorts.push(primary, replica);
      await g.startData(primary);
      await g.startData(replica, primary);
      // The replica is in sync before the Sentinels watch it.
      await g.waitFor(async () => /master_link_status:up/.test(await g.client(replica).info('replication')), 'the replica to sync', 15_000);
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const conf = path.join(g.dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${g.dir}`,
            `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
            `sentinel failover-timeout ${SENTINEL_NAME} 4000`,
            `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
            '',
          ].join('\n'),
        );
        g.procs.set(port, spawn(how.cmd, [...how.args(conf), '--logfile', path.join(g.dir, `sentinel-${port}.log`)], { stdio: 'ignore' }));
        g.sentinelPorts.push(port);
        await ping(port);
      }
      // Every Sentinel knows the replica and the other Sentinels before a test fails anything over.
      await g.waitFor(async () => {
        for (const port of g.sentinelPorts) {
          const s = g.client(port);
          const [master] = (await s.call('SENTINEL', 'MASTERS')) as string[][];
          const field = (k: string) => Number(master[master.indexOf(k) + 1]);
          if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
        }
        return true;
      }, 'the Sentinels to discover each other and the replica', 30_000);
      return g;
    } catch (err) {
      await g.close();
      throw err;
    }
  }

  /** REDIS_SENTINELS for this group. */
  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  private readonly clients = new Map<number, Redis>();
  /** A plain client to one of our processes (closed by close()). */
  client(port: number): Redis {
    let c = this.clients.get(port);
    if (!c) {
      // Reconnecting: a failover kills the normal clients of the instances it reconfigures.
      c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      c.on('error', () => undefined);
      this.clients.set(port, c);
    }
    return c;
  }

  private async startData(port: number, replicaOf?: number): Promise<void> {
    const dir = mkdtempSync(path.join(this.dir, `redis-${port}-`));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];
    if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    this.procs.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    await ping(port);
  }

  /** The port the Sentinels give as the primary now. */
  async primaryPort(): Promise<number> {
    const [, port] = (await this.client(this.sentinelPorts[0]).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as [string, string];
    return Number(port);
  }

  /** The primary crashes (SIGKILL); resolves once the Sentinels have promoted the replica. Returns the new primary's port. */
  async crash(): Promise<number> {
    const old = await this.primaryPort();
    const proc = this.procs.get(old)!;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    this.clients.get(old)?.disconnect();
    this.clients.delete(old);
    proc.kill('SIGKILL');
    await exited;
    return this.waitForNewPrimary(old);
  }

  /** A planned failover (SENTINEL FAILOVER): the replica is promoted, the old primary demoted. */
  async switchover(): Promise<number> {
    const old = await this.primaryPort();
    await this.client(this.sentinelPorts[0]).call('SENTINEL', 'FAILOVER', SENTINEL_NAME);
    return this.waitForNewPrimary(old);
  }

  private async waitForNewPrimary(old: number): Promise<number> {
    let next = old;
    await this.waitFor(async () => {
      next = await this.primaryPort();
      if (next === old) return false;
      return /role:master/.test(await this.client(next).info('replication'));
    }, 'the Sentinels to promote the replica', 30_000);
    return next;
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await check()) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
        p.kill('SIGKILL');
        await exited;
      }),
    );
    this.procs.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
