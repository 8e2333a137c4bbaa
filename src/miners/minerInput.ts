import * as tf from '@tensorflow/tfjs-core';
import { checkInputsArg, metricBatch } from '../losses/metricBatch';
import { distanceArg, type PairDistance } from '../ops/pairwiseDistance';

/** Options every miner takes. */
export interface MinerOptions {
  /** `'euclidean'` (the default; between normalized embeddings) or `'cosine'`: use the loss's own. */
  distance?: PairDistance;
  /** Read labels and embeddings back once to reject bad values (default `true`; skipped on webgpu). */
  checkInputs?: boolean;
}

/** A miner's checked input: the pair matrix (values only: miners return indices or masks). */
export function metricBatchNoGrad(
  where: string,
  embeddings: tf.Tensor,
  labels: tf.Tensor,
  options: MinerOptions,
): { matrix: tf.Tensor2D; labels: tf.Tensor1D; distance: PairDistance } {
  const distance = distanceArg(where, options.distance);
  const batch = metricBatch(where, labels, embeddings, distance, checkInputsArg(where, options.checkInputs));
  return { matrix: batch.matrix, labels: batch.labels, distance };
}
