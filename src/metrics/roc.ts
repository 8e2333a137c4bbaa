import { MarginArgumentError } from '../internal/errors';
import { bothKinds, finiteValues, pairFlags, type PairFlags } from './input';

/** A receiver operating characteristic, one point per distinct score. */
export interface RocCurve {
  /** False-positive rate at each threshold (non-decreasing, from 0 to 1). */
  fpr: Float64Array;
  /** True-positive rate (TAR, the "verification rate") at each threshold. */
  tpr: Float64Array;
  /** Thresholds in decreasing order: a pair is "same" when its score is `>= threshold`. The first is `Infinity`. */
  thresholds: Float64Array;
  /** Area under the curve (trapezoidal; ties count one half, as `sklearn.metrics.roc_auc_score`). */
  auc: number;
  /** Equal error rate: where the curve, linear between its points, crosses `fpr = 1 − tpr`. */
  eer: number;
}

/** Validated scores and flags; scores sorted in decreasing order. */
interface Sorted {
  scores: Float64Array;
  flags: Uint8Array;
  positives: number;
  negatives: number;
}

function sortPairs(where: string, scores: unknown, isSame: unknown): Sorted {
  const s = finiteValues(where, 'scores', scores);
  const f = pairFlags(where, 'isSame', isSame, s.length);
  const { positives, negatives } = bothKinds(where, 'isSame', f);
  const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!);
  return {
    scores: Float64Array.from(order, (i) => s[i]!),
    flags: Uint8Array.from(order, (i) => f[i]!),
    positives,
    negatives,
  };
}

/**
 * The ROC curve of a verification score: higher scores mean "more likely the same identity"
 * (a cosine similarity, or a negated distance). Points are taken at every distinct score, as
 * scikit-learn's `roc_curve(..., drop_intermediate=False)`, with a first point `(0, 0)` at threshold
 * `Infinity`. Also returns the AUC (`roc_auc_score`) and the equal error rate.
 *
 * Throws `MarginArgumentError` for a length mismatch, non-finite scores, or flags that are all the
 * same (the rates are then undefined — scikit-learn also refuses).
 *
 * @example
 * ```ts
 * const curve = metrics.roc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]);
 * console.log(curve.auc, curve.eer); // 1 0
 * ```
 */
export function roc(scores: ArrayLike<number>, isSame: PairFlags): RocCurve {
  const where = 'metrics.roc';
  const p = sortPairs(where, scores, isSame);
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thresholds: number[] = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < p.scores.length; i++) {
    if (p.flags[i] === 1) tp++;
    else fp++;
    // One point per distinct score: a tie moves the curve diagonally.
    if (i === p.scores.length - 1 || p.scores[i + 1] !== p.scores[i]) {
      fpr.push(fp / p.negatives);
      tpr.push(tp / p.positives);
      thresholds.push(p.scores[i]!);
    }
  }
  let auc = 0;
  for (let i = 1; i < fpr.length; i++) auc += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    thresholds: Float64Array.from(thresholds),
    auc,
    eer: equalErrorRate(fpr, tpr),
  };
}

/** The `fpr` where `fpr − (1 − tpr)` changes sign, interpolated linearly along the curve. */
function equalErrorRate(fpr: readonly number[], tpr: readonly number[]): number {
  for (let i = 1; i < fpr.length; i++) {
    const before = fpr[i - 1]! - (1 - tpr[i - 1]!);
    const after = fpr[i]! - (1 - tpr[i]!);
    if (after >= 0) {
      const t = after === before ? 0 : -before / (after - before);
      return fpr[i - 1]! + t * (fpr[i]! - fpr[i - 1]!);
    }
  }
  return 1;
}

/** The operating point chosen for a target false accept rate. */
export interface TarAtFar {
  /** True accept rate at the chosen threshold. */
  tar: number;
  /** False accept rate actually reached (`<=` the target). */
  far: number;
  /** The threshold: "same" when `score >= threshold` (`Infinity` when no threshold keeps FAR low enough). */
  threshold: number;
}

/**
 * True accept rate (TAR, a.k.a. VAL or verification rate) at a target false accept rate: the
 * highest TAR over the ROC points whose FAR is at most `far` — no interpolation, so it is a rate a
 * real threshold achieves — at the highest threshold (lowest FAR) reaching it. Higher scores mean "same".
 *
 * @example
 * ```ts
 * const { tar, threshold } = metrics.tarAtFar([0.9, 0.8, 0.6, 0.3], [1, 0, 1, 0], 0);
 * console.log(tar, threshold); // 0.5 0.9
 * ```
 */
export function tarAtFar(scores: ArrayLike<number>, isSame: PairFlags, far: number): TarAtFar {
  if (typeof far !== 'number' || !(far >= 0 && far <= 1)) {
    throw new MarginArgumentError('metrics.tarAtFar', 'far', 'a number in [0, 1]', far);
  }
  const p = sortPairs('metrics.tarAtFar', scores, isSame);
  let best: TarAtFar = { tar: 0, far: 0, threshold: Infinity };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < p.scores.length; i++) {
    if (p.flags[i] === 1) tp++;
    else fp++;
    if (i === p.scores.length - 1 || p.scores[i + 1] !== p.scores[i]) {
      if (fp / p.negatives > far) break;
      // Only a strictly higher TAR moves on: of equal TARs the highest threshold has the lowest FAR.
      if (tp / p.positives > best.tar) best = { tar: tp / p.positives, far: fp / p.negatives, threshold: p.scores[i]! };
    }
  }
  return best;
}
