import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../../internal/errors';
import { booleanArg, knownKeys, numberInRange, positiveNumber } from '../../internal/validate';
import { contextNorms, cosSin, sinForDerivative, sinOf } from './shared';
import type { MarginContext, TargetMargin } from './targetMargin';

/** Options of {@link magFaceMargin}. */
export interface MagFaceMarginOptions {
  /** Lower norm bound `l_a` (> 0). */
  lowerNorm: number;
  /** Upper norm bound `u_a` (> `l_a`). */
  upperNorm: number;
  /** Margin at `l_a`, radians in `[0, π)`. */
  lowerMargin: number;
  /** Margin at `u_a`, radians in `[0, π)`. */
  upperMargin: number;
  /** ArcFace's easy margin: the margin applies only where `cos θ > 0`. */
  easyMargin: boolean;
}

/** Checks MagFace's bounds for `where` (the op, or the head with its own name). */
export function magFaceOptions(where: string, options: MagFaceMarginOptions): MagFaceMarginOptions {
  const lowerNorm = positiveNumber(where, 'lowerNorm', options?.lowerNorm);
  const upperNorm = positiveNumber(where, 'upperNorm', options.upperNorm);
  if (!(upperNorm > lowerNorm)) {
    throw new MarginArgumentError(where, 'upperNorm', `a number > lowerNorm (${lowerNorm})`, upperNorm);
  }
  return {
    lowerNorm,
    upperNorm,
    lowerMargin: numberInRange(where, 'lowerMargin', options.lowerMargin, 0, Math.PI),
    upperMargin: numberInRange(where, 'upperMargin', options.upperMargin, 0, Math.PI),
    easyMargin: booleanArg(where, 'easyMargin', options.easyMargin),
  };
}

/**
 * MagFace target (Meng, Zhao, Huang, Wang & Tan, CVPR 2021, "MagFace: A Universal Representation for
 * Face Recognition and Quality Assessment"): an ArcFace margin that grows linearly with the feature
 * norm, `a = clip(‖x‖, l_a, u_a)`, `m(a) = l_m + (u_m − l_m)(a − l_a)/(u_a − l_a)`, and
 * `ψ = cos(θ + m(a))` — where `cos θ > 0` with `easyMargin`, else for `cos θ > cos(π − m)` with the
 * fallback `cos θ − m sin m` (the reference's `MagLinear`).
 *
 * Unlike AdaFace the norm is differentiated through, as in the reference: besides `ψ'(c)` the margin
 * returns `∂ψ/∂‖x‖ = ∂ψ/∂m · m'(a)` (zero where the norm is clipped), so high-norm samples are pushed
 * by a larger margin and the gradient reaches the norm. Needs `context.norms` (`ops.marginLogits`
 * passes it). Only `'exact'` differs from straight-through: there `ψ' = 1` and no norm gradient.
 *
 * @example
 * ```ts
 * const psi = ops.margins.magFaceMargin({ lowerNorm: 10, upperNorm: 110, lowerMargin: 0.45, upperMargin: 0.8, easyMargin: true });
 * const { value } = psi.apply(tf.tensor1d([1, 1]), 'exact', { norms: tf.tensor1d([10, 110]) });
 * value.print(); // [cos 0.45, cos 0.8] = [0.9004, 0.6967]
 * ```
 */
export function magFaceMargin(options: MagFaceMarginOptions): TargetMargin {
  const where = 'ops.margins.magFaceMargin';
  knownKeys(where, 'options', options, ['lowerNorm', 'upperNorm', 'lowerMargin', 'upperMargin', 'easyMargin']);
  const {
    lowerNorm: la,
    upperNorm: ua,
    lowerMargin: lm,
    upperMargin: um,
    easyMargin: easy,
  } = magFaceOptions(where, options);
  const slope = (um - lm) / (ua - la);
  return {
    apply: (c, gradient, context?: MarginContext) => {
      const norms = contextNorms(where, context);
      const a = tf.clipByValue(norms, la, ua);
      const m = tf.add(tf.mul(tf.sub(a, la), slope), lm);
      const [cosM, sinM] = cosSin(m);
      const sinTheta = sinOf(c);
      const main = tf.sub(tf.mul(c, cosM), tf.mul(sinTheta, sinM));
      const useMain = easy ? tf.greater(c, 0) : tf.greater(c, tf.neg(cosM));
      const fallback = easy ? c : tf.sub(c, tf.mul(m, sinM));
      const value = tf.where(useMain, main, fallback);
      if (gradient !== 'exact') return { value, derivative: null };
      const mainDerivative = tf.add(cosM, tf.div(tf.mul(c, sinM), sinForDerivative(c)));
      // ∂ψ/∂m: −sin(θ + m) on the main branch; 0 (easy) or −(sin m + m cos m) on the fallback.
      const byMargin = tf.where(
        useMain,
        tf.neg(tf.add(tf.mul(sinTheta, cosM), tf.mul(c, sinM))),
        easy ? tf.zerosLike(c) : tf.neg(tf.add(sinM, tf.mul(m, cosM))),
      );
      // The clip passes the gradient inside [l_a, u_a], ends included, as torch.clamp does.
      const inRange = tf.logicalAnd(tf.greaterEqual(norms, la), tf.lessEqual(norms, ua));
      return {
        value,
        derivative: tf.where(useMain, mainDerivative, tf.onesLike(c)),
        normDerivative: tf.where(inRange, tf.mul(byMargin, slope), tf.zerosLike(c)),
      };
    },
  };
}
