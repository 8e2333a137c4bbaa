import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { pairMasks, type PairMasks } from '../internal/pairMasks';
import { booleanArg, positiveNumber } from '../internal/validate';
import { HeadInputs } from '../layers/headInputs';
import { canReadSync } from '../internal/syncRead';
import { checkLabelValues } from '../ops/validateLabels';
import { receivedText } from '../internal/errors';
import { pairMatrix, type PairDistance } from '../ops/pairwiseDistance';

/** Largest batch a pair loss takes: its `[N, N]` matrices then hold 16.8M entries (64 MiB each). */
export const MAX_PAIR_BATCH = 4096;

/** Labels may be any integers a float32 holds exactly (`[0, 2^24)`), as PML's tensors would. */
const LABEL_LIMIT = 2 ** 24;

/** What every metric loss reads from `(yTrue, yPred)`: the pair matrix and the label masks. */
export interface MetricBatch extends PairMasks {
  /** `[N, N]` distances or similarities (the gradient flows to the embeddings through it). */
  matrix: tf.Tensor2D;
  labels: tf.Tensor1D;
  /** The labels as read by the value checks, or `null` when they were not read. */
  hostLabels: ArrayLike<number> | null;
  n: number;
}

/** The `checkInputs` option every metric loss takes (default `true`). */
export function checkInputsArg(where: string, value: unknown): boolean {
  return booleanArg(where, 'checkInputs', value ?? true);
}

/** A temperature: finite, ≥ 1e-4 (below that `s / T` leaves float32's exponent range). */
export function temperatureArg(where: string, value: unknown): number {
  const t = positiveNumber(where, 'temperature', value);
  if (t < 1e-4) throw new MarginArgumentError(where, 'temperature', 'a finite number >= 1e-4', value);
  return t;
}

/** A number in `[lo, hi]`; `why` says what the range means. */
export function numberBetween(
  where: string,
  argument: string,
  value: unknown,
  lo: number,
  hi: number,
  why = '',
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new MarginArgumentError(where, argument, `a number in [${lo}, ${hi}]${why}`, value);
  }
  return value;
}

/**
 * Checks `(yTrue, yPred)` of a metric loss and builds its pair matrix and masks, inside the caller's
 * `tf.tidy`. `yPred`: float `[N, D]` embeddings, `1 ≤ N ≤ maxBatch`; `yTrue`: integer labels `[N]` or
 * `[N, 1]` (int32 or integer-valued float32). With `checkInputs` one synchronous read (skipped on
 * webgpu) rejects fractional or negative labels and NaN/Infinity embeddings.
 */
export function metricBatch(
  where: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  distance: PairDistance,
  checkInputs: boolean,
  maxBatch = MAX_PAIR_BATCH,
): MetricBatch {
  const inputs = new HeadInputs(where, LABEL_LIMIT);
  if (!(yPred instanceof tf.Tensor) || yPred.rank !== 2) {
    throw new MarginArgumentError(where, 'embeddings', 'a rank-2 tensor [N, D]', yPred);
  }
  const x = inputs.embeddings(yPred, yPred.shape[1]!);
  const n = x.shape[0];
  if (n > maxBatch) {
    throw new MarginArgumentError(
      where,
      'embeddings',
      `a batch of at most ${maxBatch} (its pair matrices grow as N²; split the batch)`,
      x,
    );
  }
  const labels = inputs.labels(yTrue, n);
  let hostLabels: ArrayLike<number> | null = null;
  if (checkInputs && canReadSync()) {
    const probe = metricProbe(x, yTrue);
    const values = probe.dataSync();
    probe.dispose();
    checkMetricProbe(where, values, n, () => x.dataSync());
    hostLabels = values.subarray(0, n);
  }
  const matrix = pairMatrix(x, distance);
  return { matrix, labels, hostLabels, n, ...pairMasks(labels) };
}

/** What the value checks read in one transfer: the labels, `Σ (x − x)` (NaN iff some entry is not finite), `min_i ‖x_i‖²`. */
function metricProbe(x: tf.Tensor2D, labels: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() =>
    tf.concat([
      tf.cast(tf.reshape(labels, [-1]), 'float32'),
      tf.reshape(tf.sum(tf.sub(x, x)), [1]),
      tf.reshape(tf.min(tf.sum(tf.square(x), 1)), [1]),
    ]),
  ) as tf.Tensor1D;
}

