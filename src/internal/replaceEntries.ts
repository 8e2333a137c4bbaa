import * as tf from '@tensorflow/tfjs-core';

/**
 * A new tensor equal to `t` except `t[index_i] = values_i` (one `[N, C]` pass, `O(N)` writes).
 *
 * tfjs-backend-cpu 4.22's `TensorScatterUpdate` writes into its input's own buffer, corrupting a
 * tensor the caller still holds (checked against wasm and tensorflow, which copy). On `cpu` the
 * same result is built as `t + scatterND(index, values − t[index])`, which never aliases.
 */
export function replaceEntries(t: tf.Tensor, index: tf.Tensor, values: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'cpu') return tf.tensorScatterUpdate(t, index, values);
  return tf.tidy(() => tf.add(t, tf.scatterND(index, tf.sub(values, tf.gatherND(t, index)), t.shape)));
}
