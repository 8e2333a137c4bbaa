import * as tf from '@tensorflow/tfjs-core';
import { type EagerAttr, type EagerBackend, typeAttr, valueAttr } from '../../internal/eagerBackend';
import { type CenterStep, type CenterStore, checkTableShape, type RowFiller, rowsPerChunk } from './centerStore';

/** TensorFlow's anonymous resource name: each handle owns its own variable, freed with the handle. */
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

/**
 * Partial FC's centers in TensorFlow resource variables (see {@link CenterStoreKind}
 * `'tensorflow'`): `ResourceGather` reads the sampled rows, `ResourceSparseApplyMomentum` (or
 * `ResourceScatterSub` without momentum) updates them in place, inside TensorFlow. Each variable is
 * anonymous and owned by its handle, which a tfjs variable holds: disposing the store, the layer, or
 * `tf.disposeVariables()` frees it.
 */
export class TensorFlowCenterStore implements CenterStore {
  readonly kind = 'tensorflow' as const;
  private readonly table: tf.Variable;
  private velocity: tf.Variable | null = null;
  private cached: tf.Tensor2D | null = null;

  constructor(
    private readonly backend: EagerBackend,
    readonly rows: number,
    readonly dim: number,
    fill: RowFiller,
  ) {
    this.table = this.variable(0);
    try {
      const chunkRows = rowsPerChunk(dim, 2 ** 24);
      for (let r = 0; r < rows; r += chunkRows) {
        const count = Math.min(chunkRows, rows - r);
        const chunk = new Float32Array(count * dim);
        fill(chunk);
        this.replaceRows(
          Int32Array.from({ length: count }, (_, i) => r + i),
          chunk,
        );
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  gather(indices: Int32Array | tf.Tensor1D): tf.Tensor2D {
    return this.gatherFrom(this.table, indices);
  }

  gatherMomentum(indices: Int32Array): tf.Tensor2D {
    if (this.velocity === null) return tf.zeros([indices.length, this.dim]);
    return this.gatherFrom(this.velocity, indices);
  }

  replaceMomentumRows(indices: Int32Array, values: Float32Array): void {
    this.velocity ??= this.variable(0);
    this.scatterRows(this.velocity, indices, values);
  }

  private gatherFrom(handle: tf.Variable, indices: Int32Array | tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const at = indices instanceof Int32Array ? tf.tensor1d(indices, 'int32') : indices;
      return this.backend.executeSingleOutput(
        'ResourceGather',
        [
          valueAttr(this.backend, 'batch_dims', 'TF_ATTR_INT', 0),
          valueAttr(this.backend, 'validate_indices', 'TF_ATTR_BOOL', true),
          this.type('dtype'),
          this.type('Tindices', 'TF_INT32'),
        ],
        [handle, at],
      ) as tf.Tensor2D;
    });
  }

  snapshot(): tf.Tensor2D {
    this.cached ??= tf.keep(
      this.backend.executeSingleOutput('ReadVariableOp', [this.type('dtype')], [this.table]) as tf.Tensor2D,
    );
    return this.cached;
  }

  update(indices: Int32Array | tf.Tensor1D, grad: tf.Tensor2D, step: CenterStep): void {
    // A live snapshot shares the variable's buffer: TensorFlow would copy the whole table first.
    this.invalidate();
    tf.tidy(() => {
      const at = indices instanceof Int32Array ? tf.tensor1d(indices, 'int32') : indices;
      if (step.momentum > 0) {
        this.velocity ??= this.variable(0);
        this.run(
          'ResourceSparseApplyMomentum',
          [
            this.type('T'),
            this.type('Tindices', 'TF_INT32'),
            valueAttr(this.backend, 'use_locking', 'TF_ATTR_BOOL', false),
            valueAttr(this.backend, 'use_nesterov', 'TF_ATTR_BOOL', false),
          ],
          [this.table, this.velocity, tf.scalar(step.learningRate), grad, at, tf.scalar(step.momentum)],
        );
      } else {
        this.run(
          'ResourceScatterSub',
          [this.type('dtype'), this.type('Tindices', 'TF_INT32')],
          [this.table, at, tf.mul(grad, step.learningRate)],
        );
      }
    });
  }

  replaceRows(indices: Int32Array, values: Float32Array): void {
    this.invalidate();
    this.scatterRows(this.table, indices, values);
  }

  private scatterRows(handle: tf.Variable, indices: Int32Array, values: Float32Array): void {
    tf.tidy(() =>
      this.run(
        'ResourceScatterUpdate',
        [this.type('dtype'), this.type('Tindices', 'TF_INT32')],
        [handle, tf.tensor1d(indices, 'int32'), tf.tensor2d(values, [indices.length, this.dim])],
      ),
    );
  }

  assign(values: tf.Tensor): void {
    checkTableShape('PartialFC centers', values, this.rows, this.dim);
    this.invalidate();
    this.assignVariable(this.table, values);
  }

  dispose(): void {
    this.invalidate();
    for (const handle of [this.table, this.velocity]) if (handle !== null && !handle.isDisposed) handle.dispose();
    this.velocity = null;
  }

  private invalidate(): void {
    this.cached?.dispose();
    this.cached = null;
  }

  /** A new resource variable `[rows, dim]` filled with `value`. */
  private variable(value: number): tf.Variable {
    const resource = tf.tidy(() =>
      this.backend.executeSingleOutput(
        'VarHandleOp',
        [
          valueAttr(this.backend, 'container', 'TF_ATTR_STRING', ''),
          valueAttr(this.backend, 'shared_name', 'TF_ATTR_STRING', ANONYMOUS),
          this.type('dtype'),
          valueAttr(this.backend, 'shape', 'TF_ATTR_SHAPE', [this.rows, this.dim]),
        ],
        [],
      ),
    );
    // A tfjs variable holding the handle: disposing it (or tf.disposeVariables()) deletes the handle,
    // and with it the anonymous TensorFlow variable and its memory.
    const handle = tf.variable(resource, false);
    resource.dispose();
    tf.tidy(() =>
      this.assignVariable(
        handle,
        this.backend.executeSingleOutput(
          'Fill',
          [this.type('T'), this.type('index_type', 'TF_INT32')],
          [tf.tensor1d([this.rows, this.dim], 'int32'), tf.scalar(value)],
        ),
      ),
    );
    return handle;
  }

  private assignVariable(handle: tf.Tensor, values: tf.Tensor): void {
    this.run(
      'AssignVariableOp',
      [this.type('dtype'), valueAttr(this.backend, 'validate_shape', 'TF_ATTR_BOOL', false)],
      [handle, values],
    );
  }

  private run(name: string, attrs: EagerAttr[], inputs: tf.Tensor[]): void {
    this.backend.executeMultipleOutputs(name, attrs, inputs, 0);
  }

  private type(name: string, dtype: 'TF_FLOAT' | 'TF_INT32' = 'TF_FLOAT'): EagerAttr {
    return typeAttr(this.backend, name, dtype);
  }
}
