import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../../internal/errors';
import { integerAtLeast } from '../../internal/validate';
import type { DynamicScale } from './targetMargin';

/**
 * AdaCos's fixed scale (Zhang, Zhao, Yan, Yi & Wang, CVPR 2019, "AdaCos: Adaptively Scaling Cosine
 * Logits for Effectively Learning Deep Face Representations", eq. 13): `s̃_f = √2 · ln(C − 1)`, for
 * `C ≥ 3` classes (`C = 2` gives 0: no scale at all).
 *
 * @example
 * ```ts
 * console.log(ops.margins.adaCosFixedScale(10_000)); // √2 · ln 9999 = 13.03
 * ```
 */
export function adaCosFixedScale(numClasses: number): number {
  const c = integerAtLeast('ops.margins.adaCosFixedScale', 'numClasses', numClasses, 3);
  return Math.SQRT2 * Math.log(c - 1);
}

/**
 * AdaCos's dynamic scale (Zhang et al., CVPR 2019, eq. 15–16): from the batch's logits at the scale
 * in use `s`, `B_avg = (1/N) Σ_i Σ_{j≠y_i} exp(s cos θ_ij)` and the median target angle `θ_med`,
 * the call's scale is `s' = ln B_avg / cos(min(π/4, θ_med))`. The statistic is taken under no
 * gradient; `ln B_avg` is a log-sum-exp, so it does not overflow. `θ_med` is the lower median of the
 * batch (as `torch.median`), found by a top-k of the target cosines, with no `acos`.
 *
 * @example
 * ```ts
 * const s = ops.margins.adaCosDynamicScale();
 * const logits = tf.tensor2d([[2, 0, 0], [0, 2, 0]]); // s = 2, target cosines 1
 * const next = s.apply(logits, tf.tensor1d([1, 1]), () => tf.tensor2d([[-3e4, 0, 0], [0, -3e4, 0]]));
 * next.print(); // ln(2) / 1 = 0.6931
 * ```
 */
export function adaCosDynamicScale(): DynamicScale {
  return {
    apply: (logits, cTarget, nonTarget) => {
      const n = cTarget.shape[0]!;
      if (logits.shape[0] !== n) {
        throw new MarginArgumentError(
          'ops.margins.adaCosDynamicScale',
          'cTarget',
          `a [${logits.shape[0]}] tensor`,
          cTarget,
        );
      }
      const logB = tf.sub(tf.logSumExp(nonTarget()), Math.log(n));
      // Lower median of θ = the ⌊(N−1)/2⌋-th largest cosine (acos is decreasing).
      const k = Math.floor((n - 1) / 2) + 1;
      const medianCos = tf.slice(tf.topk(cTarget, k).values, [k - 1], [1]);
      return tf.reshape(tf.div(logB, tf.maximum(medianCos, Math.SQRT1_2)), []) as tf.Scalar;
    },
  };
}
