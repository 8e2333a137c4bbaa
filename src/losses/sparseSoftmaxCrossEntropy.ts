import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from '../internal/oneHot';
import { floatTensor, knownKeys, rankIs } from '../internal/validate';
import { crossEntropyFromLogits } from './crossEntropyCore';
import { parseLabels } from '../internal/labels';
import { withCustomGrad } from '../internal/customGrad';
import { fusedSparseCrossEntropy, tensorflowFastPathActive } from '../internal/eagerBackend';
import { MarginArgumentError, receivedText } from '../internal/errors';

/**
 * On tfjs-node: the loss and `softmax − onehot` from TensorFlow's one fused kernel, the backward pass
 * one product `g ⊙ (softmax − onehot)`; `null` elsewhere. No one-hot tensor is built. The kernel
 * rejects a label outside `[0, C)` itself, which only `checkLabels: false` lets through: that becomes
 * the same argument error the check gives.
 */
function fusedSparse(where: string, labels: tf.Tensor1D, logits: tf.Tensor): tf.Tensor | null {
  if (!tensorflowFastPathActive() || logits.rank !== 2 || labels.dtype !== 'int32') return null;
  const f = withCustomGrad(([x], save) => {
    const [loss, backprop] = fusedSparseCrossEntropy(x!, labels)!;
    save([backprop]);
    backprop.dispose();
    return { value: loss, gradFunc: (dy, [saved]) => [tf.mul(saved!, tf.expandDims(dy, 1))] };
  });
  try {
    return f(logits);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const found = /label value of (-?\d+)/.exec(message);
    if (found === null) throw e;
    const classes = logits.shape[1]!;
    throw new MarginArgumentError(where, 'labels', `class indices in [0, ${classes})`, receivedText(found[1]!));
  }
}

/** Options of {@link sparseSoftmaxCrossEntropy}. */
export interface SparseSoftmaxCrossEntropyOptions {
  /**
   * Read the labels back to check that they are integers in `[0, C)`. Default `true`; costs one
   * device→host copy of `N` numbers (a sync on GPU backends). Skipped on webgpu, where synchronous
   * reads are unsafe: use `await ops.validateLabels(labels, C)` there. With `false`, an out-of-range
   * label still throws on tfjs-node, whose fused kernel checks it; on other backends it gives that
   * sample a target of zeros.
   */
  checkLabels?: boolean;
}

/**
 * Softmax cross-entropy from integer class labels, per sample: `L_i = −log softmax(x_i)_{y_i}`.
 *
 * Same numerics and gradient as {@link softmaxCrossEntropy} on one-hot targets.
 *
 * @example
 * ```ts
 * const labels = tf.tensor1d([1], 'int32');
 * const logits = tf.tensor2d([[0, Math.log(3)]]);
 * losses.sparseSoftmaxCrossEntropy(labels, logits).print(); // [0.2877]
 * ```
 * @param labels `[N]` (or `[N, 1]`) int32, or float32 holding integers, in `[0, C)`.
 * @param logits `[N, C]` logits.
 * @returns `[N]` per-sample losses.
 */
export function sparseSoftmaxCrossEntropy(
  labels: tf.Tensor,
  logits: tf.Tensor,
  options: SparseSoftmaxCrossEntropyOptions = {},
): tf.Tensor1D {
  const where = 'losses.sparseSoftmaxCrossEntropy';
  knownKeys(where, 'options', options, ['checkLabels']);
  const x = floatTensor(where, 'logits', logits);
  rankIs(where, 'logits', x, 2, '[N, C]');
  const [n, c] = x.shape as [number, number];
  const y = parseLabels(where, 'labels', labels, n, c, options.checkLabels ?? true);
  try {
    return tf.tidy(() => fusedSparse(where, y, x) ?? crossEntropyFromLogits(oneHotFloat(y, c), x, 1)) as tf.Tensor1D;
  } finally {
    if (y !== labels) y.dispose();
    if (x !== logits) x.dispose();
  }
}
