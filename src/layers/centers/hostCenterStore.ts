import * as tf from '@tensorflow/tfjs-core';
import { type CenterStep, type CenterStore, checkTableShape, type RowFiller, rowsPerChunk } from './centerStore';

/**
 * Partial FC's centers in JavaScript typed arrays (see {@link CenterStoreKind} `'host'`): rows in
 * shards of at most 1 GiB (one typed array cannot hold a 10M × 128 table), the momentum beside them,
 * allocated on the first step that uses it.
 */
export class HostCenterStore implements CenterStore {
  readonly kind = 'host' as const;
  private readonly shardRows: number;
  private readonly table: Float32Array[] = [];
  private velocity: Float32Array[] | null = null;
  private cached: tf.Tensor2D | null = null;

  constructor(
    readonly rows: number,
    readonly dim: number,
    fill: RowFiller,
  ) {
    this.shardRows = rowsPerChunk(dim);
    for (let r = 0; r < rows; r += this.shardRows) {
      const shard = new Float32Array(Math.min(this.shardRows, rows - r) * dim);
      fill(shard);
      this.table.push(shard);
    }
  }

  gather(indices: Int32Array | tf.Tensor1D): tf.Tensor2D {
    return this.gatherFrom(this.table, hostIndices(indices));
  }

  gatherMomentum(indices: Int32Array): tf.Tensor2D {
    if (this.velocity === null) return tf.zeros([indices.length, this.dim]);
    return this.gatherFrom(this.velocity, indices);
  }

  replaceMomentumRows(indices: Int32Array, values: Float32Array): void {
    this.velocity ??= this.table.map((shard) => new Float32Array(shard.length));
    this.setRows(this.velocity, indices, values);
  }

  private gatherFrom(shards: Float32Array[], rows: Int32Array): tf.Tensor2D {
    const d = this.dim;
    const out = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++) {
      const [shard, at] = this.locate(rows[i]!);
      out.set(shards[shard]!.subarray(at, at + d), i * d);
    }
    return tf.tensor2d(out, [rows.length, d]);
  }

  private setRows(shards: Float32Array[], indices: Int32Array, values: Float32Array): void {
    const d = this.dim;
    for (let i = 0; i < indices.length; i++) {
      const [shard, at] = this.locate(indices[i]!);
      shards[shard]!.set(values.subarray(i * d, (i + 1) * d), at);
    }
  }

  snapshot(): tf.Tensor2D {
    if (this.cached === null) {
      const all = new Float32Array(this.rows * this.dim);
      let at = 0;
      for (const shard of this.table) {
        all.set(shard, at);
        at += shard.length;
      }
      this.cached = tf.keep(tf.tensor2d(all, [this.rows, this.dim]));
    }
    return this.cached;
  }

  update(indices: Int32Array | tf.Tensor1D, grad: tf.Tensor2D, step: CenterStep): void {
    this.invalidate();
    const rows = hostIndices(indices);
    const g = grad.dataSync();
    const d = this.dim;
    const { learningRate: lr, momentum: mu } = step;
    if (mu > 0) this.velocity ??= this.table.map((shard) => new Float32Array(shard.length));
    for (let i = 0; i < rows.length; i++) {
      const [shard, at] = this.locate(rows[i]!);
      const w = this.table[shard]!;
      let o = i * d;
      const end = at + d;
      if (this.velocity === null || mu === 0) {
        for (let p = at; p < end; p++, o++) w[p] = w[p]! - lr * g[o]!;
      } else {
        const v = this.velocity[shard]!;
        for (let p = at; p < end; p++, o++) {
          const next = Math.fround(mu * v[p]! + g[o]!);
          v[p] = next;
          w[p] = w[p]! - lr * next;
        }
      }
    }
  }

  replaceRows(indices: Int32Array, values: Float32Array): void {
    this.invalidate();
    this.setRows(this.table, indices, values);
  }

  assign(values: tf.Tensor): void {
    checkTableShape('PartialFC centers', values, this.rows, this.dim);
    this.invalidate();
    const all = values.dataSync();
    let at = 0;
    for (const shard of this.table) {
      shard.set(all.subarray(at, at + shard.length));
      at += shard.length;
    }
  }

  dispose(): void {
    this.invalidate();
    this.table.length = 0;
    this.velocity = null;
  }

  private invalidate(): void {
    this.cached?.dispose();
    this.cached = null;
  }

  /** Shard and offset of a row. */
  private locate(row: number): [number, number] {
    const shard = Math.floor(row / this.shardRows);
    return [shard, (row - shard * this.shardRows) * this.dim];
  }
}

/** Indices as a host array (a tensor is read synchronously; the host store never runs on webgpu). */
export function hostIndices(indices: Int32Array | tf.Tensor1D): Int32Array {
  return indices instanceof Int32Array ? indices : (indices.dataSync() as Int32Array);
}
