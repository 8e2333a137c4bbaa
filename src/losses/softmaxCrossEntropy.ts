import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
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
  return [targets, logits];
}

/**
 * Softmax cross-entropy from logits, per sample: `L = −Σ_j t_j log softmax(x)_j`.
 *
 * With one-hot targets this is `−log p_y` (the seed note's section 3). Built on the fused
 * log-softmax with one analytic backward pass `∂L/∂x = softmax(x) Σ t − t`, never on
 * softmax → clip → log, so it stays exact for large logits (ArcFace's `s = 64`). Usable directly
 * as `model.compile({loss: losses.softmaxCrossEntropy})`; `fit` averages the per-sample values.
 *
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
