/**
 * Fault suite, cases 2–4 on Slack, with `easel bot` as real child processes against the fake Slack
 * and a real-engine worker in this process:
 *   2. an upload that hangs (3 s: longer than the 1 s platform timeout and the 1 s claim), then succeeds
 *   3. files.completeUploadExternal answering 500 five times, then 200; and 500 forever
 *   4. two bot processes at once, one of them replaced mid-way (a rolling restart)
 * Each ends with every user's result in their thread exactly once and every status final.
 */
import { describe, expect, it } from 'vitest';
import { askForPainting, CHANNEL, resultShown, sleep, startBot, statusOf, tally, useSlackFaultRig } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

const rig = useSlackFaultRig('faults-slack');

const delivered = (threadTs: string) => resultShown(rig.fake, threadTs);

describe('fault suite on Slack', () => {
  it('an upload that hangs longer than the timeout and the claim, then succeeds: posted once', async () => {
    rig.fake.holdUploads(3_000, 1);
    const { threadTs } = await askForPainting(rig.fake, rig.bot.sender);
    await delivered(threadTs);
    await sleep(3_500); // the held upload completes now, late; nothing more may appear
    expect(tally(rig.fake, [threadTs])).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0, images: [1] });
    console.info('[fault suite] slack upload hang 3 s (timeout 1 s, claim 1 s): runs=1 duplicates=0 lost=0');
  });

  it('500 five times, then 200: posted once', async () => {
    rig.fake.failNext('files.completeUploadExternal', ...Array.from({ length: 5 }, () => ({ status: 500 as const })));
    const { threadTs } = await askForPainting(rig.fake, rig.bot.sender);
    await delivered(threadTs);
    await sleep(1_500);
    expect(rig.fake.callsOf('files.completeUploadExternal').filter((c) => c.status === 500)).toHaveLength(5);
    expect(tally(rig.fake, [threadTs])).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0, images: [1] });
  });

  it('500 forever: the user gets the failure notice and easel_delivery_failed_total counts it', async () => {
    rig.fake.failWhen('files.completeUploadExternal', () => true, ...Array.from({ length: 200 }, () => ({ status: 500 as const })));
    try {
      const { threadTs } = await askForPainting(rig.fake, rig.bot.sender);
      const status = await rig.fake.waitFor(() => {
        const s = statusOf(rig.fake, threadTs);
        return s && s.text.includes(WORDING.undeliverable) ? s : undefined;
      }, 'the undeliverable notice', 60_000);
      expect(status.text.startsWith('⚠️')).toBe(true);
      expect(rig.fake.imageMessages(CHANNEL, threadTs)).toHaveLength(0);
      const opsPort = rig.bot.output().match(/"opsPort":(\d+)/)?.[1];
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      expect(metrics).toMatch(/easel_delivery_failed_total\{platform="slack",reason="undeliverable"\} 1/);
    } finally {
      rig.fake.recover('files.completeUploadExternal');
    }
  });

  it('two bot processes at once, one replaced mid-way (rolling restart): every result posted once', async () => {
    let second = await startBot(rig.fake, rig.env);
    try {
      const threads: string[] = [];
      for (let i = 0; i < 8; i++) {
        const via = i % 2 === 0 ? rig.bot : second;
        threads.push((await askForPainting(rig.fake, via.sender)).threadTs);
        if (i === 3) {
          // Rolling restart of the second process: SIGTERM, and a new one takes its place.
          await second.stop();
          second = await startBot(rig.fake, rig.env);
        }
      }
      for (const t of threads) await delivered(t);
      await sleep(1_500);
      const t = tally(rig.fake, threads);
      console.info(`[fault suite] two bots at once + rolling restart: jobs=${threads.length} duplicates=${t.duplicates} lost=${t.lost} notFinal=${t.notFinal}`);
      expect(t).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
      expect(t.images).toEqual(threads.map(() => 1));
    } finally {
      await second.kill();
    }
  });
});
