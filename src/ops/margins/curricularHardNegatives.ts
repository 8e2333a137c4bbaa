import * as tf from '@tensorflow/tfjs-core';
import { numberInRange } from '../../internal/validate';
import { numberOrScalar } from './shared';
import type { HardNegatives } from './targetMargin';

/**
 * CurricularFace's hard negatives (Huang et al., CVPR 2020, "CurricularFace: Adaptive Curriculum
 * Learning Loss for Deep Face Recognition"): a non-target cosine `c_j` above `cos(θ_y + m)` is hard and
 * becomes `c_j (t + c_j)`, so its weight grows with training progress `t` (early: easy samples
 * dominate; late: hard ones). `cos(θ_y + m) = c_y cos m − sin θ_y sin m`, no `acos`. With a fixed `t`;
 * `layers.curricularFace` keeps `t` as an EMA of the batches' mean target cosine.
 *
 * @param m Additive angular margin in radians, in `[0, π)`.
 * @param t The weight `t`: a number or a scalar tensor.
 *
 * @example
 * ```ts
 * const negatives = ops.margins.curricularHardNegatives(0.5, 0.3);
 * const { threshold } = negatives.apply(tf.tensor1d([1, 0.5]));
 * threshold.print(); // cos(0 + 0.5), cos(60° + 0.5) = [0.8776, 0.0235]
 * ```
 */
export function curricularHardNegatives(m: number, t: number | tf.Tensor): HardNegatives {
  const where = 'ops.margins.curricularHardNegatives';
  numberInRange(where, 'm', m, 0, Math.PI);
  numberOrScalar(where, 't', t);
  return {
    apply: (c) => ({
      threshold: tf.sub(tf.mul(c, Math.cos(m)), tf.mul(tf.sqrt(tf.relu(tf.sub(1, tf.square(c)))), Math.sin(m))),
      t: typeof t === 'number' ? tf.scalar(t) : t,
    }),
  };
}
