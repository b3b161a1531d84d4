/**
 * Adam (Kingma & Ba 2015) with projection onto the box after each step. One evaluation per step.
 * neural-style's -optimizer adam uses learning rate 10 on 0–255 pixels.
 */
import { clampInto, type Box } from './box.ts';
import type { Objective } from './objective.ts';
import type { StopReason } from './lbfgs.ts';

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export async function adam(obj: Objective, x0: Float32Array, box: Box, opts: AdamOptions = DEFAULT_ADAM): Promise<StopReason> {
  const x = x0.slice();
  const m = new Float32Array(x.length);
  const v = new Float32Array(x.length);
  const { learningRate: lr, beta1, beta2, epsilon } = opts;
  for (let t = 1; ; t++) {
    const { grad: g } = await obj.evaluate(x);
    if (obj.plateaued()) return 'plateau';
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let i = 0; i < x.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      x[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
    }
    clampInto(x, box);
  }
}
