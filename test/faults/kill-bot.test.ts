/**
 * Fault suite, case 1: `easel bot` SIGKILLed at points of delivery, 20 times, each time restarted.
 * The kill points rotate through: before the post (the upload has started), after the post but
 * before the bookkeeping (Slack has shared the file, the bot has not recorded it), during a
 * progress edit, and during the final edit of the status; each kill comes 0–30 ms (at random)
 * after the fake saw that call. Every user must end with exactly one image in their thread and a
 * final status.
 *
 * Real pieces: the bot is the real CLI in a child process (Bolt over HTTP against the fake Slack),
 * the worker renders with the real engine (32 px, fast) in this process, Redis is the real one.
 */
import { describe, expect, it } from 'vitest';
import type { ApiCall } from '../fakes/slack/fake-slack.ts';
import { askForPainting, resultShown, sleep, startBot, statusOf, tally, useSlackFaultRig } from './harness.ts';

const RUNS = 20;
const POINTS = ['before the post', 'after the post, before the bookkeeping', 'during a progress edit', 'during the final edit'] as const;
type Point = (typeof POINTS)[number];

const rig = useSlackFaultRig('faults-kill');

function killPoint(point: Point, statusTs: string): (c: ApiCall) => boolean {
  switch (point) {
    case 'before the post':
      return (c) => c.method === 'files.getUploadURLExternal';
    case 'after the post, before the bookkeeping':
      return (c) => c.method === 'files.completeUploadExternal' && c.status === 200;
    case 'during a progress edit':
      return (c) => c.method === 'chat.update' && c.args.ts === statusTs && !/^(✅|⚠️|✖️)/.test(String(c.args.text));
    case 'during the final edit':
      return (c) => c.method === 'chat.update' && c.args.ts === statusTs && String(c.args.text).startsWith('✅');
  }
}

describe('fault suite: the bot killed during delivery', () => {
  it(`${RUNS} SIGKILLs at points of delivery: every result shown exactly once, every status final`, async () => {
    const threads: string[] = [];
    const kills = new Map<Point, number>();
    for (let run = 0; run < RUNS; run++) {
      const point = POINTS[run % POINTS.length];
      const from = rig.fake.calls.length;
      const { threadTs } = await askForPainting(rig.fake, rig.bot.sender);
      threads.push(threadTs);
      const status = await rig.fake.waitFor(() => statusOf(rig.fake, threadTs), `the status message of run ${run}`);
      const at = killPoint(point, status.ts);
      await rig.fake.waitFor(() => rig.fake.calls.slice(from).some(at), `run ${run}: ${point}`, 60_000);
      await sleep(Math.random() * 30);
      await rig.bot.kill();
      kills.set(point, (kills.get(point) ?? 0) + 1);
      rig.bot = await startBot(rig.fake, rig.env);
      await resultShown(rig.fake, threadTs, `run ${run}: the result after the restart`);
    }
    // Claims lapse and sweeps run again: nothing more may be posted.
    await sleep(2_000);
    const t = tally(rig.fake, threads);
    console.info(`[fault suite] bot SIGKILLed: runs=${RUNS} kills=${JSON.stringify(Object.fromEntries(kills))} duplicates=${t.duplicates} lost=${t.lost} notFinal=${t.notFinal}`);
    expect(t.images).toEqual(threads.map(() => 1));
    expect(t).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
    expect([...kills.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  }, 300_000); // 20 bot restarts: a loaded 2-core machine took over 120 s
});