/** Throws on non-finite embeddings, a zero embedding (no direction to normalize) or bad labels. */
function checkMetricProbe(
  where: string,
  values: ArrayLike<number>,
  n: number,
  embeddings: () => ArrayLike<number>,
): void {
  if (Number.isNaN(values[n])) {
    const x = embeddings();
    const d = x.length / n;
    let i = 0;
    while (i < x.length && Number.isFinite(x[i])) i++;
    const at = i < x.length ? `${x[i]} at [${Math.floor(i / d)}, ${i % d}]` : 'NaN or Infinity';
    throw new MarginArgumentError(where, 'embeddings', 'finite values', receivedText(at));
  }
  if (values[n + 1] === 0) {
    const x = embeddings();
    const d = x.length / n;
    let row = 0;
    while (row < n && Array.from({ length: d }, (_, k) => x[row * d + k]).some((v) => v !== 0)) row++;
    throw new MarginArgumentError(
      where,
      'embeddings',
      'rows with a nonzero norm (a zero embedding has no direction to normalize)',
      receivedText(`a zero vector at row ${row}`),
    );
  }
  checkLabelValues(where, values, LABEL_LIMIT, n);
}

/**
 * Checks a metric loss's inputs asynchronously, on every backend (webgpu included, where the losses'
 * own synchronous checks are skipped): integer labels `[N]` or `[N, 1]` in `[0, 2^24)` and finite,
 * nonzero `[N, D]` embeddings. Rejects with the error the loss would throw.
 *
 * @example
 * ```ts
 * await losses.validateMetricInputs(tf.tensor1d([0, 1]), tf.tensor2d([[1, 0], [0, 0]])).catch((e: Error) =>
 *   console.log(e.message), // ... 'embeddings' must be rows with a nonzero norm ..., but received a zero vector at row 1.
 * );
 * ```
 * @param labels What the loss gets as `yTrue`.
 * @param embeddings What the loss gets as `yPred`.
 * @param where The name errors give, e.g. `losses.tripletMarginLoss`.
 */
export async function validateMetricInputs(
  labels: tf.Tensor,
  embeddings: tf.Tensor,
  where = 'losses.validateMetricInputs',
): Promise<void> {
  const inputs = new HeadInputs(where, LABEL_LIMIT);
  if (!(embeddings instanceof tf.Tensor) || embeddings.rank !== 2) {
    throw new MarginArgumentError(where, 'embeddings', 'a rank-2 tensor [N, D]', embeddings);
  }
  const x = inputs.embeddings(embeddings, embeddings.shape[1]!);
  const n = x.shape[0];
  const parsed = inputs.labels(labels, n);
  if (parsed !== labels) parsed.dispose();
  const probe = metricProbe(x, labels);
  try {
    const values = await probe.data();
    const data = values[n] !== values[n] || values[n + 1] === 0 ? await x.data() : new Float32Array(0);
    checkMetricProbe(where, values, n, () => data);
  } finally {
    probe.dispose();
    if (x !== embeddings) x.dispose();
  }
}

/**
 * `total / count` where `count > 0`, else 0 (PML's `AvgNonZeroReducer` once the sum and the count of
 * positive losses are known). The zero keeps the loss connected to the embeddings.
 */
export function meanOverCount(total: tf.Scalar, count: tf.Scalar): tf.Scalar {
  return tf.div(total, tf.maximum(count, 1));
}

/** A per-sample loss output: the batch loss `L` repeated `N` times (its mean is `L`). */
export function perSample(loss: tf.Scalar, n: number): tf.Tensor1D {
  return tf.mul(loss, tf.ones([n])) as tf.Tensor1D;
}

/**
 * 1 unless at most one positive and at most one negative pair are left, else 0: PML's generic pair
 * loss returns zero then (with all pairs this means "no pairs at all", since pairs come in twos).
 */
export function pairsPresent(positive: tf.Tensor2D, negative: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() =>
    tf.cast(tf.logicalOr(tf.greater(tf.sum(positive), 1), tf.greater(tf.sum(negative), 1)), 'float32'),
  ) as tf.Scalar;
}

/** 1 when the batch has at least one positive and one negative pair, else 0. */
export function bothPresent(positive: tf.Tensor2D, negative: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() =>
    tf.cast(tf.logicalAnd(tf.greater(tf.sum(positive), 0), tf.greater(tf.sum(negative), 0)), 'float32'),
  ) as tf.Scalar;
}
