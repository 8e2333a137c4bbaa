import { MarginArgumentError, receivedText } from '../internal/errors';
import { booleanArg, integerAtLeast } from '../internal/validate';
import {
  bothKinds,
  embeddingRows,
  type EmbeddingRows,
  type Matrix,
  meanStd,
  normalizeRows,
  optionsBag,
  pairFlags,
  type PairFlags,
} from './input';
import { roc } from './roc';

/** Options of {@link verification}. */
export interface VerificationOptions {
  /** Number of contiguous folds (scikit-learn's `KFold(n_splits, shuffle=False)`). Default `10`, as LFW. */
  folds?: number;
  /** `'cosine'` similarity (default) or `'euclidean'` distance. */
  distance?: 'cosine' | 'euclidean';
  /** L2-normalize embeddings before a euclidean distance (default `true`, as insightface). */
  normalize?: boolean;
  /** Target false accept rate for VAL (TAR). Default `1e-3`. */
  far?: number;
}

/** Result of {@link verification}. */
export interface VerificationResult {
  /** Held-out accuracy per fold. */
  foldAccuracies: number[];
  /** Mean and population standard deviation of the fold accuracies. */
  accuracy: { mean: number; std: number };
  /**
   * Best-accuracy threshold per fold, chosen on the other folds: "same" when cosine `>= threshold`,
   * or when euclidean distance `<= threshold`.
   */
  thresholds: number[];
  /**
   * VAL (TAR) at the target FAR: per fold, the threshold whose FAR on the other folds is at most
   * `far`, applied to the held-out fold. `mean`/`std` over folds with a same pair; `far` is the mean
   * held-out FAR over folds with a different pair.
   */
  val: { mean: number; std: number; far: number; target: number };
  /** AUC and EER of all pairs together (see {@link roc}). */
  auc: number;
  eer: number;
}

/** Pair scores, higher meaning "same": cosine, or negated euclidean distance. */
function pairScores(a: Matrix, b: Matrix, distance: 'cosine' | 'euclidean', normalize: boolean): Float64Array {
  const where = 'metrics.verification';
  const an = distance === 'cosine' || normalize ? normalizeRows(where, 'embeddingsA', a) : a;
  const bn = distance === 'cosine' || normalize ? normalizeRows(where, 'embeddingsB', b) : b;
  const d = a.cols;
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const x = an.data[i * d + c]!;
      const y = bn.data[i * d + c]!;
      s += distance === 'cosine' ? x * y : (x - y) ** 2;
    }
    out[i] = distance === 'cosine' ? s : -Math.sqrt(s);
  }
  return out;
}

/** Candidate thresholds of a training split: below all, between distinct scores, above all. */
interface Sweep {
  thresholds: number[];
  /** Same pairs with score `>=` each threshold. */
  truePositives: number[];
  /** Different pairs with score `>=` each threshold. */
  falsePositives: number[];
  positives: number;
  negatives: number;
}

function sweep(scores: Float64Array, flags: Uint8Array, members: number[]): Sweep {
  const order = members.slice().sort((i, j) => scores[i]! - scores[j]!);
  let positives = 0;
  for (const i of order) positives += flags[i]!;
  const negatives = order.length - positives;
  const thresholds = [-Infinity];
  const truePositives = [positives];
  const falsePositives = [negatives];
  let tp = positives;
  let fp = negatives;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (flags[i] === 1) tp--;
    else fp--;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    thresholds.push(next === undefined ? Infinity : (scores[i]! + scores[next]!) / 2);
    truePositives.push(tp);
    falsePositives.push(fp);
  }
  return { thresholds, truePositives, falsePositives, positives, negatives };
}

/**
 * Face-verification accuracy by the LFW protocol (Huang et al. 2007; as insightface's `evaluate`):
 * pairs `(embeddingsA[i], embeddingsB[i])` with `isSame[i]` are split into `folds` contiguous folds;
 * for each fold the threshold of best accuracy on the other folds is applied to it. Reports the mean
 * and standard deviation of the held-out accuracies, the thresholds, and VAL (TAR) at FAR = `far`
 * (default `1e-3`) chosen the same way (threshold from the other folds, rates on the held-out one).
 * Ties between thresholds of equal training accuracy go to the lowest (most permissive) one.
 *
 * @example
 * ```ts
 * const a = [[1, 0], [0, 1], [1, 0], [0, 1]];
 * const b = [[0.9, 0.1], [0.1, 0.9], [0, 1], [1, 0]];
 * const result = metrics.verification(a, b, [true, true, false, false], { folds: 2 });
 * console.log(result.accuracy.mean, result.auc); // 1 1
 * ```
 */
