import * as tf from '@tensorflow/tfjs-core';
import { pairMasks, type PairMasks } from '../internal/pairMasks';
import { constantOf } from '../internal/stopGradient';
import { MarginArgumentError } from '../internal/errors';
import { knownKeys } from '../internal/validate';
import { numberBetween } from '../losses/metricBatch';
import { farness } from './batchHard';
import { metricBatchNoGrad, type MinerOptions } from './minerInput';

/** Options of {@link semiHard}. */
export interface SemiHardOptions extends MinerOptions {
  /** Keep triplets with `0 < d_an − d_ap ≤ margin`. Default `0.2` (PML's `TripletMarginMiner`). */
  margin?: number;
}

/** Largest batch {@link semiHard} takes: its mask holds `N³` entries. */
export const MAX_TRIPLET_MASK_BATCH = 256;

/** The semi-hard condition for anchors `rows` of a farness matrix: `[rows, N(p), N(n)]` 0/1. */
export function semiHardBlock(
  farRows: tf.Tensor2D,
  masks: PairMasks,
  rows: [number, number],
  margin: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [a0, a1] = rows;
    const n = farRows.shape[1];
    const pos = tf.slice(masks.positive, [a0, 0], [a1 - a0, n]);
    const neg = tf.slice(masks.negative, [a0, 0], [a1 - a0, n]);
    // tm[a, p, n] = far_an − far_ap
    const tm = tf.sub(tf.expandDims(farRows, 1), tf.expandDims(farRows, 2));
    const keep = tf.logicalAnd(tf.greater(tm, 0), tf.lessEqual(tm, margin));
    return tf.mul(tf.mul(tf.expandDims(pos, 2), tf.expandDims(neg, 1)), tf.cast(keep, 'float32')) as tf.Tensor3D;
  });
}

/** Checks a triplet miner margin: in `[0, 4]` (distances between unit vectors span at most 2). */
export function tripletMarginArg(where: string, argument: string, value: unknown): number {
  return numberBetween(where, argument, value, 0, 4, ' (distances between unit vectors span 2)');
}

/**
 * Semi-hard triplet mining as PML's `TripletMarginMiner(margin, type_of_triplets='semihard')`: every
 * triplet `(a, p, n)` (same label `a, p`, `a ≠ p`; different label `n`) with
 * `0 < d_an − d_ap ≤ margin` (cosine: `0 < s_ap − s_an ≤ margin`). This is PML's definition, not
 * FaceNet's (Schroff et al. 2015), which picks one negative per positive pair.
 *
 * Returns the `[N, N, N]` 0/1 mask over `(a, p, n)` (`miners.tripletIndices` turns it into index
 * tensors). The losses use the same condition in anchor chunks, without building this mask.
 *
 * @example
 * ```ts
 * const embeddings = tf.tensor2d([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]]);
 * const mask = miners.semiHard(embeddings, tf.tensor1d([0, 0, 1, 1], 'int32'), { margin: 0.8 });
 * tf.sum(mask).print(); // 4: the triplets whose negative is farther, but by at most 0.8
 * ```
 * @param embeddings `[N, D]` embeddings, `N ≤ 256`.
 * @param labels `[N]` or `[N, 1]` integer labels.
 */
export function semiHard(embeddings: tf.Tensor, labels: tf.Tensor, options: SemiHardOptions = {}): tf.Tensor3D {
  const where = 'miners.semiHard';
  knownKeys(where, 'options', options, ['distance', 'checkInputs', 'margin']);
  const margin = tripletMarginArg(where, 'margin', options.margin ?? 0.2);
  if (embeddings instanceof tf.Tensor && embeddings.rank === 2 && embeddings.shape[0] > MAX_TRIPLET_MASK_BATCH) {
    throw new MarginArgumentError(
      where,
      'embeddings',
      `a batch of at most ${MAX_TRIPLET_MASK_BATCH} (the mask holds N³ entries; the losses mine in chunks)`,
      embeddings,
    );
  }
  return tf.tidy(() => {
    const { matrix, labels: y, distance } = metricBatchNoGrad(where, embeddings, labels, options);
    const n = y.shape[0];
    const far = farness(matrix, distance);
    return constantOf(far, (v) => semiHardBlock(v as tf.Tensor2D, pairMasks(y), [0, n], margin)) as tf.Tensor3D;
  });
}
