import * as tf from '@tensorflow/tfjs-core';
import { clipToFinite } from '../internal/clipToFinite';
import { expNonPositive } from '../internal/expNonPositive';
import { fusedLogSoftmax } from '../internal/eagerBackend';
import { withCustomGrad } from '../internal/customGrad';
import { parseSoftmaxArgs, type SoftmaxOptions } from './softmaxOptions';

/**
 * Computes the fused log-softmax `z = s − log Σ_k exp(s_k)` of `s = (x − max x) / τ` inside a tidy.
 * Shared by {@link logSoftmax} and the cross-entropy losses so both get the same numerics.
 */
export function logSoftmaxForward(x: tf.Tensor, axis: number, temperature: number): tf.Tensor {
  return tf.tidy(() => {
    if (axis === x.rank - 1) {
      const fused = fusedLogSoftmax(temperature === 1 ? x : tf.div(x, temperature));
      if (fused !== null) return fused;
    }
    const shifted = tf.sub(x, tf.max(x, axis, true));
    const s = temperature === 1 ? shifted : tf.div(shifted, temperature);
    return tf.sub(s, tf.log(tf.sum(tf.exp(s), axis, true)));
  });
}

/**
 * Fused, numerically stable log-softmax with an analytic gradient.
 *
 * `log softmax(x)_i = (x_i − m)/τ − log Σ_k exp((x_k − m)/τ)`, `m = max_k x_k`
 *
 * One `exp` pass and no division or `log` of a probability, so it stays finite for logits of any
 * magnitude, unlike `log(softmax(x))` which returns `−Infinity` once a probability underflows.
 * Backward: `∂L/∂x = (g − softmax(x) Σ g) / τ`. See the seed note "Softmax loss", improvement 2.
 *
 * Infinite logits as in {@link softmax}: `−∞` entries (masked classes) stay `−∞` or become the most
 * negative float (`log 0`), `+∞` entries share all the probability, and a row with no finite logit is
 * uniform, `−log C` (not `∞ − ∞ = NaN`). A NaN logit gives NaN in its row.
 *
 * @example
 * ```ts
 * ops.logSoftmax(tf.tensor1d([38, 20, 40, 39])).print(); // [-2.4076, -20.4076, -0.4076, -1.4076]
 * ```
 * @param logits Float tensor of rank >= 1.
 * @param options `axis` (default −1) and `temperature` (finite, > 0, default 1).
 * @returns Log-probabilities with the shape of `logits`.
 */
export function logSoftmax(logits: tf.Tensor, options: SoftmaxOptions = {}): tf.Tensor {
  const { x, axis, temperature } = parseSoftmaxArgs('ops.logSoftmax', logits, options);
  const f = withCustomGrad(([input], save) => {
    const z = tf.tidy(() => {
      const finite = clipToFinite(input!);
      const shifted = tf.sub(finite, tf.max(finite, axis, true));
      const scaled = temperature === 1 ? shifted : tf.div(shifted, temperature);
      const sum = tf.sum(expNonPositive(scaled), axis, true);
      // Every exp of a row underflows only when it held nothing finite (or, on WebGL, whose max
      // reduction starts at −1e20, when all its logits are below that): equal logits, so uniform.
      const empty = tf.equal(tf.add(tf.zerosLike(scaled), sum), 0);
      const z = tf.sub(scaled, tf.log(sum));
      return tf.where(empty, tf.fill(z.shape, -Math.log(input!.shape[axis]!)), z);
    });
    save([z]);
    return {
      value: z,
      gradFunc: (dy, [saved]) => {
        const g = tf.sub(dy, tf.mul(expNonPositive(saved!), tf.sum(dy, axis, true)));
        return [temperature === 1 ? g : tf.div(g, temperature)];
      },
    };
  });
  const out = f(x);
  if (x !== logits) x.dispose();
  return out;
}
