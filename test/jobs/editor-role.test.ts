/**
 * The editor role's cadence (src/jobs/delivery/editor-role.ts) on vitest's fake timers: a standby
 * tries to take the role every third of the lock time, so when the editor dies another process
 * carries on within about that long; the holder stops trying; a lapsed role is tried for again; a
 * closed role releases its lease and tries no more. The leases are a recorder of tries here (their
 * fencing against the real Redis is tested in delivery-claims.test.ts and test/discord/one-editor).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditorRole } from '../../src/jobs/delivery/editor-role.ts';
import type { Lease } from '../../src/jobs/delivery/lease.ts';
import { keys } from '../../src/jobs/keys.ts';
import { silentLogger } from '../../src/log.ts';

const LOCK_MS = 3_000; // a try every 1000 ms

/** Leases held by "another process" until `free` is set; each try, grant and release recorded. */
function recordingLeases() {
  const state = { free: false, tries: [] as number[], released: 0, lapse: undefined as (() => void) | undefined };
  const t0 = Date.now();
  const leases = {
    async acquire(key: string, ttlMs: number, onLost?: () => void): Promise<Lease | undefined> {
      state.tries.push(Date.now() - t0);
      if (!state.free) return undefined;
      state.free = false;
      state.lapse = onLost;
      return { key, token: `token-${state.tries.length}`, stopRenewing: () => undefined, release: async () => void (state.released += 1) };
    },
  };
  return { leases, state };
}

function role() {
  const { leases, state } = recordingLeases();
  const events: string[] = [];
  const r = new EditorRole('discord', leases, keys('test'), LOCK_MS, { gained: async () => void events.push('gained'), lost: async () => void events.push('lost') }, silentLogger);
  return { role: r, state, events };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('editor role cadence', () => {
  it('a standby tries once at start, then every third of the lock time', async () => {
    const { role: r, state } = role();
    await r.start();
    expect(state.tries).toEqual([0]);
    await vi.advanceTimersByTimeAsync(999);
    expect(state.tries).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.tries).toEqual([0, 1_000]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(state.tries).toEqual([0, 1_000, 2_000, 3_000]);
    expect(r.held).toBe(false);
    await r.close();
  });

  it('takes the role at the first try after it was freed, then stops trying; tries again once it lapsed', async () => {
    const { role: r, state, events } = role();
    await r.start();
    await vi.advanceTimersByTimeAsync(1_500);
    state.free = true; // t=1500: the editor died and its lease lapsed
    await vi.advanceTimersByTimeAsync(499);
    expect(r.held).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.held).toBe(true); // t=2000: the next try took it
    expect(events).toEqual(['gained']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.tries).toEqual([0, 1_000, 2_000]); // the holder does not try again
    state.lapse!(); // a renewal found the lease gone (this process stalled past it)
    await vi.advanceTimersByTimeAsync(0);
    expect(r.held).toBe(false);
    expect(events).toEqual(['gained', 'lost']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.tries).toHaveLength(4); // standing by again: the next tick tries
    await r.close();
  });

  it('close() releases the lease it holds, tells the role is lost, and tries no more', async () => {
    const { role: r, state, events } = role();
    state.free = true;
    await r.start();
    expect(r.held).toBe(true);
    await r.close();
    expect(r.held).toBe(false);
    expect(state.released).toBe(1);
    expect(events).toEqual(['gained', 'lost']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.tries).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
