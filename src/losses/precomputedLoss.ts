import * as tf from '@tensorflow/tfjs-core';

/**
 * The loss for models whose output already is the per-sample loss (`layers.partialFC`): returns
 * `yPred` averaged over its last axis and ignores `yTrue` (pass anything with the batch size, e.g.
 * the labels). `model.compile({optimizer, loss: losses.precomputedLoss})`.
 *
 * @example
 * ```ts
 * const perSampleLoss = tf.tensor2d([[0.5], [1.5]]); // what layers.partialFC outputs
 * losses.precomputedLoss(tf.zeros([2, 1]), perSampleLoss).print(); // [0.5, 1.5]: yTrue is ignored
 * ```
 */
export function precomputedLoss(_yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.mean(yPred, -1);
}
