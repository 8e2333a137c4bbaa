import * as tf from '@tensorflow/tfjs-core';
import { numberInRange } from '../../internal/validate';
import type { NegativeTransform, TargetMargin } from './targetMargin';

const WHERE = 'ops.margins.circle';

/**
 * Class-level Circle loss (Sun, Cheng, Zhang, Zhang, Zheng, Wang & Wei, CVPR 2020, "Circle Loss: A
 * Unified Perspective of Pair Similarity Optimization"), its target side: with relaxation `m`, the
 * target cosine `c` becomes `α_p (c − Δ_p)`, `α_p = max(0, 1 + m − c)`, `Δ_p = 1 − m`; the weight
 * `α_p` is not differentiated through (as FaceX-Zoo's `CircleLoss` head and pytorch-metric-learning's
 * pair form detach it), so `ψ' = α_p`. With {@link circleNegatives} and scale `γ` this is the
 * classification form of Circle loss.
 *
 * @example
 * ```ts
 * const { value } = ops.margins.circleTarget(0.25).apply(tf.tensor1d([0.9]), 'exact');
 * value.print(); // (1.25 − 0.9)(0.9 − 0.75) = [0.0525]
 * ```
 */
export function circleTarget(m: number): TargetMargin {
  numberInRange(WHERE + 'Target', 'm', m, 0, 1);
  return {
    apply: (c, gradient) => {
      const alpha = tf.relu(tf.sub(1 + m, c));
      return { value: tf.mul(alpha, tf.sub(c, 1 - m)), derivative: gradient === 'exact' ? alpha : null };
    },
  };
}

/**
 * Class-level Circle loss, its non-target side: every non-target cosine `c_j` becomes
 * `α_n (c_j − Δ_n)`, `α_n = max(0, c_j + m)`, `Δ_n = m`, with `α_n` not differentiated through
 * (slope `α_n`). See {@link circleTarget}.
 *
 * @example
 * ```ts
 * const { value } = ops.margins.circleNegatives(0.25).apply(tf.tensor2d([[0.5, -0.5]]));
 * value.print(); // [(0.75)(0.25), 0] = [[0.1875, 0]]
 * ```
 */
export function circleNegatives(m: number): NegativeTransform {
  numberInRange(WHERE + 'Negatives', 'm', m, 0, 1);
  return {
    apply: (c) => {
      const alpha = tf.relu(tf.add(c, m));
      return { value: tf.mul(alpha, tf.sub(c, m)), slope: alpha };
    },
  };
}
