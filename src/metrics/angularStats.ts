import { MarginArgumentError, receivedText } from '../internal/errors';
import { classLabels, embeddingRows, type EmbeddingRows, type Matrix, normalizeRows, rowNorms } from './input';

/** Result of {@link angularStats}; angles in degrees. */
export interface AngularStats {
  /** Mean angle between an embedding and its class center. */
  meanIntraAngle: number;
  /** Smallest angle between two class centers. */
  minInterAngle: number;
  /** Mean angle between two class centers. */
  meanInterAngle: number;
  /** Mean L2 norm of the embeddings (what L-Softmax and SphereFace let grow, and NormFace fixes). */
  meanNorm: number;
  /** Per class present in `labels`: its size and mean angle to its center. */
  perClass: { label: number; count: number; meanAngle: number }[];
}

const DEGREES = 180 / Math.PI;

function angle(u: Float64Array, i: number, v: Float64Array, j: number, d: number): number {
  let dot = 0;
  for (let c = 0; c < d; c++) dot += u[i * d + c]! * v[j * d + c]!;
  return Math.acos(Math.min(1, Math.max(-1, dot))) * DEGREES;
}

/**
 * The geometry the margin papers argue about (Liu et al. 2017, SphereFace §3; Deng et al. 2019,
 * ArcFace §2.2): how tightly each class gathers around its center and how far apart the centers are,
 * measured by angles on the unit hypersphere.
 *
 * Class centers are the head's class weights when `kernel` is given — the `[D, C]` kernel of a margin
 * head or `normalizedDense` (`await head.getWeights()[0].array()`), column `c` for label `c` — and
 * otherwise the normalized mean of each class's normalized embeddings.
 *
 * @example
 * ```ts
 * const stats = metrics.angularStats([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]], [0, 0, 1, 1]);
 * console.log(stats.meanIntraAngle, stats.minInterAngle); // degrees: ~2.9 and ~90
 * ```
 */
export function angularStats(
  embeddings: EmbeddingRows,
  labels: ArrayLike<number>,
  kernel?: EmbeddingRows,
): AngularStats {
  const where = 'metrics.angularStats';
  const e = embeddingRows(where, 'embeddings', embeddings);
  const y = classLabels(where, 'labels', labels, e.rows);
  const norms = rowNorms(where, 'embeddings', e);
  const unit = normalizeRows(where, 'embeddings', e);
  const classes = Array.from(new Set(y)).sort((a, b) => a - b);
  if (classes.length < 2) {
    throw new MarginArgumentError(where, 'labels', 'at least two distinct classes', receivedText(`only label ${y[0]}`));
  }
  const d = e.cols;
  const slot = new Map(classes.map((c, i) => [c, i]));
  let centers: Matrix;
  if (kernel === undefined) {
    const sums = new Float64Array(classes.length * d);
    for (let i = 0; i < e.rows; i++) {
      const s = slot.get(y[i]!)!;
      for (let c = 0; c < d; c++) sums[s * d + c] = sums[s * d + c]! + unit.data[i * d + c]!;
    }
    centers = normalizeRows(where, 'embeddings', { data: sums, rows: classes.length, cols: d });
  } else {
    const k = embeddingRows(where, 'kernel', kernel);
    if (k.rows !== d) {
      throw new MarginArgumentError(
        where,
        'kernel',
        `a [${d}, C] kernel (D = ${d} rows)`,
        receivedText(`${k.rows} rows`),
      );
    }
    const maxLabel = classes[classes.length - 1]!;
    if (k.cols <= maxLabel) {
      throw new MarginArgumentError(
        where,
        'kernel',
        `at least ${maxLabel + 1} columns (one per label)`,
        receivedText(`${k.cols} columns`),
      );
    }
    const picked = new Float64Array(classes.length * d);
    classes.forEach((label, s) => {
      for (let c = 0; c < d; c++) picked[s * d + c] = k.data[c * k.cols + label]!;
    });
    centers = normalizeRows(where, 'kernel', { data: picked, rows: classes.length, cols: d });
  }
  const angleSum = new Float64Array(classes.length);
  const count = new Int32Array(classes.length);
  let intra = 0;
  for (let i = 0; i < e.rows; i++) {
    const s = slot.get(y[i]!)!;
    const a = angle(unit.data, i, centers.data, s, d);
    angleSum[s] = angleSum[s]! + a;
    count[s] = count[s]! + 1;
    intra += a;
  }
  let minInter = Infinity;
  let interSum = 0;
  let pairs = 0;
  for (let i = 0; i < classes.length; i++) {
    for (let j = i + 1; j < classes.length; j++) {
      const a = angle(centers.data, i, centers.data, j, d);
      minInter = Math.min(minInter, a);
      interSum += a;
      pairs++;
    }
  }
  let normSum = 0;
  for (const n of norms) normSum += n;
  return {
    meanIntraAngle: intra / e.rows,
    minInterAngle: minInter,
    meanInterAngle: interSum / pairs,
    meanNorm: normSum / e.rows,
    perClass: classes.map((label, s) => ({ label, count: count[s]!, meanAngle: angleSum[s]! / count[s]! })),
  };
}
