/**
 * The sweeper's scheduling (src/jobs/delivery/sweeper.ts) on vitest's fake timers: time is the
 * subject here, so the clock is moved by hand and every assertion names the millisecond it is about.
 * The sweeper only schedules a work function, so no Redis is involved (the sweeps' work against the
 * real Redis is tested in queue.test.ts and delivery-claims.test.ts).
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Sweeper, type SweeperOptions } from '../../src/jobs/delivery/sweeper.ts';

/** A real pino logger whose lines are kept (warnings are part of the contract: a cut item is logged). */
function recordingLog() {
  const lines: Array<{ msg: string; err?: { message?: string } }> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** A work item that settles `ms` after it starts (on the fake clock), counting how many run at once. */
function timedItems(count: number, ms: number) {
  const state = { running: 0, maxRunning: 0, done: [] as number[] };
  const items = Array.from({ length: count }, (_, i) => async () => {
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    state.running -= 1;
    state.done.push(i);
  });
  return { items, state };
}

const OPTS: SweeperOptions = { sweepMs: 1_000, concurrency: 2, deadlineMs: 500 };
const open: Sweeper[] = [];
function sweeper(opts: Partial<SweeperOptions>, work: () => Promise<Array<() => Promise<unknown>>>, log = recordingLog().log): Sweeper {
  const s = new Sweeper({ ...OPTS, ...opts }, work, log);
  open.push(s);
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  for (const s of open.splice(0)) {
    const closed = s.close(0);
    await vi.advanceTimersByTimeAsync(0);
    await closed;
  }
  vi.useRealTimers();
});

describe('sweeper cadence', () => {
  it('sweeps every sweepMs once started, and not before', async () => {
    let sweeps = 0;
    const s = sweeper({ sweepMs: 1_000 }, async () => (sweeps++, []));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sweeps).toBe(0); // constructed, not started: no timer runs

    s.start();
    s.start(); // a second start adds no second timer
    await vi.advanceTimersByTimeAsync(999);
    expect(sweeps).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sweeps).toBe(1);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(sweeps).toBe(5);
  });

  it('runs one sweep at a time: a sweep slower than sweepMs is joined, not overlapped', async () => {
    let sweeps = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    // Each sweep's one item takes 2.5 sweep periods (within its deadline).
    const s = sweeper({ sweepMs: 1_000, deadlineMs: 10_000 }, async () => {
      sweeps += 1;
      return [
        async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          inFlight -= 1;
        },
      ];
    });
    s.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweeps).toBe(1); // t=1000: the first sweep starts, and runs until t=3500
    // A sweep asked for meanwhile (the editor role gained, a subscribe) is the one in flight.
    expect(s.sweep()).toBe(s.sweep());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sweeps).toBe(1); // the ticks at 2000 and 3000 found it still running
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweeps).toBe(2); // t=4000: the next tick after it ended starts the next one
    await vi.advanceTimersByTimeAsync(6_000);
    expect(sweeps).toBe(4); // started at 7000 and 10000
    expect(maxInFlight).toBe(1);
  });

  it('a sweep whose work list fails is logged, and the next tick sweeps again', async () => {
    const { log, lines } = recordingLog();
    let sweeps = 0;
    const s = sweeper({ sweepMs: 1_000 }, async () => {
      sweeps += 1;
      if (sweeps === 1) throw new Error('Redis away');
      return [];
    }, log);
    s.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines).toMatchObject([{ msg: 'delivery sweep failed; will retry', err: { message: 'Redis away' } }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweeps).toBe(2);
  });
});

describe('items of one sweep', () => {
  it('runs `concurrency` items at a time', async () => {
    const { items, state } = timedItems(6, 100);
    const s = sweeper({ concurrency: 3, deadlineMs: 10_000 }, async () => items);
    const sweep = s.sweep();
    await vi.advanceTimersByTimeAsync(99);
    expect(state.running).toBe(3);
    expect(state.done).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.done).toHaveLength(3); // t=100: the first three end, the next three start
    expect(state.running).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.done).toHaveLength(6);
    await sweep;
    expect(state.maxRunning).toBe(3);
  });

  it('an item that hangs is cut at deadlineMs and logged; the others still run meanwhile', async () => {
    const { log, lines } = recordingLog();
    const hung = () => new Promise<never>(() => undefined); // a platform call that never returns
    const { items, state } = timedItems(4, 100);
    const s = sweeper({ concurrency: 2, deadlineMs: 500 }, async () => [hung, ...items], log);
    let ended = false;
    const sweep = s.sweep().then(() => (ended = true));
    // One lane is stuck on the hung item; the other gets through the rest by t=400.
    await vi.advanceTimersByTimeAsync(400);
    expect(state.done).toEqual([0, 1, 2, 3]);
    expect(state.maxRunning).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(lines).toEqual([]);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    // t=500: the hung item's deadline. It is logged, and the sweep is over.
    expect(lines).toMatchObject([{ msg: 'delivery sweep item failed; will retry', err: { message: 'delivery attempt still running after 500 ms' } }]);
    expect(ended).toBe(true);
    await sweep;
  });

  it('an item that fails is logged and the others run', async () => {
    const { log, lines } = recordingLog();
    const { items, state } = timedItems(3, 10);
    const s = sweeper({ concurrency: 1, deadlineMs: 500 }, async () => [async () => Promise.reject(new Error('upload refused: 500')), ...items], log);
    const sweep = s.sweep();
    await vi.advanceTimersByTimeAsync(30);
    await sweep;
    expect(state.done).toEqual([0, 1, 2]);
    expect(lines).toMatchObject([{ msg: 'delivery sweep item failed; will retry', err: { message: 'upload refused: 500' } }]);
  });
});

describe('close(graceMs)', () => {
  it('stops sweeping and waits at most graceMs for the sweep in flight', async () => {
    let sweeps = 0;
    const { items } = timedItems(1, 5_000);
    const s = sweeper({ sweepMs: 1_000, deadlineMs: 10_000 }, async () => (sweeps++, items));
    s.start();
    await vi.advanceTimersByTimeAsync(1_500); // a sweep started at t=1000, busy until t=6000
    let closed = false;
    const closing = s.close(2_000).then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toBe(true); // t=3500: the grace is over although the sweep still runs
    await closing;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sweeps).toBe(1); // no tick after close
    s.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sweeps).toBe(1); // and a closed sweeper does not start again
  });

  it('returns as soon as the sweep in flight ends, leaves no timer behind, and starts no item after it was called', async () => {
    const ran: string[] = [];
    const item = (name: string, ms: number) => async () => {
      ran.push(name);
      await new Promise((resolve) => setTimeout(resolve, ms));
    };
    const s = sweeper({ sweepMs: 1_000, concurrency: 1, deadlineMs: 10_000 }, async () => [item('first', 300), item('second', 300), item('third', 300)]);
    s.start();
    await vi.advanceTimersByTimeAsync(1_100); // the sweep started at t=1000; 'first' runs until t=1300
    let closed = false;
    const closing = s.close(60_000).then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toBe(true); // t=1300: 'first' ended, the rest of the sweep was skipped
    await closing;
    expect(ran).toEqual(['first']);
    expect(vi.getTimerCount()).toBe(0); // neither the interval nor the grace timer is left
  });
});
