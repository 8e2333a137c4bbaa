import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-node's backend the fast paths use: TensorFlow eager ops by name. */
export interface EagerBackend {
  binding: Record<string, number>;
  executeSingleOutput(name: string, attrs: EagerAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: EagerAttr[], inputs: tf.TensorInfo[], outputs: number): tf.Tensor[];
}

/** One op attribute as tfjs-node's binding takes it. */
export interface EagerAttr {
  name: string;
  type: number;
  value: number | boolean | string | number[];
}

const REQUIRED = [
  'TF_ATTR_TYPE',
  'TF_ATTR_SHAPE',
  'TF_ATTR_STRING',
  'TF_ATTR_BOOL',
  'TF_ATTR_INT',
  'TF_FLOAT',
  'TF_INT32',
];
const checked = new WeakMap<object, boolean>();

/**
 * The active backend when it is tfjs-node's and runs TensorFlow ops by name, else `null`. The
 * capability is detected once per backend instance; a tfjs-node without these methods or binding
 * constants gets the generic paths, with no error.
 */
export function eagerBackend(): EagerBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.backend() as unknown as Partial<EagerBackend>;
  let ok = checked.get(backend);
  if (ok === undefined) {
    const binding = backend.binding;
    ok =
      typeof backend.executeSingleOutput === 'function' &&
      typeof backend.executeMultipleOutputs === 'function' &&
      binding !== undefined &&
      REQUIRED.every((k) => typeof binding[k] === 'number');
    checked.set(backend, ok);
  }
  return ok ? (backend as EagerBackend) : null;
}

/** A type attribute (`T`, `dtype`, `Tindices`, …). */
export function typeAttr(backend: EagerBackend, name: string, dtype: 'TF_FLOAT' | 'TF_INT32' = 'TF_FLOAT'): EagerAttr {
  return { name, type: backend.binding['TF_ATTR_TYPE']!, value: backend.binding[dtype]! };
}

/** A bool, int, string or shape attribute. */
export function valueAttr(
  backend: EagerBackend,
  name: string,
  kind: 'TF_ATTR_BOOL' | 'TF_ATTR_INT' | 'TF_ATTR_STRING' | 'TF_ATTR_SHAPE',
  value: EagerAttr['value'],
): EagerAttr {
  return { name, type: backend.binding[kind]!, value };
}

let fastPath = true;

/**
 * Turns the tensorflow fast path (fused kernels, today the center norms) on or off; default on.
 * Package-internal: the specs compare both paths on the same inputs.
 */
export function setTensorflowFastPath(on: boolean): void {
  fastPath = on;
}

/** Whether the fused kernels run on the active backend: tfjs-node with TensorFlow eager ops, fast path on. */
export function tensorflowFastPathActive(): boolean {
  return fastPath && eagerBackend() !== null;
}

/**
 * `‖x‖₂` along `axis` in one TensorFlow kernel (`EuclideanNorm`) instead of square + sum, or `null`
 * where the fast path does not run. Not differentiable: for the forward passes of custom gradients.
 */
export function fusedEuclideanNorm(x: tf.Tensor, axis: number, keepDims: boolean): tf.Tensor | null {
  if (!tensorflowFastPathActive() || x.dtype !== 'float32') return null;
  const backend = eagerBackend()!;
  const at = tf.scalar(axis, 'int32');
  try {
    return backend.executeSingleOutput(
      'EuclideanNorm',
      [
        valueAttr(backend, 'keep_dims', 'TF_ATTR_BOOL', keepDims),
        typeAttr(backend, 'T'),
        typeAttr(backend, 'Tidx', 'TF_INT32'),
      ],
      [x, at],
    );
  } finally {
    at.dispose();
  }
}

/**
 * `x − max x − log Σ exp(x − max x)` over the last axis in one TensorFlow kernel (`LogSoftmax`)
 * instead of five, or `null` where the fast path does not run. The same operations in the same order
 * as the generic path (max subtraction, then the log of the sum). Not differentiable: for the
 * forward passes of custom gradients.
 */
export function fusedLogSoftmax(x: tf.Tensor): tf.Tensor | null {
  if (!tensorflowFastPathActive() || x.dtype !== 'float32' || x.rank < 1) return null;
  const backend = eagerBackend()!;
  return backend.executeSingleOutput('LogSoftmax', [typeAttr(backend, 'T')], [x]);
}

/**
 * TensorFlow's `SparseSoftmaxCrossEntropyWithLogits` on `[N, C]` float32 logits and int32 labels:
 * the per-sample loss `log Σ exp(x − max x) − (x_y − max x)` and its gradient `softmax(x) − onehot(y)`
 * from one kernel, or `null` where the fast path does not run. The CPU kernel rejects a label outside
 * `[0, C)` with an error naming it (other devices give NaN); `losses.sparseSoftmaxCrossEntropy` turns
 * that error into its argument error.
 */
export function fusedSparseCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): [tf.Tensor, tf.Tensor] | null {
  if (!tensorflowFastPathActive() || logits.dtype !== 'float32' || logits.rank !== 2 || labels.dtype !== 'int32') {
    return null;
  }
  const backend = eagerBackend()!;
  const [loss, backprop] = backend.executeMultipleOutputs(
    'SparseSoftmaxCrossEntropyWithLogits',
    [typeAttr(backend, 'T'), typeAttr(backend, 'Tlabels', 'TF_INT32')],
    [logits, labels],
    2,
  );
  return [loss!, backprop!];
}
