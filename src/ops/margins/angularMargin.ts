import * as tf from '@tensorflow/tfjs-core';
import { booleanArg, nonNegativeNumber, numberInRange, positiveNumber } from '../../internal/validate';
import { sinForDerivative, sinOf } from './shared';
import type { TargetMargin } from './targetMargin';

/**
 * insightface's combined margin `ψ(θ) = cos(m1·θ + m2) − m3` (Deng et al. 2019, "ArcFace: Additive
 * Angular Margin Loss", section 2.3), for `θ = acos(c)` up to `θ* = (π − m2)/m1`, where the cosine
 * stops decreasing. Beyond `θ*` the target falls back to the CosFace-style, still monotone
 * `c − m3 − m2·sin(m2)`: for `m1 = 1, m3 = 0` that is exactly ArcFace's `cos θ − m sin m` fallback.
 *
 * - `m1 = 1` (ArcFace and ArcFace+CosFace): `cos(θ + m2) = c cos m2 − sin θ sin m2`, no `acos` at all;
 *   `ψ' = cos m2 + c sin m2 / sin θ`.
 * - `m1 ≠ 1`: `θ = acos(c)` in the forward pass only; `ψ' = m1 sin(m1θ + m2) / sin θ`.
 * - `easyMargin` (ArcFace's option): the margin applies only where `c > 0`; elsewhere `ψ(c) = c`.
 * - `straightThrough`: `ψ' = 1`, as insightface's no-grad implementation trains.
 *
 * @example
 * ```ts
 * const { value } = ops.margins.combinedAngularMargin(1, 0.3, 0.2).apply(tf.tensor1d([1]), 'exact');
 * value.print(); // cos(0 + 0.3) − 0.2 = [0.7553]
 * ```
 */
export function combinedAngularMargin(m1: number, m2: number, m3: number, easyMargin = false): TargetMargin {
  const where = 'ops.margins.combinedAngularMargin';
  positiveNumber(where, 'm1', m1);
  numberInRange(where, 'm2', m2, 0, Math.PI);
  nonNegativeNumber(where, 'm3', m3);
  booleanArg(where, 'easyMargin', easyMargin);
  const thetaStar = (Math.PI - m2) / m1;
  const fallbackShift = m3 + m2 * Math.sin(m2);
  return {
    apply: (c, gradient) => {
      let main: tf.Tensor;
      let mainDerivative: tf.Tensor | null = null;
      if (m1 === 1) {
        main = tf.sub(tf.sub(tf.mul(c, Math.cos(m2)), tf.mul(sinOf(c), Math.sin(m2))), m3);
        if (gradient === 'exact') {
          mainDerivative = tf.add(Math.cos(m2), tf.div(tf.mul(c, Math.sin(m2)), sinForDerivative(c)));
        }
      } else {
        const shifted = tf.add(tf.mul(tf.acos(c), m1), m2);
        main = tf.sub(tf.cos(shifted), m3);
        if (gradient === 'exact') mainDerivative = tf.div(tf.mul(tf.sin(shifted), m1), sinForDerivative(c));
      }
      if (easyMargin) {
        const useMain = tf.greater(c, 0);
        return {
          value: tf.where(useMain, main, c),
          derivative: mainDerivative === null ? null : tf.where(useMain, mainDerivative, tf.onesLike(c)),
        };
      }
      if (thetaStar >= Math.PI) return { value: main, derivative: mainDerivative };
      const useMain = tf.greaterEqual(c, Math.cos(thetaStar));
      return {
        value: tf.where(useMain, main, tf.sub(c, fallbackShift)),
        derivative: mainDerivative === null ? null : tf.where(useMain, mainDerivative, tf.onesLike(c)),
      };
    },
  };
}

/**
 * ArcFace target (Deng et al. 2019): `ψ(θ) = cos(θ + m)` for `θ ≤ π − m`, else `cos θ − m sin m`,
 * computed as `c cos m − sin θ sin m` with a clamped `sin θ`. See {@link combinedAngularMargin}.
 *
 * @example
 * ```ts
 * const { value } = ops.margins.additiveAngularMargin(0.5).apply(tf.tensor1d([1, 0]), 'exact');
 * value.print(); // cos(0 + 0.5), cos(90° + 0.5) = [0.8776, -0.4794]
 * ```
 */
export function additiveAngularMargin(m: number, easyMargin = false): TargetMargin {
  numberInRange('ops.margins.additiveAngularMargin', 'm', m, 0, Math.PI);
  return combinedAngularMargin(1, m, 0, easyMargin);
}
