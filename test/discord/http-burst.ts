/**
 * Interactions while the gateway delivers a burst of MESSAGE_CREATE events: the burst is sent in
 * chunks, with an interaction between chunks — POSTed (signed) to the endpoint in HTTP mode, or
 * dispatched on the gateway in gateway mode — so the bot answers them while its gateway connection
 * is busy. Used by http-interactions.test.ts (asserting Discord's 3 s limit
 * only) and measure-http-acks.ts (reporting the figures).
 */
import type { InteractionRecord } from '../fakes/discord/fake-discord.ts';
import type { Harness } from './harness.ts';

export interface BurstFigures {
  messages: number;
  interactions: number;
  /** Ack latencies (ms): from the POST leaving the fake to the interaction's first answer (callback) arriving. */
  ackMs: number[];
  /** The endpoint's own answers (202) to the POSTs, ms. */
  httpMs: number[];
  statuses: number[];
  wallMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function httpAckBurst(h: Harness, opts: { messages: number; interactionEvery: number; chunk?: number }): Promise<BurstFigures> {
  const fake = h.fake;
  const channelId = fake.channelOfType(0).id;
  const talker = h.user('chatty');
  const chunk = opts.chunk ?? 50;
  const recs: InteractionRecord[] = [];
  const started = performance.now();
  let earlier: ReturnType<Harness['say']> | undefined;
  for (let i = 0; i < opts.messages; i++) {
    // Plain chatter, every tenth message a photo replying to someone else's message (the bot looks
    // at the reference and leaves it): what a busy server's gateway carries.
    const photo = i % 10 === 9 ? [h.photo(64)] : undefined;
    const msg = h.say(talker, channelId, { content: `message ${i}`, attachments: photo, replyTo: photo ? earlier : undefined });
    earlier ??= msg;
    if (i % opts.interactionEvery === 0) {
      const asker = h.user(`asker-${i}`);
      // Alternately: autocomplete (answered with choices) and /stylize naming no known painting
      // (answered at once with an ephemeral error) — acknowledgements, no renders.
      recs.push(i % (2 * opts.interactionEvery) === 0 ? h.slash(asker, 'stylize', { style: 'star' }, { focused: 'style' }) : h.slash(asker, 'stylize', { photo: h.photo(64), style: 'no-such-painting-xyz' }));
    }
    if (i % chunk === chunk - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await fake.waitFor(`${recs.length} interactions acknowledged`, () => recs.every((r) => r.ackedAt !== undefined), 60_000);
  // Over the gateway there is no HTTP answer: only the callbacks count.
  const answers = (await Promise.all(recs.map((r) => r.http))).filter((a) => a !== undefined);
  return {
    messages: opts.messages,
    interactions: recs.length,
    ackMs: recs.map((r) => r.ackedAt! - r.dispatchedAt).sort((a, b) => a - b),
    httpMs: answers.map((a) => a.ms).sort((a, b) => a - b),
    statuses: answers.map((a) => a.status),
    wallMs: performance.now() - started,
  };
}
