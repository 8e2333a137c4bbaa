import type * as tf from '@tensorflow/tfjs-core';

/** A compile-ready loss: `(yTrue, yPred) => per-sample loss`, what `model.compile({loss})` takes. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
