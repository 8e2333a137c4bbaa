import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../../internal/errors';
import { knownKeys, nonNegativeNumber, positiveNumber } from '../../internal/validate';
import { contextNorms, numberOrScalar, sinForDerivative } from './shared';
import type { MarginContext, TargetMargin } from './targetMargin';

/** Options of {@link adaFaceMargin}. */
export interface AdaFaceMarginOptions {
  /** Margin `m` (radians for the angular part, cosine units for the additive part). */
  margin: number;
  /** Concentration `h`: how many standard deviations of norm map to the full margin range. */
  h: number;
  /** Mean `μ` of the feature norms (AdaFace keeps an EMA of it). */
  mean: number | tf.Scalar;
  /** Standard deviation `σ` of the feature norms (AdaFace keeps an EMA of it). */
  std: number | tf.Scalar;
}

/** Bounds of the reference: norms are clipped to `[1e-3, 100]`, angles to `[ε, π − ε]`, `ε = 1e-3`. */
const EPS = 1e-3;

/**
 * AdaFace target (Kim, Jain & Liu, CVPR 2022, "AdaFace: Quality Adaptive Margin for Face Recognition"):
 * the margin adapts to each sample's image quality, approximated by its feature norm `‖x‖`:
 *
 * `ĝ = clip(h (‖x‖ − μ) / (σ + ε), −1, 1)`, `g_angle = −m ĝ`, `g_add = m ĝ + m`,
 * `ψ(θ) = cos(clip(θ + g_angle, ε, π − ε)) − g_add`,
 *
 * with `‖x‖` clipped to `[1e-3, 100]` and not differentiated through, and `cos θ` clamped to
 * `[−1 + ε, 1 − ε]` as the reference does. High-norm (good) samples get an ArcFace-like angular margin,
 * low-norm (hard, likely unrecognizable) ones a CosFace-like additive one that pushes less. The
 * derivative is analytic: `ψ' = sin(θ + g_angle) / sin θ` (0 where clipped), with
 * `sin(θ + a) = sin θ cos a + cos θ sin a` — `acos` appears in the forward pass only, for the clip.
 * Needs `context.norms` (`ops.marginLogits` passes it).
 *
 * @example
 * ```ts
 * const psi = ops.margins.adaFaceMargin({ margin: 0.4, h: 0.333, mean: 20, std: 100 });
 * const norms = tf.tensor1d([20, 320]); // an average sample, and one 3σ above: ĝ = 0, ĝ = 1
 * const { value } = psi.apply(tf.tensor1d([0.5, 0.5]), 'exact', { norms });
 * value.print(); // [0.5 − 0.4, cos(60° − 0.4) − 0.8] = [0.1, 0.0522]
 * ```
 */
export function adaFaceMargin(options: AdaFaceMarginOptions): TargetMargin {
  const where = 'ops.margins.adaFaceMargin';
  knownKeys(where, 'options', options, ['margin', 'h', 'mean', 'std']);
  const m = nonNegativeNumber(where, 'margin', options?.margin);
  if (m >= Math.PI) throw new MarginArgumentError(where, 'margin', 'a number in [0, π)', m);
  const h = positiveNumber(where, 'h', options.h);
  for (const key of ['mean', 'std'] as const) numberOrScalar(where, key, options[key]);
  return {
    apply: (cRaw, gradient, context?: MarginContext) => {
      const safe = tf.clipByValue(contextNorms(where, context), 1e-3, 100);
      const ratio = tf.div(tf.sub(safe, options.mean), tf.add(options.std, EPS));
      const scaler = tf.clipByValue(tf.mul(ratio, h), -1, 1);
      const angle = tf.mul(scaler, -m);
      const additive = tf.add(tf.mul(scaler, m), m);
      const c = tf.clipByValue(cRaw, -1 + EPS, 1 - EPS);
      const shifted = tf.add(tf.acos(c), angle);
      const clipped = tf.logicalOr(tf.less(shifted, EPS), tf.greater(shifted, Math.PI - EPS));
      const value = tf.sub(tf.cos(tf.clipByValue(shifted, EPS, Math.PI - EPS)), additive);
      if (gradient !== 'exact') return { value, derivative: null };
      const sinTheta = sinForDerivative(c);
      // sin(θ + a) / sin θ = cos a + cos θ sin a / sin θ; zero where the reference's clamps cut it off.
      const slope = tf.add(tf.cos(angle), tf.div(tf.mul(c, tf.sin(angle)), sinTheta));
      const inRange = tf.logicalAnd(tf.logicalNot(clipped), tf.equal(c, cRaw));
      return { value, derivative: tf.where(inRange, slope, tf.zerosLike(slope)) };
    },
  };
}
