import * as tf from '@tensorflow/tfjs-core';
import { labelLoss } from './labelTargets';
import { withCustomGrad } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import type { PairMasks } from '../internal/pairMasks';
import { constantOf } from '../internal/stopGradient';
import type { LossFunction } from '../internal/types';
import { knownKeys } from '../internal/validate';
import { batchHardIndices, farness } from '../miners/batchHard';
import { tripletMarginArg } from '../miners/semiHard';
import { canReadSync } from '../internal/syncRead';
import { distanceArg, type PairDistance } from '../ops/pairwiseDistance';
import { checkInputsArg, meanOverCount, metricBatch, perSample } from './metricBatch';

/** How {@link tripletMarginLoss} picks its triplets. */
export type TripletMining = 'all' | 'batchHard' | 'semiHard';

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginLossOptions {
  /** The loss's margin `m`. Default `0.05` (PML's). */
  margin?: number;
  /** Default `'euclidean'` (between normalized embeddings). */
  distance?: PairDistance;
  /** Default `'all'`: every valid triplet. */
  mining?: TripletMining;
  /** The semi-hard miner's margin (only with `mining: 'semiHard'`). Default `0.2`. */
  minerMargin?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
  /**
   * The most elements of one `[rows, k, N]` anchor block of the `'all'` and `'semiHard'` passes: their
   * working memory beyond `O(N²)`. A smaller budget means more, smaller blocks; the value is the same.
   * Default `2^24` (16M floats, 64 MiB); below `k·N` each block holds one anchor.
   */
  blockElements?: number;
}

/** Default elements of one `[rows, k, N]` block of the all-triplets pass (16M floats, 64 MiB). */
const BLOCK_ELEMENTS = 2 ** 24;

/** `2^-k ≥ 1/N²`: a power of two, so scaling by it is exact in float32. */
function tripletScale(n: number): number {
  return 2 ** -Math.ceil(Math.log2(n * n));
}

/** Each anchor's positives as a padded list: `index` `[N, k]` int32, `valid` `[N, k]` 0/1. */
interface PositiveLists {
  index: tf.Tensor2D;
  valid: tf.Tensor2D;
}

/**
 * The positives of every anchor, `k` = the most any anchor has, from labels read on the host: an
 * m-per-class batch has `k = m − 1`, so the triplet pass costs `N·k·N`, not `N³`. Without host labels
 * (webgpu, where reads are async) every column is listed and the positive mask marks the valid ones.
 */
function positiveLists(labels: ArrayLike<number> | null, masks: PairMasks): PositiveLists {
  const n = masks.positive.shape[0];
  if (labels === null) {
    return tf.tidy(() => ({
      index: tf.tile(tf.expandDims(tf.range(0, n, 1, 'int32'), 0), [n, 1]) as tf.Tensor2D,
      valid: tf.clone(masks.positive),
    }));
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = members.get(labels[i]!);
    if (list === undefined) members.set(labels[i]!, [i]);
    else list.push(i);
  }
  const k = Math.max(1, ...Array.from(members.values(), (m) => m.length - 1));
  const index = new Int32Array(n * k);
  const valid = new Float32Array(n * k);
  for (let a = 0; a < n; a++) {
    let j = 0;
    for (const p of members.get(labels[a]!)!) {
      if (p === a) continue;
      index[a * k + j] = p;
      valid[a * k + j] = 1;
      j++;
    }
    for (; j < k; j++) index[a * k + j] = a;
  }
  return { index: tf.tensor2d(index, [n, k], 'int32'), valid: tf.tensor2d(valid, [n, k]) };
}

/**
 * `Σ relu(v)` over the selected triplets `v = far_ap − far_an + m > 0`, with their count, by anchor
 * blocks of `[rows, k, N]` (`k` positives per anchor), and the gradient with respect to the farness
 * matrix: the memory stays `O(N²)` plus one block, where autodiff would keep every block for the
 * backward pass.
 */
