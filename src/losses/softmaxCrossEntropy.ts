import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { checkTargetValues } from '../ops/validateTargets';
import { canReadSync } from '../internal/syncRead';
import { floatTensor, rankAtLeast } from '../internal/validate';
import { crossEntropyFromLogits } from './crossEntropyCore';

/** Validates a `(yTrue, yPred)` pair and returns float views (caller disposes casts). */
export function parseTargetsAndLogits(where: string, yTrue: unknown, yPred: unknown): [tf.Tensor, tf.Tensor] {
  const logits = floatTensor(where, 'yPred', yPred);
  rankAtLeast(where, 'yPred', logits, 1);
  const targets = floatTensor(where, 'yTrue', yTrue);
  if (!tf.util.arraysEqual(targets.shape, logits.shape)) {
    throw new MarginArgumentError(
      where,
      'yTrue',
      `one-hot or soft targets of the logits' shape [${logits.shape.join(', ')}]`,
      targets,
    );
  }
  checkTargetRange(where, targets);
  return [targets, logits];
}

/**
 * Targets are class probabilities, each in `[0, 1]`: a negative entry (whose "loss" `−t log p` would
 * reward a wrong class and can make the loss negative), one above 1 or a NaN is an error. One
 * min/max reduction and one read of two numbers (skipped on webgpu, where synchronous reads are unsafe:
 * `ops.validateTargets` checks the same asynchronously).
 */
function checkTargetRange(where: string, targets: tf.Tensor): void {
  if (!canReadSync() || targets.size === 0) return;
  const range = tf.tidy(() => tf.stack([tf.min(targets), tf.max(targets)]));
  const [least, most] = range.dataSync();
  range.dispose();
  if (!(least! >= 0 && most! <= 1)) checkTargetValues(where, 'yTrue', targets.dataSync());
}

/**
 * Softmax cross-entropy from logits, per sample: `L = −Σ_j t_j log softmax(x)_j`.
 *
 * With one-hot targets this is `−log p_y` (the seed note's section 3). Targets must be in `[0, 1]`
 * (checked with one min/max reduction and one small read, except on webgpu); soft targets need not
 * sum to 1. Logits must be finite (a NaN or infinite logit, a diverged model, gives a NaN loss). Built on the fused
 * log-softmax with one analytic backward pass `∂L/∂x = softmax(x) Σ t − t`, never on
 * softmax → clip → log, so it stays exact for large logits (ArcFace's `s = 64`). Usable directly
 * as `model.compile({loss: losses.softmaxCrossEntropy})`; `fit` averages the per-sample values.
 *
 * @example
 * ```ts
 * const yTrue = tf.tensor2d([[0, 1]]);
 * const yPred = tf.tensor2d([[0, Math.log(3)]]); // softmax: [0.25, 0.75]
 * losses.softmaxCrossEntropy(yTrue, yPred).print(); // −log 0.75 = [0.2877]
 * ```
 * @param yTrue One-hot or soft targets, same shape as `yPred`.
 * @param yPred Logits, `[N, C]` (any rank >= 1; the last axis holds classes).
 * @returns Per-sample losses with the shape of `yPred` minus its last axis (`[N]`).
 */
export function softmaxCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const [targets, logits] = parseTargetsAndLogits('losses.softmaxCrossEntropy', yTrue, yPred);
  const loss = crossEntropyFromLogits(targets, logits, 1);
  if (targets !== yTrue) targets.dispose();
  if (logits !== yPred) logits.dispose();
  return loss;
}
