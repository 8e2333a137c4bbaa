import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '../../data/seededRandom';
import type { CenterStore, RowFiller } from './centerStore';

/**
 * The `centres` weight of Partial FC as tfjs-layers sees it: reading it (`getWeights`, `model.save`)
 * returns the store's `[C, D]` snapshot, writing it (`setWeights`, `tf.loadLayersModel`) replaces
 * the store's rows. The table itself lives in the store, so the per-step path never touches a
 * `[C, D]` tfjs tensor; only a read materializes one, until the next training step.
 */
export class CenterStoreVariable extends tfl.LayerVariable {
  readonly store: CenterStore;

  constructor(store: CenterStore, name: string) {
    // A placeholder value: the variable's own tensor is never the table.
    const placeholder = tf.scalar(0);
    super(placeholder, 'float32', name, false);
    placeholder.dispose();
    this.store = store;
    (this as unknown as { shape: number[] }).shape = [store.rows, store.dim];
  }

  override read(): tf.Tensor {
    this.assertNotDisposed();
    return this.store.snapshot();
  }

  override write(newVal: tf.Tensor): this {
    this.assertNotDisposed();
    this.store.assign(newVal);
    return this;
  }

  override dispose(): void {
    super.dispose();
    this.store.dispose();
  }
}

/** Glorot uniform rows `±√(6 / (C + D))` from a seeded stream (see {@link RowFiller}). */
export function glorotRows(rows: number, dim: number, seed: number | null): RowFiller {
  const next = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  const limit = Math.sqrt(6 / (rows + dim));
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++) chunk[i] = (2 * next() - 1) * limit;
  };
}