export function verification(
  embeddingsA: EmbeddingRows,
  embeddingsB: EmbeddingRows,
  isSame: PairFlags,
  options?: VerificationOptions,
): VerificationResult {
  const where = 'metrics.verification';
  const o = optionsBag(where, options, ['folds', 'distance', 'normalize', 'far']);
  const a = embeddingRows(where, 'embeddingsA', embeddingsA);
  const b = embeddingRows(where, 'embeddingsB', embeddingsB);
  if (b.rows !== a.rows || b.cols !== a.cols) {
    throw new MarginArgumentError(
      where,
      'embeddingsB',
      `${a.rows} rows of length ${a.cols} (as embeddingsA)`,
      receivedText(`${b.rows} rows of length ${b.cols}`),
    );
  }
  const flags = pairFlags(where, 'isSame', isSame, a.rows);
  bothKinds(where, 'isSame', flags);
  const folds = integerAtLeast(where, 'folds', o['folds'] ?? 10, 2);
  if (folds > a.rows) throw new MarginArgumentError(where, 'folds', `at most the number of pairs (${a.rows})`, folds);
  const distance = o['distance'] ?? 'cosine';
  if (distance !== 'cosine' && distance !== 'euclidean') {
    throw new MarginArgumentError(where, 'distance', "'cosine' or 'euclidean'", distance);
  }
  const normalize = booleanArg(where, 'normalize', o['normalize'] ?? true);
  const farTarget = o['far'] ?? 1e-3;
  if (typeof farTarget !== 'number' || !(farTarget >= 0 && farTarget <= 1)) {
    throw new MarginArgumentError(where, 'far', 'a number in [0, 1]', farTarget);
  }
  const scores = pairScores(a, b, distance, normalize);
  const sign = distance === 'cosine' ? 1 : -1;

  const n = a.rows;
  const foldAccuracies: number[] = [];
  const thresholds: number[] = [];
  const vals: number[] = [];
  const fars: number[] = [];
  let start = 0;
  for (let k = 0; k < folds; k++) {
    const size = Math.floor(n / folds) + (k < n % folds ? 1 : 0);
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (i >= start && i < start + size ? test : train).push(i);
    start += size;
    const s = sweep(scores, flags, train);
    let best = 0;
    let bestCorrect = -1;
    let valAt = -1;
    for (let t = 0; t < s.thresholds.length; t++) {
      const correct = s.truePositives[t]! + (s.negatives - s.falsePositives[t]!);
      if (correct > bestCorrect) {
        bestCorrect = correct;
        best = t;
      }
      const trainFar = s.negatives === 0 ? 0 : s.falsePositives[t]! / s.negatives;
      // FAR falls as the threshold rises; the last threshold accepts nothing, so one always qualifies.
      if (valAt < 0 && trainFar <= farTarget) valAt = t;
    }
    const threshold = s.thresholds[best]!;
    const valThreshold = s.thresholds[valAt]!;
    let correct = 0;
    let tp = 0;
    let fp = 0;
    let positives = 0;
    for (const i of test) {
      const same = flags[i] === 1;
      if (scores[i]! >= threshold === same) correct++;
      if (same) {
        positives++;
        if (scores[i]! >= valThreshold) tp++;
      } else if (scores[i]! >= valThreshold) fp++;
    }
    foldAccuracies.push(correct / test.length);
    thresholds.push(sign * threshold);
    if (positives > 0) vals.push(tp / positives);
    if (test.length - positives > 0) fars.push(fp / (test.length - positives));
  }
  const curve = roc(scores, flags);
  const valStats = vals.length > 0 ? meanStd(vals) : { mean: 0, std: 0 };
  return {
    foldAccuracies,
    accuracy: meanStd(foldAccuracies),
    thresholds,
    val: { ...valStats, far: fars.length > 0 ? meanStd(fars).mean : 0, target: farTarget },
    auc: curve.auc,
    eer: curve.eer,
  };
}
