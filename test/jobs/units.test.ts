/**
 * The pure parts of the jobs layer: ids, cache keys, effective options, failure codes, ETA.
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { estimateEtaMs, median, DEFAULT_RENDER_MS } from '../../src/jobs/eta.ts';
import { decodeFailure, FAILURE_TEXT, JobFailure, toBullError } from '../../src/jobs/failures.ts';
import { buildJobData, cacheKeyFor, effectiveOptions, jobIdFor, PRIORITY } from '../../src/jobs/job-data.ts';
import { platformOfJobId } from '../../src/jobs/delivery.ts';
import { makeRequest } from './harness.ts';

const config = loadConfig({ EASEL_DEFAULT_SIZE: '256', EASEL_MAX_SIZE: '512', EASEL_DEFAULT_QUALITY: 'draft' });
const KEY = 'a'.repeat(64);

describe('job ids and cache keys', () => {
  it('derives one job id per (platform, request id), valid for BullMQ and routable by platform', () => {
    const a = makeRequest(KEY, { requestId: 'interaction-1' });
    const b = makeRequest(KEY, { requestId: 'interaction-1', user: { id: 'someone-else' } });
    const c = makeRequest(KEY, { requestId: 'interaction-1', platform: 'slack' });
    expect(jobIdFor(a)).toBe(jobIdFor(b));
    expect(jobIdFor(a)).not.toBe(jobIdFor(c));
    expect(jobIdFor(a)).not.toContain(':');
    expect(platformOfJobId(jobIdFor(a))).toBe('discord');
    expect(platformOfJobId(jobIdFor(c))).toBe('slack');
  });

  it('gives the same cache key to the same photo, style and effective options only', () => {
    const base = makeRequest(KEY, { options: { quality: 'fast', size: 64 } });
    const key = (req: typeof base) => cacheKeyFor(req, effectiveOptions(req, config.render));
    expect(key(makeRequest(KEY, { user: { id: 'other' }, options: { quality: 'fast', size: 64 } }))).toBe(key(base));
    expect(key(makeRequest('b'.repeat(64), { options: { quality: 'fast', size: 64 } }))).not.toBe(key(base));
    expect(key(makeRequest(KEY, { options: { quality: 'fast', size: 64, strength: 0.7 } }))).not.toBe(key(base));
    expect(key(makeRequest(KEY, { style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'fast', size: 64 } }))).not.toBe(key(base));
    // A size above the maximum renders at the maximum: same effective options, same key.
    expect(key(makeRequest(KEY, { options: { size: 4000 } }))).toBe(key(makeRequest(KEY, { options: { size: 512 } })));
  });

  it('fills defaults and caps the size from the config', () => {
    expect(effectiveOptions(makeRequest(KEY, { options: {} }), config.render)).toMatchObject({ size: 256, quality: 'draft' });
    expect(effectiveOptions(makeRequest(KEY, { options: { size: 2048, quality: 'best' } }), config.render)).toMatchObject({ size: 512, quality: 'best' });
    expect(buildJobData(makeRequest(KEY), config).v).toBe(1);
    expect(PRIORITY.fast).toBeLessThan(PRIORITY.best);
  });
});

describe('failure codes', () => {
  it('round-trips through a failedReason, retrying only render errors', () => {
    const expired = toBullError(new JobFailure('expired', 'blob gone'));
    expect(expired).toBeInstanceOf(UnrecoverableError);
    expect(decodeFailure(expired.message)).toMatchObject({ code: 'expired', userMessage: FAILURE_TEXT.expired });
    const render = toBullError(new JobFailure('render', 'OOM'));
    expect(render).not.toBeInstanceOf(UnrecoverableError);
    expect(decodeFailure(render.message).code).toBe('render');
    const image = toBullError(new JobFailure('image', 'corrupt', 'That file looks damaged.'));
    expect(decodeFailure(image.message).userMessage).toBe('That file looks damaged.');
    expect(decodeFailure('job stalled more than allowable limit')).toMatchObject({ code: 'render', userMessage: FAILURE_TEXT.render });
  });
});

describe('ETA', () => {
  it('spreads the work ahead over the worker slots and adds the job’s own render', () => {
    const expectedMs = { ...DEFAULT_RENDER_MS, fast: 1_000, draft: 10_000 };
    expect(estimateEtaMs({ ahead: [], active: [], own: 'fast', slots: 1, expectedMs })).toBe(1_000);
    expect(estimateEtaMs({ ahead: ['draft', 'draft'], active: [{ quality: 'draft', percent: 50 }], own: 'fast', slots: 1, expectedMs })).toBe(26_000);
    expect(estimateEtaMs({ ahead: ['draft', 'draft'], active: [{ quality: 'draft', percent: 50 }], own: 'fast', slots: 2, expectedMs })).toBe(13_500);
    // no live worker: assume one rather than divide by zero
    expect(estimateEtaMs({ ahead: ['fast'], active: [], own: 'fast', slots: 0, expectedMs })).toBe(2_000);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
