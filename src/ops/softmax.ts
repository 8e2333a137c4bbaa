import * as tf from '@tensorflow/tfjs-core';
import { clipToFinite } from '../internal/clipToFinite';
import { expNonPositive } from '../internal/expNonPositive';
import { withCustomGrad } from '../internal/customGrad';
import { parseSoftmaxArgs, type SoftmaxOptions } from './softmaxOptions';

/**
 * Numerically stable (temperature) softmax.
 *
 * `softmax(x)_i = exp((x_i − max_j x_j) / τ) / Σ_k exp((x_k − max_j x_j) / τ)`
 *
 * Subtracting the maximum leaves the result unchanged and keeps `exp` from overflowing; the
 * temperature `τ` (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network") smooths
 * (`τ > 1`) or sharpens (`τ < 1`) the distribution. The backward pass is analytic:
 * `∂L/∂x = p ⊙ (g − Σ g ⊙ p) / τ`.
 *
 * Infinite logits have a defined result: `+∞` entries share all the probability, `−∞` entries
 * (masked classes) get 0, and a row with no finite logit is uniform (equal logits); ±∞ are first
 * clamped to the largest finite value. A NaN logit gives NaN in its row (ops never read values back).
 *
 * @example
 * ```ts
 * ops.softmax(tf.tensor1d([38, 20, 40, 39]), {temperature: 100});
 * // [0.2587, 0.2161, 0.2639, 0.2613]
 * ```
 * @param logits Float tensor of rank >= 1.
 * @param options `axis` (default −1) and `temperature` (finite, > 0, default 1).
 * @returns Probabilities with the shape of `logits`, summing to 1 along `axis`.
 */
export function softmax(logits: tf.Tensor, options: SoftmaxOptions = {}): tf.Tensor {
  const { x, axis, temperature } = parseSoftmaxArgs('ops.softmax', logits, options);
  const f = withCustomGrad(([input], save) => {
    const p = tf.tidy(() => {
      const finite = clipToFinite(input!);
      const shifted = tf.sub(finite, tf.max(finite, axis, true));
      const e = expNonPositive(temperature === 1 ? shifted : tf.div(shifted, temperature));
      const sum = tf.sum(e, axis, true);
      // Every exp of a row underflows only when it held nothing finite (or, on WebGL, whose max
      // reduction starts at −1e20, when all its logits are below that): equal logits, so uniform.
      const empty = tf.cast(tf.equal(sum, 0), 'float32');
      return tf.div(tf.add(e, tf.div(empty, input!.shape[axis]!)), tf.add(sum, empty));
    });
    save([p]);
    return {
      value: p,
      gradFunc: (dy, [saved]) => {
        const dot = tf.sum(tf.mul(dy, saved!), axis, true);
        const g = tf.mul(saved!, tf.sub(dy, dot));
        return [temperature === 1 ? g : tf.div(g, temperature)];
      },
    };
  });
  const out = f(x);
  if (x !== logits) x.dispose();
  return out;
}
