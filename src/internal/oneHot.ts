import * as tf from '@tensorflow/tfjs-core';

/**
 * Float32 one-hot rows for int32 labels. Built as int32 and cast: the wasm backend's OneHot kernel
 * (tfjs 4.22) ignores the `dtype` argument and returns int32 bits labelled float32. tf.oneHot
 * refuses depth 1, which a single-class head or loss legitimately has.
 */
export function oneHotFloat(labels: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (depth === 1) return tf.cast(tf.expandDims(tf.equal(labels, 0), 1), 'float32') as tf.Tensor2D;
    return tf.cast(tf.oneHot(labels, depth), 'float32') as tf.Tensor2D;
  });
}