function tripletSum(
  far: tf.Tensor2D,
  masks: PairMasks,
  positives: PositiveLists,
  margin: number,
  minerMargin: number | null,
  blockElements: number,
) {
  return tf.tidy(() => {
    const n = far.shape[0];
    const k = positives.index.shape[1];
    const rows = Math.max(1, Math.floor(blockElements / (k * n)));
    const scale = tripletScale(n);
    let total: tf.Tensor = tf.scalar(0);
    let count: tf.Tensor = tf.scalar(0);
    const grads: tf.Tensor[] = [];
    for (let a0 = 0; a0 < n; a0 += rows) {
      const r = Math.min(n, a0 + rows) - a0;
      const step = tf.tidy(() => {
        const farRows = tf.slice(far, [a0, 0], [r, n]);
        // onehot[a, j, :] picks anchor a's j-th positive; far_ap = onehot · far_a.
        const onehot = tf.cast(tf.oneHot(tf.slice(positives.index, [a0, 0], [r, k]), n), 'float32') as tf.Tensor3D;
        const ap = tf.matMul(onehot, tf.expandDims(farRows, 2) as tf.Tensor3D);
        const an = tf.expandDims(farRows, 1);
        // v[a, j, n] = far_ap − far_an + m
        const v = tf.add(tf.sub(ap, an), margin);
        const validPos = tf.expandDims(tf.slice(positives.valid, [a0, 0], [r, k]), 2);
        let selected: tf.Tensor = tf.mul(validPos, tf.expandDims(tf.slice(masks.negative, [a0, 0], [r, n]), 1));
        if (minerMargin !== null) {
          // PML's semi-hard triplets: 0 < far_an − far_ap ≤ minerMargin.
          const tm = tf.sub(an, ap);
          selected = tf.mul(
            selected,
            tf.cast(tf.logicalAnd(tf.greater(tm, 0), tf.lessEqual(tm, minerMargin)), 'float32'),
          );
        }
        const active = tf.mul(selected, tf.cast(tf.greater(v, 0), 'float32'));
        const perPositive = tf.sum(active, 2);
        // Sums over n first (each at most N·(2 + m)), then scaled by 2^-k ≈ 1/N²: the running total
        // and count stay small enough for half-float textures (WebGL f16 overflows at 65504).
        return {
          total: tf.sum(tf.mul(tf.sum(tf.mul(v, active), 2), scale)),
          count: tf.sum(tf.mul(perPositive, scale)),
          // ∂/∂far_ap = Σ_n active (scattered back to column p), ∂/∂far_an = −Σ_p active.
          grad: tf.sub(
            tf.squeeze(tf.matMul(tf.expandDims(perPositive, 1) as tf.Tensor3D, onehot), [1]),
            tf.sum(active, 1),
          ),
        };
      });
      total = tf.add(total, step.total);
      count = tf.add(count, step.count);
      grads.push(step.grad);
    }
    return { total: total as tf.Scalar, count: count as tf.Scalar, grad: tf.concat(grads, 0) as tf.Tensor2D };
  });
}

/** The mean of the positive triplet losses over anchor blocks, as a function of the farness matrix. */
function blockedTripletLoss(
  far: tf.Tensor2D,
  masks: PairMasks,
  positives: PositiveLists,
  margin: number,
  minerMargin: number | null,
  blockElements: number,
): tf.Scalar {
  const f = withCustomGrad(([x], save) => {
    const { total, count, grad } = tripletSum(x as tf.Tensor2D, masks, positives, margin, minerMargin, blockElements);
    // count > 0 means at least one triplet, i.e. a scaled count of at least 2^-k.
    const divisor = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
    const value = tf.div(total, divisor);
    // The count is scaled like the total: the gradient is (1/count) × the row sums.
    const g = tf.div(tf.mul(grad, tripletScale(x!.shape[0]!)), divisor);
    save([g]);
    tf.dispose([total, count, grad, divisor, g]);
    return { value, gradFunc: (dy, [saved]) => [tf.mul(dy, saved!)] };
  });
  return f(far) as tf.Scalar;
}

/** One triplet per anchor: its farthest positive, its nearest negative (autodiff through one-hots). */
function batchHardLoss(far: tf.Tensor2D, masks: PairMasks, margin: number): tf.Scalar {
  return tf.tidy(() => {
    const n = far.shape[0];
    const { positives, negatives, valid } = batchHardIndices(far, masks);
    const ap = tf.sum(tf.mul(far, tf.cast(tf.oneHot(positives, n), 'float32')), 1);
    const an = tf.sum(tf.mul(far, tf.cast(tf.oneHot(negatives, n), 'float32')), 1);
    const v = tf.add(tf.sub(ap, an), margin);
    const active = tf.mul(
      valid,
      constantOf(v, (u) => tf.cast(tf.greater(u, 0), 'float32')),
    );
    return meanOverCount(tf.sum(tf.mul(v, active)), tf.sum(active));
  });
}

