/**
 * `easel shards`: what Discord recommends for this bot (GET /gateway/bot), the session starts
 * left today and max_concurrency, and a DISCORD_SHARDS split for N processes (`--processes N`).
 */
import { loadConfig } from '../config.ts';
import { fetchGatewayBot, planShards, splitShards } from '../chat/discord/sharding.ts';

export interface ShardsReport {
  recommendedShards: number;
  /** The count this deployment would run (DISCORD_SHARD_COUNT, auto resolved). */
  shardCount: number;
  sessionStartLimit: { total: number; remaining: number; resetAfterMs: number; maxConcurrency: number };
  processes: number;
  /** DISCORD_SHARDS for each process, in order. */
  split: string[];
  /** Seconds for all shards to identify at max_concurrency (one per bucket per 5 s). */
  startSeconds: number;
}

export async function shardsReport(env: Record<string, string | undefined> = process.env, processes = 1): Promise<ShardsReport> {
  const config = loadConfig(env);
  if (!config.discord) throw new Error('DISCORD_TOKEN is not set: it is needed to ask Discord about shards.');
  const gateway = await fetchGatewayBot(config.discord);
  const { shardCount } = planShards({ shardCount: config.discord.shardCount }, gateway.shards);
  const limit = gateway.session_start_limit;
  const maxConcurrency = Math.max(1, limit.max_concurrency);
  return {
    recommendedShards: gateway.shards,
    shardCount,
    sessionStartLimit: { total: limit.total, remaining: limit.remaining, resetAfterMs: limit.reset_after, maxConcurrency },
    processes: Math.min(processes, shardCount),
    split: splitShards(shardCount, processes),
    startSeconds: Math.ceil(shardCount / maxConcurrency) * 5,
  };
}

export async function runShards(opts: { processes: number; json?: boolean }): Promise<void> {
  const r = await shardsReport(process.env, opts.processes);
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const l = r.sessionStartLimit;
  const hours = (l.resetAfterMs / 3_600_000).toFixed(1);
  const lines = [
    `Discord recommends ${r.recommendedShards} shard${r.recommendedShards === 1 ? '' : 's'} for this bot; this deployment runs ${r.shardCount} (DISCORD_SHARD_COUNT).`,
    `Session starts left today: ${l.remaining} of ${l.total} (reset in ${hours} h); max_concurrency ${l.maxConcurrency} (IDENTIFYs per 5 s).`,
    `Starting all ${r.shardCount} shards takes about ${r.startSeconds} s.`,
    `Suggested DISCORD_SHARDS for ${r.processes} process${r.processes === 1 ? '' : 'es'} (each with DISCORD_SHARD_COUNT=${r.shardCount}):`,
    ...r.split.map((share, i) => `  process ${i + 1}: DISCORD_SHARDS=${share}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
