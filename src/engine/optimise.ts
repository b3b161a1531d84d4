/**
 * The optimiser loop, engine-agnostic: it sees only the Evaluator seam (x ↦ { loss, grad }) and
 * plain Float32Arrays, so the tfjs and ONNX engines share it unchanged.
 *
 * One "step" is one loss+gradient evaluation (the unit that costs time), for the budget, progress
 * and early stopping alike. The best point seen is returned, clamped to the pixel box.
 */
import { Objective, BudgetExhausted, type ObjectiveOptions } from './optim/objective.ts';
import { clampInto, type Box } from './optim/box.ts';
import { lbfgs, DEFAULT_LBFGS, type LbfgsOptions, type StopReason } from './optim/lbfgs.ts';
import { adam, DEFAULT_ADAM, type AdamOptions } from './optim/adam.ts';
import type { Evaluator, LossParts, OptimizerName } from './types.ts';

export type { StepReport, PlateauRule } from './optim/objective.ts';
export type { Box } from './optim/box.ts';

export const PIXEL_BOX: Box = { lower: 0, upper: 255 };

export interface OptimiseOptions extends ObjectiveOptions {
  optimizer: OptimizerName;
  box?: Box;
  lbfgs?: Partial<LbfgsOptions>;
  adam?: Partial<AdamOptions>;
}

export interface OptimiseResult {
  /** The best point seen (lowest loss), inside the box. */
  x: Float32Array;
  evaluations: number;
  initial: { loss: number; parts: LossParts };
  final: { loss: number; parts: LossParts };
  stoppedBy: StopReason | 'budget';
}

export async function optimise(evaluator: Evaluator, x0: Float32Array, opts: OptimiseOptions): Promise<OptimiseResult> {
  if (opts.maxEvaluations < 1) throw new Error('optimise needs at least one evaluation');
  const box = opts.box ?? PIXEL_BOX;
  const objective = new Objective(evaluator, opts);
  const start = clampInto(x0.slice(), box);
  let stoppedBy: OptimiseResult['stoppedBy'];
  try {
    stoppedBy =
      opts.optimizer === 'adam'
        ? await adam(objective, start, box, { ...DEFAULT_ADAM, ...opts.adam })
        : await lbfgs(objective, start, box, { ...DEFAULT_LBFGS, ...opts.lbfgs });
  } catch (err) {
    if (!(err instanceof BudgetExhausted)) throw err;
    stoppedBy = 'budget';
  }
  const best = objective.best!;
  return { x: best.x, evaluations: objective.evaluations, initial: objective.initial!, final: { loss: best.loss, parts: best.parts }, stoppedBy };
}
