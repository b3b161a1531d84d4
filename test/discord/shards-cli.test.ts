/**
 * `easel shards` end to end (bin/easel.js against the fake Discord): Discord's recommendation,
 * session starts left, max_concurrency and a DISCORD_SHARDS split for N processes, as text and --json.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const run = promisify(execFile);
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await new FakeDiscord({ gatewayBot: { shards: 16, maxConcurrency: 4, remaining: 987, total: 1000, resetAfterMs: 7_200_000 } }).start();
});
afterAll(async () => {
  await fake?.close();
});

const easel = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'shards', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, LOG_LEVEL: 'silent', ...env },
  });

describe('easel shards', () => {
  it('prints the recommendation, session starts, max_concurrency and a split for --processes', async () => {
    const { stdout } = await easel(['--processes', '4']);
    expect(stdout).toContain('Discord recommends 16 shards');
    expect(stdout).toContain('987 of 1000');
    expect(stdout).toContain('max_concurrency 4');
    for (const share of ['0-3', '4-7', '8-11', '12-15']) expect(stdout).toContain(`DISCORD_SHARDS=${share}`);
    expect(stdout).not.toContain(fake.token);
  }, 60_000);

  it('--json, with a fixed DISCORD_SHARD_COUNT', async () => {
    const { stdout } = await easel(['--processes', '3', '--json'], { DISCORD_SHARD_COUNT: '10' });
    expect(JSON.parse(stdout)).toEqual({
      recommendedShards: 16,
      shardCount: 10,
      sessionStartLimit: { total: 1000, remaining: 987, resetAfterMs: 7_200_000, maxConcurrency: 4 },
      processes: 3,
      split: ['0-3', '4-6', '7-9'],
      startSeconds: 15,
    });
  }, 60_000);

  it('a wrong token is a clear error, not a stack', async () => {
    const err = await easel([], { DISCORD_TOKEN: 'wrong' }).catch((e) => e);
    expect(err.code).not.toBe(0);
    expect(String(err.stderr)).toMatch(/DISCORD_TOKEN/);
  }, 60_000);
});
