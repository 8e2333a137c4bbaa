import * as tf from '@tensorflow/tfjs-core';
import { withCustomGrad } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import { floatTensor, knownKeys, rankIs } from '../internal/validate';
import { l2Normalize } from './l2Normalize';

/** How a metric loss or miner compares two embeddings; both normalize the embeddings first. */
export type PairDistance = 'euclidean' | 'cosine';

/** Options of {@link pairwiseDistance}. */
export interface PairwiseDistanceOptions {
  /** `'euclidean'` (the default): `‖x̂_i − x̂_j‖`; `'cosine'`: the similarity `x̂_i · x̂_j`. */
  distance?: PairDistance;
}

/**
 * Below this squared distance a float32 Gram-matrix distance is rounding noise (≈ √ε₃₂ · a few), so it
 * is taken as 0: duplicated embeddings then get distance 0 and gradient 0, as with an exact difference.
 */
export const SQUARED_DISTANCE_FLOOR = 1e-6;

/** Checks a distance name. */
export function distanceArg(where: string, value: unknown): PairDistance {
  const d = value ?? 'euclidean';
  if (d !== 'euclidean' && d !== 'cosine') {
    throw new MarginArgumentError(where, 'distance', "'euclidean' or 'cosine'", d);
  }
  return d;
}

/** `√q` for `q > floor`, else 0; the gradient `1 / (2√q)` there and 0 elsewhere (never Infinity). */
const flooredSqrt = withCustomGrad(([q], save) => {
  const d = tf.tidy(() => {
    const above = tf.greater(q!, SQUARED_DISTANCE_FLOOR);
    return tf.where(above, tf.sqrt(tf.maximum(q!, SQUARED_DISTANCE_FLOOR)), tf.zerosLike(q!));
  });
  save([d]);
  return {
    value: d,
    gradFunc: (dy, [saved]) => [
      tf.tidy(() => {
        const d = saved!;
        const positive = tf.greater(d, 0);
        const safe = tf.where(positive, d, tf.onesLike(d));
        return tf.where(positive, tf.div(tf.mul(dy, 0.5), safe), tf.zerosLike(dy));
      }),
    ],
  };
});

/**
 * The `[N, N]` matrix of a batch, without argument checks: Euclidean distances between L2-normalized
 * embeddings (not squared), or their cosine similarities. PML's `LpDistance()` / `CosineSimilarity()`.
 */
export function pairMatrix(embeddings: tf.Tensor2D, distance: PairDistance): tf.Tensor2D {
  return tf.tidy(() => {
    // F.normalize's floor: ‖x‖ ≥ 1e-12, so a zero embedding stays the zero vector.
    const e = l2Normalize(embeddings, { epsilon: 1e-24 }) as tf.Tensor2D;
    const gram = tf.matMul(e, e, false, true);
    if (distance === 'cosine') return gram as tf.Tensor2D;
    // ‖a‖² + ‖b‖² − 2 a·b, not 2 − 2 a·b: a zero embedding is at distance 1 from every unit one.
    const sq = tf.sum(tf.square(e), 1);
    const q = tf.sub(tf.add(tf.expandDims(sq, 1), tf.expandDims(sq, 0)), tf.mul(gram, 2));
    return flooredSqrt(q) as tf.Tensor2D;
  });
}

/**
 * Pairwise distances of a batch of embeddings, as the metric losses and miners see them: with
 * `'euclidean'`, `d_ij = ‖x̂_i − x̂_j‖` between L2-normalized embeddings `x̂ = x / max(‖x‖, 1e-12)`
 * (not squared, as pytorch-metric-learning's `LpDistance`); with `'cosine'`, `s_ij = x̂_i · x̂_j`.
 *
 * The Euclidean distance is computed from the Gram matrix; squared distances below `1e-6` (float32
 * rounding noise) are set to 0, so duplicated embeddings are at distance 0 with gradient 0 (a plain
 * `sqrt` would give an infinite gradient there). Memory `O(N²)`.
 *
 * @example
 * ```ts
 * const x = tf.tensor2d([[1, 0], [0, 2], [3, 0]]);
 * ops.pairwiseDistance(x).print(); // [[0, 1.4142, 0], [1.4142, 0, 1.4142], [0, 1.4142, 0]]
 * ops.pairwiseDistance(x, { distance: 'cosine' }).print(); // [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
 * ```
 * @param embeddings `[N, D]` embeddings.
 * @returns `[N, N]` distances (or similarities).
 */
export function pairwiseDistance(embeddings: tf.Tensor, options: PairwiseDistanceOptions = {}): tf.Tensor2D {
  const where = 'ops.pairwiseDistance';
  knownKeys(where, 'options', options, ['distance']);
  const distance = distanceArg(where, options.distance);
  const x = floatTensor(where, 'embeddings', embeddings);
  rankIs(where, 'embeddings', x, 2, '[N, D]');
  try {
    return pairMatrix(x as tf.Tensor2D, distance);
  } finally {
    if (x !== embeddings) x.dispose();
  }
}
