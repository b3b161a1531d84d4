/**
 * How much starting the Gatys optimisation from the fast network's output saves (init 'fast' vs
 * init 'content'), measured at one scale with the render pipeline's own loss (params.ts weights,
 * the engine's LossBackend and optimiser): both starts get the same evaluation budget; the saving is
 * how many fewer evaluations the fast start needs to reach the loss the content start ends with.
 */
import type { RgbImage } from '../src/images/types.ts';
import { fitLongest, resizeRgb } from '../src/images/resize.ts';
import { CONTENT_LAYER, DEFAULT_STRENGTH, STYLE_LAYERS, lossMixFor } from '../src/engine/params.ts';
import { lossWeights } from '../src/engine/loss-spec.ts';
import { optimise } from '../src/engine/optimise.ts';
import { toFloat } from '../src/engine/pixels.ts';
import type { LossBackend, OptimizerName, Pooling } from '../src/engine/types.ts';
import type { FastStyleRunner } from '../src/engine/fast-style/types.ts';

export interface InitBenefitOptions {
  backend: LossBackend;
  runner: FastStyleRunner;
  network: string;
  content: RgbImage;
  style: RgbImage;
  /** Longest side of the single scale, px. */
  size: number;
  /** Evaluation budget for each start. */
  evaluations: number;
  strength?: number;
  styleScale?: number;
  pooling?: Pooling;
  optimizer?: OptimizerName;
}

export interface StartTrace {
  initialLoss: number;
  finalLoss: number;
  /** Best loss after each evaluation. */
  best: number[];
}

export interface InitBenefit {
  network: string;
  width: number;
  height: number;
  evaluations: number;
  content: StartTrace;
  fast: StartTrace;
  /** Evaluations the fast start needed to reach the content start's final loss (null: not within the budget). */
  fastEvaluationsToMatch: number | null;
  /** 1 − fastEvaluationsToMatch / evaluations. */
  savedFraction: number | null;
}

export async function measureInitBenefit(o: InitBenefitOptions): Promise<InitBenefit> {
  const { width, height } = fitLongest(o.content.width, o.content.height, o.size);
  const pooling = o.pooling ?? 'max';
  const content = await resizeRgb(o.content, width, height);
  const sd = fitLongest(o.style.width, o.style.height, Math.max(32, Math.round(o.size * (o.styleScale ?? 1))));
  const style = toFloat(await resizeRgb(o.style, sd.width, sd.height));
  const [contentTarget] = await o.backend.features(toFloat(content).data, height, width, [CONTENT_LAYER], pooling);
  const styleTargets = await o.backend.grams(style.data, sd.height, sd.width, [...STYLE_LAYERS], pooling);
  const evaluator = await o.backend.createEvaluator({
    height, width, pooling, contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS],
    contentTarget, styleTargets, ...lossWeights(lossMixFor(o.strength ?? DEFAULT_STRENGTH), { contentTarget, styleTargets }),
  });
  const trace = async (x0: RgbImage): Promise<StartTrace> => {
    const best: number[] = [];
    const r = await optimise(evaluator, toFloat(x0).data, {
      optimizer: o.optimizer ?? 'lbfgs',
      maxEvaluations: o.evaluations,
      onStep: (s) => void best.push(Math.min(s.loss, best.at(-1) ?? Infinity)),
    });
    return { initialLoss: r.initial.loss, finalLoss: r.final.loss, best };
  };
  try {
    const fromContent = await trace(content);
    const fromFast = await trace(await o.runner.run(o.network, content));
    const k = fromFast.best.findIndex((l) => l <= fromContent.finalLoss);
    const fastEvaluationsToMatch = k < 0 ? null : k + 1;
    return {
      network: o.network, width, height, evaluations: o.evaluations, content: fromContent, fast: fromFast,
      fastEvaluationsToMatch, savedFraction: fastEvaluationsToMatch === null ? null : 1 - fastEvaluationsToMatch / o.evaluations,
    };
  } finally {
    evaluator.dispose();
  }
}