function miningArg(where: string, value: unknown): TripletMining {
  const m = value ?? 'all';
  if (m !== 'all' && m !== 'batchHard' && m !== 'semiHard') {
    throw new MarginArgumentError(where, 'mining', "'all', 'batchHard' or 'semiHard'", m);
  }
  return m;
}

/**
 * The triplet margin loss (Schroff et al. 2015, "FaceNet"), with pytorch-metric-learning 2.9's
 * `TripletMarginLoss` semantics: over triplets `(a, p, n)` (`a, p` same label, `a ≠ p`; `n` another
 * label), `L_apn = relu(d_ap − d_an + m)` (cosine: `relu(s_an − s_ap + m)`), averaged over the triplets
 * whose loss is positive; 0 when there are none.
 *
 * Mining: `'all'` every triplet; `'batchHard'` (Hermans et al. 2017) one per anchor that has a positive
 * and a negative, its farthest positive and nearest negative; `'semiHard'` PML's
 * `TripletMarginMiner(minerMargin, 'semihard')`: the triplets with `0 < d_an − d_ap ≤ minerMargin`.
 *
 * Compile-ready for a model that outputs embeddings `[N, D]`, with integer labels as targets. Returns
 * `[N]` values equal to the batch loss (their mean is the loss). `N ≤ 4096`. `'all'` and
 * `'semiHard'` cost `N·k·N` (`k`: the most positives an anchor has, `m − 1` in an m-per-class batch),
 * in anchor blocks with an analytic gradient: `O(N²)` memory.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4] })] });
 * model.compile({ optimizer: 'adam', loss: losses.tripletMarginLoss({ margin: 0.1, mining: 'batchHard' }) });
 * const labels = tf.tensor1d([0, 0, 1, 1, 2, 2], 'int32');
 * await model.fit(tf.randomNormal([6, 4]), labels, { epochs: 1, batchSize: 6, verbose: 0 });
 * ```
 */
export function tripletMarginLoss(options: TripletMarginLossOptions = {}): LossFunction {
  const where = 'losses.tripletMarginLoss';
  knownKeys(where, 'options', options, ['margin', 'distance', 'mining', 'minerMargin', 'checkInputs', 'blockElements']);
  const margin = tripletMarginArg(where, 'margin', options.margin ?? 0.05);
  const distance = distanceArg(where, options.distance);
  const mining = miningArg(where, options.mining);
  const minerMargin = tripletMarginArg(where, 'minerMargin', options.minerMargin ?? 0.2);
  if (options.minerMargin !== undefined && mining !== 'semiHard') {
    throw new MarginArgumentError(where, 'minerMargin', "used only with mining: 'semiHard'", options.minerMargin);
  }
  const checkInputs = checkInputsArg(where, options.checkInputs);
  const blockElements = options.blockElements ?? BLOCK_ELEMENTS;
  if (!Number.isInteger(blockElements) || blockElements < 1) {
    throw new MarginArgumentError(where, 'blockElements', 'a positive integer', options.blockElements);
  }
  if (options.blockElements !== undefined && mining === 'batchHard') {
    throw new MarginArgumentError(
      where,
      'blockElements',
      "used only with mining 'all' or 'semiHard'",
      options.blockElements,
    );
  }
  return labelLoss((yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const batch = metricBatch(where, yTrue, yPred, distance, checkInputs);
      const far = farness(batch.matrix, distance);
      const loss =
        mining === 'batchHard'
          ? batchHardLoss(far, batch, margin)
          : blockedTripletLoss(
              far,
              batch,
              positiveLists(batch.hostLabels ?? (canReadSync() ? batch.labels.dataSync() : null), batch),
              margin,
              mining === 'semiHard' ? minerMargin : null,
              blockElements,
            );
      return perSample(loss, batch.n);
    }),
  );
}
