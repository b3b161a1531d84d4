/**
 * The cost model behind queue order, ETA and deadlines — one model for all three.
 *
 * A render's cost is the work the engine does: pixels × loss evaluations (params.evaluationsFor,
 * the budget the engine runs), in units of one evaluation on a 64×64 image. A
 * 'fast' render is one feed-forward pass at the output size, counted as one evaluation. The cost
 * is the job's BullMQ priority (lower runs first), so a small job overtakes a huge one whatever
 * their tiers; equal costs keep arrival order.
 *
 * Workers record how long recent renders took per cost unit; a waiting job's ETA is the cost ahead
 * of it (jobs before it in the queue + what is left of the running ones) spread over the worker
 * slots alive now, plus its own expected render time.
 */
import type { Redis } from 'ioredis';
import { fitLongest } from '../images/resize.ts';
import { evaluationsFor } from '../engine/params.ts';
import type { Quality } from '../requests/render-plan.ts';
import type { Keys } from './keys.ts';

/** Pixels × evaluations in one cost unit: one evaluation on 64×64 pixels. */
export const PIXEL_EVALUATIONS_PER_UNIT = 64 * 64;
/** BullMQ's largest priority (2²¹ − 1); costs above it share the last place. */
export const MAX_PRIORITY = 2_097_151;

/**
 * ms per cost unit until a deployment has rendered anything: a rough CPU-class figure (a 512 px
 * 'balanced' render ≈ 3900 units ≈ 60 s, a 512 px 'fast' one ≈ 64 units ≈ 1 s).
 */
export const DEFAULT_MS_PER_UNIT = 15;

export interface CostInput {
  quality: Quality;
  /** Output's longest side. */
  size: number;
  iterations?: number;
}

/** Cost units of a render of a `width`×`height` photo (see the module comment); at least 1. */
export function renderCost(o: CostInput, content: { width: number; height: number }): number {
  const d = fitLongest(content.width, content.height, o.size);
  const pixelEvaluations = d.width * d.height * (o.quality === 'fast' ? 1 : evaluationsFor(o.quality, o.iterations));
  return Math.max(1, Math.ceil(pixelEvaluations / PIXEL_EVALUATIONS_PER_UNIT));
}

/** BullMQ priority of a job of this cost (1 = first). */
export function priorityFor(cost: number): number {
  return Math.min(MAX_PRIORITY, Math.max(1, Math.round(cost)));
}

const KEEP = 50;

export class RenderStats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** A finished render: its cost units and how long it took. */
  async record(cost: number, ms: number): Promise<void> {
    const key = this.keys.renderStats('ms-per-unit');
    await this.redis.multi().lpush(key, (ms / Math.max(1, cost)).toPrecision(4)).ltrim(key, 0, KEEP - 1).exec();
  }

  /** Median ms per cost unit of recent renders (the default when none were recorded). */
  async msPerUnit(): Promise<number> {
    const values = (await this.redis.lrange(this.keys.renderStats('ms-per-unit'), 0, -1)).map(Number).filter((v) => Number.isFinite(v) && v > 0);
    return values.length ? median(values) : DEFAULT_MS_PER_UNIT;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface EtaInput {
  /** Costs of the waiting jobs ahead, in queue order. */
  ahead: number[];
  /** Running jobs: their cost and how far they are (0–100). */
  active: { cost: number; percent: number }[];
  own: number;
  /** Worker slots (sum of concurrency of live workers); at least 1 is assumed. */
  slots: number;
  msPerUnit: number;
}

/** ms until the job is done (pure; see the module comment). */
export function estimateEtaMs(i: EtaInput): number {
  const slots = Math.max(1, i.slots);
  const ahead = i.ahead.reduce((sum, c) => sum + c, 0);
  const running = i.active.reduce((sum, a) => sum + a.cost * (1 - Math.min(100, Math.max(0, a.percent)) / 100), 0);
  return Math.round(((ahead + running) / slots + i.own) * i.msPerUnit);
}

/** Default deadline: ten times the render's cost at the CPU-class rate, never under five minutes (a first TensorRT build takes minutes). */
export const DEADLINE_FACTOR = 10;
export const MIN_DEFAULT_DEADLINE_MS = 5 * 60_000;

/** A render's time limit: the operator's (EASEL_JOB_DEADLINE_S), else derived from its cost (size × quality × iterations). */
export function deadlineMs(cost: number, deadlineS: number): number {
  if (deadlineS > 0) return deadlineS * 1000;
  return Math.max(MIN_DEFAULT_DEADLINE_MS, DEADLINE_FACTOR * cost * DEFAULT_MS_PER_UNIT);
}
