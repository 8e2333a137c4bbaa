import * as tf from '@tensorflow/tfjs-core';
import { pairMasks, rowHasAny, type PairMasks } from '../internal/pairMasks';
import { constantOf } from '../internal/stopGradient';
import { nonNegativeNumber, knownKeys } from '../internal/validate';
import { metricBatchNoGrad } from './minerInput';

/** Options of {@link multiSimilarity}. */
export interface MultiSimilarityMinerOptions {
  /** The slack `ε`. Default `0.1`. */
  epsilon?: number;
  /** Read labels and embeddings back once to reject bad values (default `true`; skipped on webgpu). */
  checkInputs?: boolean;
}

/** Mined pairs as `[N, N]` float32 0/1 masks over ordered pairs `(a, j)`. */
export type MinedPairs = {
  positive: tf.Tensor2D;
  negative: tf.Tensor2D;
};

/** The multi-similarity pair mining on a similarity matrix and its label masks, off the gradient tape. */
export function multiSimilarityMasks(sim: tf.Tensor2D, masks: PairMasks, epsilon: number): MinedPairs {
  return tf.tidy(() => {
    const both = constantOf(sim, (v) => {
      const mined = mine(v as tf.Tensor2D, masks, epsilon);
      return tf.stack([mined.positive, mined.negative]);
    });
    const [positive, negative] = tf.unstack(both) as [tf.Tensor2D, tf.Tensor2D];
    return { positive, negative };
  });
}

function mine(sim: tf.Tensor2D, masks: PairMasks, epsilon: number): MinedPairs {
  return tf.tidy(() => {
    const lowest = tf.sub(tf.min(sim), 1);
    const highest = tf.add(tf.max(sim), 1);
    const posBool = tf.cast(masks.positive, 'bool');
    const negBool = tf.cast(masks.negative, 'bool');
    // The hardest negative (highest similarity) and hardest positive (lowest) per anchor.
    const maxNeg = tf.max(tf.where(negBool, sim, tf.broadcastTo(lowest, sim.shape)), 1, true);
    const minPos = tf.min(tf.where(posBool, sim, tf.broadcastTo(highest, sim.shape)), 1, true);
    const hasNeg = tf.expandDims(rowHasAny(masks.negative), 1);
    const hasPos = tf.expandDims(rowHasAny(masks.positive), 1);
    const keepPos = tf.cast(tf.less(tf.sub(sim, epsilon), maxNeg), 'float32');
    const keepNeg = tf.cast(tf.greater(tf.add(sim, epsilon), minPos), 'float32');
    return {
      positive: tf.mul(tf.mul(masks.positive, keepPos), hasNeg) as tf.Tensor2D,
      negative: tf.mul(tf.mul(masks.negative, keepNeg), hasPos) as tf.Tensor2D,
    };
  });
}

/**
 * The multi-similarity pair miner (Wang et al., CVPR 2019, "Multi-Similarity Loss with General Pair
 * Weighting for Deep Metric Learning"), as PML's `MultiSimilarityMiner`, on cosine similarities: keep a
 * positive pair `(a, p)` when `s_ap − ε < max_n s_an` (the anchor's hardest negative) and a negative
 * pair `(a, n)` when `s_an + ε > min_p s_ap` (its hardest positive). An anchor without negatives keeps
 * no positives and vice versa. Returns `[N, N]` masks (`miners.pairIndices` gives index tensors).
 *
 * @example
 * ```ts
 * const embeddings = tf.tensor2d([[1, 0], [0.6, 0.8], [0.8, 0.6], [-1, 0]]);
 * const pairs = miners.multiSimilarity(embeddings, tf.tensor1d([0, 0, 1, 1], 'int32'));
 * pairs.positive.print(); // [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
 * ```
 * @param embeddings `[N, D]` embeddings (normalized inside).
 * @param labels `[N]` or `[N, 1]` integer labels.
 */
export function multiSimilarity(
  embeddings: tf.Tensor,
  labels: tf.Tensor,
  options: MultiSimilarityMinerOptions = {},
): MinedPairs {
  const where = 'miners.multiSimilarity';
  knownKeys(where, 'options', options, ['epsilon', 'checkInputs']);
  const epsilon = nonNegativeNumber(where, 'epsilon', options.epsilon ?? 0.1);
  return tf.tidy(() => {
    const { matrix, labels: y } = metricBatchNoGrad(where, embeddings, labels, {
      distance: 'cosine',
      checkInputs: options.checkInputs ?? true,
    });
    return multiSimilarityMasks(matrix, pairMasks(y), epsilon);
  });
}
