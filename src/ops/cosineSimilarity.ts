import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { floatTensor, rankIs } from '../internal/validate';
import { l2Normalize } from './l2Normalize';

/**
 * Pairwise cosine similarity of rows: `cos[i, j] = a_i · b_j / (|a_i| |b_j|)`.
 *
 * Zero rows have cosine 0 with everything (their normalized form is the zero vector).
 *
 * @example
 * ```ts
 * const a = tf.tensor2d([[1, 0], [1, 1]]);
 * const b = tf.tensor2d([[0, 2], [3, 0]]);
 * ops.cosineSimilarity(a, b).print(); // [[0, 1], [0.7071, 0.7071]]
 * ```
 * @param a `[N, D]` float tensor.
 * @param b `[M, D]` float tensor.
 * @returns `[N, M]` cosines in `[−1, 1]`.
 */
export function cosineSimilarity(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const where = 'ops.cosineSimilarity';
  const ta = floatTensor(where, 'a', a);
  const tb = floatTensor(where, 'b', b);
  rankIs(where, 'a', ta, 2, '[N, D]');
  rankIs(where, 'b', tb, 2, '[M, D]');
  if (ta.shape[1] !== tb.shape[1]) {
    throw new MarginArgumentError(where, 'b', `a [M, ${ta.shape[1]}] tensor (same D as 'a')`, tb);
  }
  const out = tf.tidy(() => tf.matMul(l2Normalize(ta), l2Normalize(tb), false, true));
  if (ta !== a) ta.dispose();
  if (tb !== b) tb.dispose();
  return out as tf.Tensor2D;
}
