/**
 * Measures how fast interactions are acknowledged while the gateway delivers a burst of
 * MESSAGE_CREATE events, side by side in one run: interactions over the gateway (the default) and
 * over HTTP (EASEL_DISCORD_INTERACTIONS=http). Each mode runs in one `easel start`-style process
 * (bot + worker) against the fake Discord, which runs in the same process (so its own work — 2,000
 * gateway frames, signing, recording — is on the same event loop). Not a test (nothing asserted):
 *
 *   npx tsx test/discord/measure-http-acks.ts [messages=2000] [interactionEvery=40] [rounds=3]
 *
 * Ack latency: from the interaction leaving the fake (gateway frame or signed POST) to its callback
 * arriving at the fake — what Discord's 3 s limit is about. The first burst after start (cold: JIT,
 * first preset search) is reported apart from the warm rounds.
 */
import { startHarness } from './harness.ts';
import { httpAckBurst, percentile, type BurstFigures } from './http-burst.ts';

const [messages = 2000, interactionEvery = 40, rounds = 3] = process.argv.slice(2).map(Number);
const summary = (ack: number[]) => {
  const s = [...ack].sort((a, b) => a - b);
  return { n: s.length, p50: Math.round(percentile(s, 50)), p90: Math.round(percentile(s, 90)), p99: Math.round(percentile(s, 99)), max: Math.round(s.at(-1)!), over3s: s.filter((x) => x >= 3000).length };
};

const out: Record<string, unknown> = { messagesPerBurst: messages, interactionsPerBurst: Math.ceil(messages / interactionEvery), warmRounds: rounds };
for (const mode of ['gateway', 'http'] as const) {
  const h = await startHarness({ name: `discord-ack-measure-${mode}`, fake: { interactions: mode } });
  try {
    const cold = await httpAckBurst(h, { messages, interactionEvery });
    const warm: BurstFigures[] = [];
    for (let round = 0; round < rounds; round++) warm.push(await httpAckBurst(h, { messages, interactionEvery }));
    out[mode] = {
      coldAckMs: summary(cold.ackMs),
      warmAckMs: summary(warm.flatMap((f) => f.ackMs)),
      ...(mode === 'http' ? { warmHttpAnswerMs: summary(warm.flatMap((f) => f.httpMs)), non202: warm.flatMap((f) => f.statuses).filter((s) => s !== 202).length } : {}),
      burstWallMs: warm.map((f) => Math.round(f.wallMs)),
    };
  } finally {
    await h.close();
  }
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
