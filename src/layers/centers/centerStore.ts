import * as tf from '@tensorflow/tfjs-core';

/**
 * Where Partial FC keeps its `[C, D]` class centers and their momentum:
 * - `'host'`: JavaScript typed arrays (sharded at 1 GiB), each step's rows copied into one `[S, D]`
 *   tensor and updated in place from the read-back gradient: `O(S·D)` per step. Needs synchronous
 *   reads (every backend but webgpu).
 * - `'tensorflow'`: TensorFlow resource variables inside tfjs-node, gathered and updated in place by
 *   TensorFlow's sparse kernels (`ResourceGather`, `ResourceSparseApplyMomentum`): `O(S·D)` per step,
 *   no copy through JavaScript. The `tensorflow` backend only.
 * - `'tensor'`: one tfjs tensor per table, rewritten whole each step (`tensorScatterUpdate`):
 *   `O(C·D)` per step. The only store on webgpu, whose reads are asynchronous; fine for small tables.
 * - `'auto'` (the default): `'tensorflow'` on the tensorflow backend (`'host'` if this tfjs-node
 *   cannot run the ops), `'tensor'` on webgpu, `'host'` elsewhere.
 */
export type CenterStoreKind = 'auto' | 'host' | 'tensorflow' | 'tensor';

/** The centers' SGD step on the sampled rows: `v ← μ v + g`, `w ← w − lr v` (`g` has the weight decay in it). */
export interface CenterStep {
  learningRate: number;
  momentum: number;
}

/** A `[C, D]` table of class centers with sparse reads and sparse SGD-momentum updates. */
export interface CenterStore {
  readonly kind: Exclude<CenterStoreKind, 'auto'>;
  readonly rows: number;
  readonly dim: number;
  /** The rows `indices` (distinct) as a new `[S, D]` float32 tensor, the caller's to dispose. */
  gather(indices: Int32Array | tf.Tensor1D): tf.Tensor2D;
  /** All rows as `[C, D]`, owned by the store and valid until the next `update` or `assign`. */
  snapshot(): tf.Tensor2D;
  /** One SGD-momentum step on the rows `indices` (distinct) with their gradient `[S, D]`. */
  update(indices: Int32Array | tf.Tensor1D, grad: tf.Tensor2D, step: CenterStep): void;
  /** Replaces the rows `indices` (distinct) with `values` (`[S·D]`, row-major); the momentum is kept. */
  replaceRows(indices: Int32Array, values: Float32Array): void;
  /** The momentum of rows `indices` as a new `[S, D]` tensor (zeros before the first step); the caller's to dispose. */
  gatherMomentum(indices: Int32Array): tf.Tensor2D;
  /** Replaces the momentum of rows `indices` with `values` (`[S·D]`, row-major), as a resume does. */
  replaceMomentumRows(indices: Int32Array, values: Float32Array): void;
  /** Replaces every row (loading a saved model); the momentum is kept. */
  assign(values: tf.Tensor): void;
  dispose(): void;
}

/**
 * Fills the table in row order, chunk by chunk, from Glorot's uniform `±√(6 / (C + D))` (tfjs's
 * `glorotUniform` for a `[C, D]` weight) drawn from one seeded stream: the same centers on every
 * backend and store, without ever holding a second `[C, D]` copy.
 */
export type RowFiller = (chunk: Float32Array) => void;

/** Rows per chunk or shard: at most 2^28 floats (1 GiB), at least one row. */
export function rowsPerChunk(dim: number, floats = 2 ** 28): number {
  return Math.max(1, Math.floor(floats / dim));
}

/** Checks a table replacement's shape. */
export function checkTableShape(where: string, values: tf.Tensor, rows: number, dim: number): void {
  if (values.rank !== 2 || values.shape[0] !== rows || values.shape[1] !== dim) {
    throw new Error(`${where}: expected centers of shape [${rows},${dim}], got [${values.shape.join(',')}]`);
  }
}
