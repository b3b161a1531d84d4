/**
 * The optimisers' view of an Evaluator: counts evaluations against the budget, honours the
 * AbortSignal, remembers the best point seen (float32 losses are noisy, so the last point is not
 * always the best), reports progress and detects a plateau. Optimisers only call `evaluate`.
 */
import { RenderCancelled, type Evaluator, type LossParts } from '../types.ts';

/** Thrown inside an optimiser when the evaluation budget is spent; optimise() returns the best point. */
export class BudgetExhausted extends Error {
  constructor() {
    super('evaluation budget exhausted');
    this.name = 'BudgetExhausted';
  }
}

export interface StepReport {
  /** Evaluations so far (1-based). */
  step: number;
  loss: number;
  parts: LossParts;
  /** The point just evaluated. Valid during the callback only. */
  x: Float32Array;
}

export interface PlateauRule {
  /** Compare the best loss now with the best loss this many evaluations ago. */
  window: number;
  /** Stop when it improved by less than this fraction. */
  relTol: number;
}

export interface ObjectiveOptions {
  maxEvaluations: number;
  signal?: AbortSignal;
  onStep?: (r: StepReport) => void | Promise<void>;
  plateau?: PlateauRule;
}

export interface Point {
  x: Float32Array;
  loss: number;
  /** A copy: stays valid across later evaluations. */
  grad: Float32Array;
  parts: LossParts;
}

export class Objective {
  evaluations = 0;
  initial?: { loss: number; parts: LossParts };
  best?: { x: Float32Array; loss: number; parts: LossParts };
  /** Best loss after each evaluation, for the plateau rule. */
  private readonly bestTrace: number[] = [];

  constructor(
    private readonly evaluator: Evaluator,
    private readonly opts: ObjectiveOptions,
  ) {}

  async evaluate(x: Float32Array): Promise<Point> {
    if (this.opts.signal?.aborted) throw new RenderCancelled();
    if (this.evaluations >= this.opts.maxEvaluations) throw new BudgetExhausted();
    const ev = await this.evaluator.evaluate(x);
    if (this.opts.signal?.aborted) throw new RenderCancelled();
    this.evaluations++;
    if (!Number.isFinite(ev.loss)) throw new Error(`loss is ${ev.loss} at evaluation ${this.evaluations}`);
    this.initial ??= { loss: ev.loss, parts: ev.parts };
    if (!this.best || ev.loss < this.best.loss) this.best = { x: x.slice(), loss: ev.loss, parts: ev.parts };
    this.bestTrace.push(this.best.loss);
    await this.opts.onStep?.({ step: this.evaluations, loss: ev.loss, parts: ev.parts, x });
    return { x, loss: ev.loss, grad: ev.grad.slice(), parts: ev.parts };
  }

  /** True when the best loss improved by less than relTol over the last `window` evaluations. */
  plateaued(): boolean {
    const rule = this.opts.plateau;
    const n = this.bestTrace.length;
    if (!rule || n <= rule.window) return false;
    const before = this.bestTrace[n - 1 - rule.window];
    const now = this.bestTrace[n - 1];
    return before - now <= rule.relTol * Math.abs(before);
  }

  get budgetLeft(): number {
    return this.opts.maxEvaluations - this.evaluations;
  }
}
