import * as tf from '@tensorflow/tfjs-core';
import { eagerBackend, tensorflowFastPathActive, typeAttr } from '../internal/eagerBackend';
import { logSoftmaxForward } from '../ops/logSoftmax';

/** The tfjs kernel name of the fused softmax cross-entropy (registered for the tensorflow backend only). */
export const FUSED_CROSS_ENTROPY = 'TfjsMarginSoftmaxCrossEntropy';

/** Targets whose rows sum to 1 within this are treated as distributions (one-hot, label smoothing). */
const SUM_TOLERANCE = 1e-6;

let registered = false;

/**
 * The kernel: TensorFlow's `SoftmaxCrossEntropyWithLogits`, which returns the per-sample loss
 * `−Σ t log softmax(x)` and `softmax(x) − t` in one pass over the logits. Its gradient is
 * registered with one thunk per input, so `∂L/∂t` (a log-softmax pass) is only computed when the
 * targets are differentiated, which training never asks for.
 */
function register(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(FUSED_CROSS_ENTROPY, 'tensorflow') === undefined) {
    tf.registerKernel({
      kernelName: FUSED_CROSS_ENTROPY,
      backendName: 'tensorflow',
      kernelFunc: ({ inputs }) => {
        const backend = eagerBackend()!;
        const { targets, logits } = inputs as { targets: tf.TensorInfo; logits: tf.TensorInfo };
        return backend.executeMultipleOutputs(
          'SoftmaxCrossEntropyWithLogits',
          [typeAttr(backend, 'T')],
          [logits, targets],
          2,
        ) as unknown as tf.TensorInfo[];
      },
    });
  }
  if (tf.getGradient(FUSED_CROSS_ENTROPY) === undefined) {
    tf.registerGradient({
      kernelName: FUSED_CROSS_ENTROPY,
      inputsToSave: ['targets', 'logits'],
      outputsToSave: [false, true],
      gradFunc: (dy, saved, attrs) => {
        const [targets, logits, backprop] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = tf.expandDims(Array.isArray(dy) ? dy[0]! : dy, -1);
        return {
          // ∂L/∂x = g (softmax Σt − t) = g (Σt · backprop + (Σt − 1) t): g · backprop when Σt = 1.
          logits: () => {
            if ((attrs as { sumsToOne?: boolean }).sumsToOne === true) return tf.mul(backprop, g);
            const sums = tf.sum(targets, -1, true);
            if (sums.dataSync().every((v) => Math.abs(v - 1) <= SUM_TOLERANCE)) return tf.mul(backprop, g);
            return tf.add(tf.mul(backprop, tf.mul(g, sums)), tf.mul(targets, tf.mul(g, tf.sub(sums, 1))));
          },
          targets: () => tf.mul(logSoftmaxForward(logits, 1, 1), tf.neg(g)),
        };
      },
    });
  }
}

/**
 * `−Σ_j t_j log softmax(x)_j` per row of `[N, C]` float32 logits through one TensorFlow kernel, or
 * `null` where the fast path does not apply (another backend, another rank, fast path off). The
 * gradient equals {@link crossEntropyFromLogits}' (`sumsToOne`: the caller guarantees rows of `t` sum to 1).
 */
export function fusedCrossEntropy(targets: tf.Tensor, logits: tf.Tensor, sumsToOne: boolean): tf.Tensor | null {
  if (!tensorflowFastPathActive() || logits.rank !== 2 || logits.dtype !== 'float32' || targets.dtype !== 'float32') {
    return null;
  }
  register();
  const [loss, backprop] = tf
    .engine()
    .runKernel(
      FUSED_CROSS_ENTROPY,
      { targets, logits } as unknown as tf.NamedTensorMap,
      { sumsToOne } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
  // The tape keeps its own reference to softmax − t for the backward pass.
  backprop!.dispose();
  return loss!;
}
