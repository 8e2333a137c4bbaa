import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from './oneHot';

/**
 * A new `[N, C]` tensor equal to `t` except `t[i, labels_i] = values_i`, given `index = [i, labels_i]`
 * rows. Built the cheapest correct way for the active backend:
 * - `tensorflow`, `wasm`: `tensorScatterUpdate` — one copy and `O(N)` writes.
 * - `cpu`: `t + scatterND(index, values − t[index])`. tfjs-backend-cpu 4.22's `TensorScatterUpdate`
 *   writes into its input's own buffer, corrupting a tensor the caller still holds.
 * - WebGL, WebGPU and others: `t + oneHot(labels) ⊙ (values − t[index])`. WebGL's scatter shader
 *   scans every update for every output element (`O(N² C)`: 5× a whole training step at N = 256).
 */
export function replaceEntries(t: tf.Tensor, index: tf.Tensor, labels: tf.Tensor1D, values: tf.Tensor): tf.Tensor {
  const backend = tf.getBackend();
  if (backend === 'tensorflow' || backend === 'wasm') return tf.tensorScatterUpdate(t, index, values);
  return tf.tidy(() => {
    const delta = tf.sub(values, tf.gatherND(t, index));
    if (backend === 'cpu') return tf.add(t, tf.scatterND(index, delta, t.shape));
    return tf.add(t, tf.mul(oneHotFloat(labels, t.shape[1]!), tf.expandDims(delta, 1)));
  });
}
