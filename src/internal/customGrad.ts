import * as tf from '@tensorflow/tfjs-core';

/** The forward pass of a custom-gradient function: its value and the backward pass. */
export interface ForwardResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * A typed wrapper over `tf.customGrad` for functions of a fixed list of tensors. Every input must be
 * a tensor (tfjs requirement) and `gradFunc` returns one gradient per input, in order.
 */
export function withCustomGrad(
  forward: (inputs: tf.Tensor[], save: (tensors: tf.Tensor[]) => void) => ForwardResult,
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const wrapped = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    const { value, gradFunc } = forward(inputs, save);
    // tfjs runs gradient functions outside any tidy: without this, every intermediate of the
    // backward pass stayed allocated until the whole tape was processed (raising peak memory).
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  });
  return (...inputs: tf.Tensor[]) => wrapped(...inputs);
}
