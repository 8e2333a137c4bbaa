import * as tf from '@tensorflow/tfjs-core';
import { withCustomGrad } from '../internal/customGrad';
import { fusedEuclideanNorm } from '../internal/eagerBackend';
import { isHalfPrecision, squaredNormEpsilon } from '../internal/precision';
import { floatTensor, knownKeys, positiveNumber, rankAtLeast, resolveAxis } from '../internal/validate';

/** Options of {@link l2Normalize}. */
export interface L2NormalizeOptions {
  /** Axis along which vectors are normalized. Default `-1`. */
  axis?: number;
  /** Lower bound on the squared norm. Default `1e-12` (raised to 6.2e-5 on half-float backends). */
  epsilon?: number;
}

/**
 * Forward of the L2 normalization: returns `[y, invNorm]` with `y = x · invNorm`,
 * `invNorm = 1 / sqrt(max(Σ x², ε))` (kept along `axis`).
 */
export function l2NormalizeForward(x: tf.Tensor, axis: number, epsilon: number): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => fusedForward(x, axis, epsilon) ?? preScaledForward(x, axis, epsilon));
}

/**
 * On tfjs-node: `|x|` from one `EuclideanNorm` kernel, `1/max(|x|, √ε)` and one product (four kernels,
 * two passes over x, against the pre-scaled path's nineteen kernels and six passes). `Σ x²` overflows
 * float32 once `|x|` passes ~1.8e19; a row whose norm is not finite (that, or a NaN) sends the call to
 * the pre-scaled path, which one read of the norms' sum tells (synchronous there). Underflow is
 * harmless: a row small enough to lose `Σ x²` is far below `√ε` and takes `x/√ε` either way.
 */
function fusedForward(x: tf.Tensor, axis: number, epsilon: number): [tf.Tensor, tf.Tensor] | null {
  const norms = fusedEuclideanNorm(x, axis, true);
  if (norms === null) return null;
  if (!Number.isFinite(tf.sum(norms).dataSync()[0]!)) return null;
  const inv = tf.reciprocal(tf.maximum(norms, Math.sqrt(epsilon)));
  return [tf.mul(x, inv), inv];
}

/**
 * `Σ x²` overflows once |x| passes ~1.8e19 in float32 (~256 in half floats), which would silently
 * turn such vectors into 0. So vectors are first divided by `m`, the power of two at or above
 * `max(1, max|x|)` (capped at 2^127, 2^15 in half floats): `Σ (x/m)² ≤ 4D`, and nothing changes when `m = 1` (every vector with entries
 * below 1), so ordinary embeddings get bit-for-bit the unscaled result.
 */
function preScaledForward(x: tf.Tensor, axis: number, epsilon: number): [tf.Tensor, tf.Tensor] {
  // m is a power of two, so x/m and the final /m are exact: no rounding beyond the unscaled path's.
  const largest = tf.maximum(tf.max(tf.abs(x), axis, true), 1);
  // m itself must be finite: at most 2^127 in float32, 2^15 in half floats (65504 is the largest half).
  const m = tf.pow(tf.scalar(2), tf.minimum(tf.ceil(tf.div(tf.log(largest), Math.LN2)), isHalfPrecision() ? 15 : 127));
  const scaled = tf.div(x, m);
  // ε/m² written as (√ε/m)²: m² itself overflows, and WebGL's ε/Infinity is NaN, not 0.
  const floor = tf.square(tf.div(Math.sqrt(epsilon), m));
  const invScaled = tf.rsqrt(tf.maximum(tf.sum(tf.square(scaled), axis, true), floor));
  return [tf.mul(scaled, invScaled), tf.div(invScaled, m)];
}

/**
 * Backward of the L2 normalization given `y`, `invNorm` and the upstream gradient `g` of `y`:
 * `∂L/∂x = invNorm · (g − y Σ(g ⊙ y))`. Where the norm was clamped to `sqrt(ε)` (zero vectors),
 * `y Σ(g ⊙ y)` is negligible (|y| ≤ 1 and tiny), so the same expression stays finite there.
 */
export function l2NormalizeBackward(g: tf.Tensor, y: tf.Tensor, inv: tf.Tensor, axis: number): tf.Tensor {
  return tf.tidy(() => tf.mul(inv, tf.sub(g, tf.mul(y, tf.sum(tf.mul(g, y), axis, true)))));
}

/**
 * Scales vectors to unit L2 norm: `y = x / sqrt(max(Σ x², ε))`.
 *
 * Safe at the zero vector: the value is 0 and the gradient `g / sqrt(ε)` is finite (as in
 * TensorFlow's `tf.math.l2_normalize`). The gradient is analytic (no autodiff through `norm`):
 * `∂L/∂x = (g − y Σ(g ⊙ y)) / |x|`.
 *
 * @example
 * ```ts
 * ops.l2Normalize(tf.tensor2d([[3, 4], [0, 0]])).print(); // [[0.6, 0.8], [0, 0]]
 * ```
 * @param x Float tensor of rank >= 1.
 * @param options `axis` (default −1), `epsilon` (finite, > 0, default 1e-12).
 * @returns A tensor of the shape of `x` with unit-norm vectors along `axis`.
 */
export function l2Normalize(x: tf.Tensor, options: L2NormalizeOptions = {}): tf.Tensor {
  const where = 'ops.l2Normalize';
  knownKeys(where, 'options', options, ['axis', 'epsilon']);
  const input = floatTensor(where, 'x', x);
  rankAtLeast(where, 'x', input, 1);
  const axis = resolveAxis(where, options.axis ?? -1, input.rank);
  const epsilon = squaredNormEpsilon(positiveNumber(where, 'epsilon', options.epsilon ?? 1e-12));
  const f = withCustomGrad(([v], save) => {
    const [y, inv] = l2NormalizeForward(v!, axis, epsilon);
    save([y, inv]);
    return {
      value: y,
      gradFunc: (dy, [ys, invs]) => [l2NormalizeBackward(dy, ys!, invs!, axis)],
    };
  });
  const out = f(input);
  if (input !== x) input.dispose();
  return out;
}
