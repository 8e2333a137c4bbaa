import { MarginArgumentError, receivedText } from '../internal/errors';
import { classLabels, embeddingRows, type EmbeddingRows, normalizeRows, optionsBag } from './input';

/** Options of {@link oneShot}. */
export interface OneShotOptions {
  /** `'cosine'` similarity (default) or `'euclidean'` distance on the raw embeddings. */
  distance?: 'cosine' | 'euclidean';
}

/** Result of {@link oneShot}. */
export interface OneShotResult {
  /** Fraction of queries whose nearest support embedding has their label. */
  accuracy: number;
  /** `1 − accuracy`, as the Omniglot papers report it. */
  error: number;
  /** Number of correctly labelled queries. */
  correct: number;
  /** Number of queries. */
  queries: number;
  /** Per query, the index of its nearest support embedding (ties: the lowest index). */
  nearest: Int32Array;
}

/**
 * One-shot (in general, few-shot nearest-neighbour) classification: every query takes the label of
 * its most similar support embedding. With one support image per class from one drawer and one query
 * per class from another, this is the 20-way one-shot task of Omniglot (Lake, Salakhutdinov &
 * Tenenbaum, Science 2015), where a run's error is `wrong / 20`. Costs `Q·S·D`.
 *
 * @example
 * ```ts
 * const r = metrics.oneShot([[1, 0], [0, 1]], [0, 1], [[0.9, 0.2], [0.1, 1]], [0, 1]);
 * r.error; // 0
 * ```
 */
export function oneShot(
  support: EmbeddingRows,
  supportLabels: ArrayLike<number>,
  queries: EmbeddingRows,
  queryLabels: ArrayLike<number>,
  options?: OneShotOptions,
): OneShotResult {
  const where = 'metrics.oneShot';
  const o = optionsBag(where, options, ['distance']);
  const distance = o['distance'] ?? 'cosine';
  if (distance !== 'cosine' && distance !== 'euclidean') {
    throw new MarginArgumentError(where, 'distance', "'cosine' or 'euclidean'", distance);
  }
  const s = embeddingRows(where, 'support', support);
  const q = embeddingRows(where, 'queries', queries);
  if (q.cols !== s.cols) {
    throw new MarginArgumentError(
      where,
      'queries',
      `rows of length ${s.cols}, as the support embeddings`,
      receivedText(`rows of length ${q.cols}`),
    );
  }
  const sy = classLabels(where, 'supportLabels', supportLabels, s.rows);
  const qy = classLabels(where, 'queryLabels', queryLabels, q.rows);
  const sm = distance === 'cosine' ? normalizeRows(where, 'support', s) : s;
  const qm = distance === 'cosine' ? normalizeRows(where, 'queries', q) : q;
  const d = s.cols;
  const nearest = new Int32Array(q.rows);
  let correct = 0;
  for (let i = 0; i < q.rows; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < s.rows; j++) {
      let score = 0;
      for (let c = 0; c < d; c++) {
        const u = qm.data[i * d + c]!;
        const v = sm.data[j * d + c]!;
        score += distance === 'cosine' ? u * v : -((u - v) ** 2);
      }
      if (score > best) {
        best = score;
        arg = j;
      }
    }
    nearest[i] = arg;
    if (sy[arg] === qy[i]) correct++;
  }
  const accuracy = correct / q.rows;
  return { accuracy, error: 1 - accuracy, correct, queries: q.rows, nearest };
}
