import { MarginArgumentError, receivedText } from '../internal/errors';
import { integerAtLeast } from '../internal/validate';
import { classLabels, embeddingRows, type EmbeddingRows, normalizeRows, optionsBag } from './input';

/** Options of {@link retrieval}. */
export interface RetrievalOptions {
  /**
   * Neighbours retrieved per query. Default: the largest class size − 1, so R-precision and MAP@R
   * are exact. With a smaller `k`, as pytorch-metric-learning, R-precision counts the first `min(R, k)`
   * neighbours and MAP@R still divides by `R`.
   */
  k?: number;
  /** `'cosine'` similarity (default) or `'euclidean'` distance on the raw embeddings. */
  distance?: 'cosine' | 'euclidean';
}

/** Result of {@link retrieval}: means over the queries whose class has another member. */
export interface RetrievalResult {
  /** Fraction of queries whose nearest other embedding has the same label. */
  precisionAt1: number;
  /** Mean over queries of the fraction of same-label items among the `R` nearest (`R` = class size − 1). */
  rPrecision: number;
  /** Mean average precision at R (Musgrave et al. 2020): `(1/R) Σ_{i ≤ R} P@i · [item i relevant]`. */
  mapAtR: number;
  /** Number of queries counted; embeddings alone in their class are left out. */
  queries: number;
}

/**
 * Retrieval quality of embeddings used as both queries and gallery (leave-one-out): each embedding
 * queries all the others. Precision@1, R-precision and MAP@R as defined in Musgrave, Belongie and
 * Lim 2020, "A Metric Learning Reality Check", and computed by pytorch-metric-learning's
 * `AccuracyCalculator` (same source for query and reference). Queries whose label occurs once are
 * skipped, as there. Costs `N²·D`; nearest neighbours are ranked by similarity, ties by index.
 *
 * @example
 * ```ts
 * const embeddings = [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]];
 * const r = metrics.retrieval(embeddings, [0, 0, 1, 1]);
 * console.log(r.precisionAt1, r.mapAtR); // 1 1
 * ```
 */
export function retrieval(
  embeddings: EmbeddingRows,
  labels: ArrayLike<number>,
  options?: RetrievalOptions,
): RetrievalResult {
  const where = 'metrics.retrieval';
  const o = optionsBag(where, options, ['k', 'distance']);
  const e = embeddingRows(where, 'embeddings', embeddings, 2);
  const y = classLabels(where, 'labels', labels, e.rows);
  const distance = o['distance'] ?? 'cosine';
  if (distance !== 'cosine' && distance !== 'euclidean') {
    throw new MarginArgumentError(where, 'distance', "'cosine' or 'euclidean'", distance);
  }
  const counts = new Map<number, number>();
  for (const label of y) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (counts.size < 2) {
    throw new MarginArgumentError(where, 'labels', 'at least two distinct classes', receivedText(`only label ${y[0]}`));
  }
  const maxR = Math.max(...counts.values()) - 1;
  if (maxR === 0) {
    throw new MarginArgumentError(
      where,
      'labels',
      'some label occurring at least twice',
      receivedText('every label once'),
    );
  }
  const k = integerAtLeast(where, 'k', o['k'] ?? maxR, 1);
  const n = e.rows;
  const d = e.cols;
  const m = distance === 'cosine' ? normalizeRows(where, 'embeddings', e) : e;
  const score = new Float64Array(n);
  const order = new Int32Array(n - 1);
  let p1 = 0;
  let rp = 0;
  let map = 0;
  let queries = 0;
  for (let q = 0; q < n; q++) {
    const r = counts.get(y[q]!)! - 1;
    if (r === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const u = m.data[q * d + c]!;
        const v = m.data[j * d + c]!;
        s += distance === 'cosine' ? u * v : -((u - v) ** 2);
      }
      score[j] = s;
    }
    let w = 0;
    for (let j = 0; j < n; j++) if (j !== q) order[w++] = j;
    order.sort((i, j) => score[j]! - score[i]! || i - j);
    const depth = Math.min(k, n - 1);
    let hits = 0;
    let ap = 0;
    let hitsWithinR = 0;
    for (let i = 0; i < Math.min(depth, r); i++) {
      if (y[order[i]!] === y[q]) {
        hits++;
        ap += hits / (i + 1);
      }
    }
    hitsWithinR = hits;
    queries++;
    p1 += y[order[0]!] === y[q] ? 1 : 0;
    rp += hitsWithinR / Math.min(depth, r);
    map += ap / r;
  }
  return { precisionAt1: p1 / queries, rPrecision: rp / queries, mapAtR: map / queries, queries };
}
