/**
 * The pure parts of the jobs layer: ids, cache keys, effective options, failure codes, ETA.
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { deadlineMs, estimateEtaMs, median, MAX_PRIORITY, MIN_DEFAULT_DEADLINE_MS, priorityFor, renderCost } from '../../src/jobs/eta.ts';
import { decodeFailure, JobFailure, toBullError } from '../../src/jobs/failures.ts';
import { buildJobData, cacheKeyFor, JobData, jobIdFor } from '../../src/jobs/job-data.ts';
import { deploymentCaps, resolveRequest } from '../../src/requests/resolve.ts';
import type { StyleRequest } from '../../src/requests/style-request.ts';
import { platformOfJobId } from '../../src/jobs/delivery/index.ts';
import { makeRequest } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

const config = loadConfig({ EASEL_DEFAULT_SIZE: '256', EASEL_MAX_SIZE: '512', EASEL_DEFAULT_QUALITY: 'draft' });
const KEY = 'a'.repeat(64);
/** The client's resolution without a catalog (every tier stands). */
const resolved = (req: StyleRequest, c = config) => resolveRequest(req.options, { caps: deploymentCaps(c), style: { paintings: 1, fastNetwork: 'any' } });

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
    const key = (req: typeof base) => cacheKeyFor(req, resolved(req).options);
    expect(key(makeRequest(KEY, { user: { id: 'other' }, options: { quality: 'fast', size: 64 } }))).toBe(key(base));
    expect(key(makeRequest('b'.repeat(64), { options: { quality: 'fast', size: 64 } }))).not.toBe(key(base));
    expect(key(makeRequest(KEY, { options: { quality: 'fast', size: 64, strength: 0.7 } }))).not.toBe(key(base));
    expect(key(makeRequest(KEY, { style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'fast', size: 64 } }))).not.toBe(key(base));
    // The brush and a second painting (and its share) change the picture, so the key.
    const starry = { kind: 'preset', presetId: 'starry-night' } as const;
    const withStyle = (style: any, options: any = { quality: 'fast', size: 64 }) => key(makeRequest(KEY, { style, options }));
    expect(withStyle(starry, { quality: 'fast', size: 64, brush: 'bold' })).not.toBe(withStyle(starry));
    expect(withStyle(starry, { quality: 'fast', size: 64, brush: 'normal' })).toBe(withStyle(starry));
    expect(withStyle({ ...starry, blend: { presetId: 'the-scream', mix: 0.7 } })).not.toBe(withStyle(starry));
    expect(withStyle({ ...starry, blend: { presetId: 'the-scream', mix: 0.7 } })).not.toBe(withStyle({ ...starry, blend: { presetId: 'the-scream', mix: 0.5 } }));
    // A size above the maximum renders at the maximum: same effective options, same key.
    expect(key(makeRequest(KEY, { options: { size: 4000 } }))).toBe(key(makeRequest(KEY, { options: { size: 512 } })));
  });

  it('stores what resolveRequest made of the request, notes included', () => {
    const data = buildJobData(makeRequest(KEY, { options: { size: 2048, quality: 'best' } }), resolved(makeRequest(KEY, { options: { size: 2048, quality: 'best' } })));
    expect(data).toMatchObject({ v: 2, options: { size: 512, quality: 'best', strength: 0.75, seed: 0, brush: 'normal', preserveColors: false }, notes: ["size capped at 512 — Easel's limit."] });
    expect(JobData.parse(JSON.parse(JSON.stringify(data)))).toEqual(data);
  });

  it('reads a job queued before the effective options were complete (v1) with the defaults it had', () => {
    const request = makeRequest(KEY);
    const v1 = { v: 1, request, options: { size: 256, quality: 'draft' }, cacheKey: 'c'.repeat(64) };
    expect(JobData.parse(v1)).toMatchObject({ v: 2, options: { size: 256, quality: 'draft', strength: 0.75, seed: 0, brush: 'normal', preserveColors: false }, notes: [] });
  });
});

describe('failure codes', () => {
  it('round-trips through a failedReason, retrying only render errors', () => {
    const expired = toBullError(new JobFailure('expired', 'blob gone'));
    expect(expired).toBeInstanceOf(UnrecoverableError);
    expect(decodeFailure(expired.message)).toMatchObject({ code: 'expired', userMessage: WORDING.photoExpired });
    const render = toBullError(new JobFailure('render', 'OOM'));
    expect(render).not.toBeInstanceOf(UnrecoverableError);
    expect(decodeFailure(render.message).code).toBe('render');
    const image = toBullError(new JobFailure('image', 'corrupt', 'That file looks damaged.'));
    expect(decodeFailure(image.message).userMessage).toBe('That file looks damaged.');
    expect(decodeFailure('job stalled more than allowable limit')).toMatchObject({ code: 'render', userMessage: WORDING.renderFailed });
  });
});

describe('ETA and cost', () => {
  it('spreads the cost ahead over the worker slots and adds the job’s own render', () => {
    const msPerUnit = 10;
    expect(estimateEtaMs({ ahead: [], active: [], own: 100, slots: 1, msPerUnit })).toBe(1_000);
    expect(estimateEtaMs({ ahead: [1000, 1000], active: [{ cost: 1000, percent: 50 }], own: 100, slots: 1, msPerUnit })).toBe(26_000);
    expect(estimateEtaMs({ ahead: [1000, 1000], active: [{ cost: 1000, percent: 50 }], own: 100, slots: 2, msPerUnit })).toBe(13_500);
    // no live worker: assume one rather than divide by zero
    expect(estimateEtaMs({ ahead: [100], active: [], own: 100, slots: 0, msPerUnit })).toBe(2_000);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('costs pixels × evaluations over the planned scales, so size and iterations weigh as much as the tier', () => {
    const photo = { width: 1024, height: 768 };
    const draft512 = renderCost({ quality: 'draft', size: 512 }, photo);
    // one 64×64 evaluation is one unit: a 'fast' render at 64 px is one pass of ~64×48 pixels
    expect(renderCost({ quality: 'fast', size: 64 }, photo)).toBe(1);
    expect(renderCost({ quality: 'fast', size: 512 }, photo)).toBeLessThan(draft512);
    expect(renderCost({ quality: 'balanced', size: 512 }, photo)).toBeGreaterThan(draft512);
    // a draft with 5000 iterations at 1024 px costs far more than a 'best' at 256 px
    expect(renderCost({ quality: 'draft', size: 1024, iterations: 5000 }, photo)).toBeGreaterThan(50 * renderCost({ quality: 'best', size: 256 }, photo));
    expect(priorityFor(1e12)).toBe(MAX_PRIORITY);
    expect(priorityFor(0.2)).toBe(1);
  });

  it('derives a deadline from the cost unless the operator set one', () => {
    expect(deadlineMs(10, 0)).toBe(MIN_DEFAULT_DEADLINE_MS);
    const huge = renderCost({ quality: 'best', size: 2048 }, { width: 2048, height: 2048 });
    expect(deadlineMs(huge, 0)).toBeGreaterThan(deadlineMs(renderCost({ quality: 'draft', size: 512 }, { width: 512, height: 512 }), 0));
    expect(deadlineMs(huge, 30)).toBe(30_000);
  });
});
