import * as tf from '@tensorflow/tfjs-core';
import { type CenterStep, type CenterStore, checkTableShape, type RowFiller } from './centerStore';

/**
 * Partial FC's centers as one tfjs variable (see {@link CenterStoreKind} `'tensor'`): rows read with
 * `gather`, written back with `tensorScatterUpdate`, which copies the whole table (and its momentum)
 * each step. Works on every backend, with no synchronous read.
 */
export class TensorCenterStore implements CenterStore {
  readonly kind = 'tensor' as const;
  private readonly table: tf.Variable;
  private velocity: tf.Variable | null = null;

  constructor(
    readonly rows: number,
    readonly dim: number,
    fill: RowFiller,
  ) {
    const values = new Float32Array(rows * dim);
    fill(values);
    this.table = tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, dim]), false));
  }

  gather(indices: Int32Array | tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(
      () =>
        tf.gather(this.table, indices instanceof Int32Array ? tf.tensor1d(indices, 'int32') : indices) as tf.Tensor2D,
    );
  }

  gatherMomentum(indices: Int32Array): tf.Tensor2D {
    if (this.velocity === null) return tf.zeros([indices.length, this.dim]);
    const velocity = this.velocity;
    return tf.tidy(() => tf.gather(velocity, tf.tensor1d(indices, 'int32')) as tf.Tensor2D);
  }

  replaceMomentumRows(indices: Int32Array, values: Float32Array): void {
    this.velocity ??= tf.tidy(() => tf.variable(tf.zeros([this.rows, this.dim]), false));
    TensorCenterStore.scatterRows(this.velocity, indices, values, this.dim);
  }

  /** Rows `indices` of `target` replaced by `values`, through a copy (see {@link update}). */
  private static scatterRows(target: tf.Variable, indices: Int32Array, values: Float32Array, dim: number): void {
    tf.tidy(() => {
      const at = tf.reshape(tf.tensor1d(indices, 'int32'), [-1, 1]);
      target.assign(tf.tensorScatterUpdate(tf.add(target, 0), at, tf.tensor2d(values, [indices.length, dim])));
    });
  }

  snapshot(): tf.Tensor2D {
    return this.table as unknown as tf.Tensor2D;
  }

  update(indices: Int32Array | tf.Tensor1D, grad: tf.Tensor2D, step: CenterStep): void {
    tf.tidy(() => {
      const rows = indices instanceof Int32Array ? tf.tensor1d(indices, 'int32') : indices;
      const at = tf.reshape(rows, [-1, 1]);
      let v: tf.Tensor = grad;
      if (step.momentum > 0) {
        this.velocity ??= tf.variable(tf.zeros([this.rows, this.dim]), false);
        v = tf.add(tf.mul(tf.gather(this.velocity, rows), step.momentum), grad);
        this.velocity.assign(tf.tensorScatterUpdate(this.velocity, at, v));
      }
      // w − scatter(lr v), not tensorScatterUpdate(w, …): tfjs-backend-cpu's tensorScatterUpdate writes into its
      // input's buffer, which a snapshot the caller cloned still shares. Untouched rows subtract exactly 0.
      const delta = tf.scatterND(at, tf.mul(v, step.learningRate), [this.rows, this.dim]);
      this.table.assign(tf.sub(this.table, delta));
    });
  }

  replaceRows(indices: Int32Array, values: Float32Array): void {
    // A copy first: tfjs-backend-cpu's tensorScatterUpdate writes into its input's buffer (see update).
    TensorCenterStore.scatterRows(this.table, indices, values, this.dim);
  }

  assign(values: tf.Tensor): void {
    checkTableShape('PartialFC centers', values, this.rows, this.dim);
    this.table.assign(values);
  }

  dispose(): void {
    this.table.dispose();
    this.velocity?.dispose();
    this.velocity = null;
  }
}
