import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../../internal/errors';
import { cosineClampBound } from '../../internal/precision';
import type { MarginContext } from './targetMargin';

/** `sin θ = sqrt(1 − c²)` for values (exact, 0 at c = ±1). */
export function sinOf(c: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.relu(tf.sub(1, tf.square(c))));
}

/** `sin θ` bounded away from 0 for derivatives: `1 / sin θ` is infinite at c = ±1. */
export function sinForDerivative(c: tf.Tensor): tf.Tensor {
  const b = cosineClampBound();
  return tf.sqrt(tf.sub(1, tf.square(tf.clipByValue(c, -b, b))));
}

/** The embeddings' norms a norm-dependent margin needs (`ops.marginLogits` passes them). */
export function contextNorms(where: string, context: MarginContext | undefined): tf.Tensor {
  if (context?.norms === undefined) {
    throw new MarginArgumentError(
      where,
      'context.norms',
      "the embeddings' norms (ops.marginLogits passes them)",
      undefined,
    );
  }
  return context.norms;
}

/** Throws unless `value` is a finite number or a scalar tensor (a margin's state, e.g. an EMA). */
export function numberOrScalar(where: string, argument: string, value: unknown): number | tf.Tensor {
  if (typeof value === 'number' ? !Number.isFinite(value) : !(value instanceof tf.Tensor && value.rank === 0)) {
    throw new MarginArgumentError(where, argument, 'a finite number or a scalar tensor', value);
  }
  return value as number | tf.Tensor;
}

/**
 * `cos m` and `sin m` of per-sample margins `m ∈ [0, π)`, accurate to float32 on every backend: WGSL's
 * `sin`/`cos` (WebGPU) carry absolute errors near 1e-3, which showed in the gradients. A degree-12/13
 * Taylor series at `m/2 ∈ [0, π/2)` (truncation below 1e-9), then the double-angle formulas. Numbers
 * use `Math`.
 */
export function cosSin(m: number | tf.Tensor): [number | tf.Tensor, number | tf.Tensor] {
  if (typeof m === 'number') return [Math.cos(m), Math.sin(m)];
  const h = tf.mul(m, 0.5);
  const h2 = tf.square(h);
  // Horner in h²: sin h = h (1 − h²/6 (1 − h²/20 (1 − …))), cos h = 1 − h²/2 (1 − h²/12 (1 − …)).
  let sin: tf.Tensor = tf.scalar(1);
  for (let k = 6; k >= 1; k--) sin = tf.sub(1, tf.mul(tf.div(h2, 2 * k * (2 * k + 1)), sin));
  let cos: tf.Tensor = tf.scalar(1);
  for (let k = 6; k >= 1; k--) cos = tf.sub(1, tf.mul(tf.div(h2, (2 * k - 1) * 2 * k), cos));
  const sinH = tf.mul(h, sin);
  return [tf.sub(1, tf.mul(tf.square(sinH), 2)), tf.mul(tf.mul(sinH, cos), 2)];
}
