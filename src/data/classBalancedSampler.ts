import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError, receivedText } from '../internal/errors';
import { MAX_BATCH_SIZE } from '../internal/limits';
import { integerAtLeast, knownKeys, optionalSeed } from '../internal/validate';
import { seededRandom } from './seededRandom';

/** Arguments of {@link classBalancedSampler}. */
export interface ClassBalancedSamplerArgs {
  /** `m`: samples drawn per class in each batch. Default `4`. */
  samplesPerClass?: number;
  /** Classes per batch; the batch size is `classesPerBatch × samplesPerClass`. Default: all classes. */
  classesPerBatch?: number;
  /** Batches per epoch. Default: about one pass over the data, `⌈N / batch size⌉`. */
  batchesPerEpoch?: number;
  /** Seed of the sampler's own generator, for reproducible batches. Default: random. */
  seed?: number;
}

/** Index batches and, for `tf.data.generator`, tensor batches. */
export interface ClassBalancedSampler {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** One epoch of batches of row indices into the labels. */
  epoch(): Generator<Int32Array>;
  /**
   * One epoch of `{xs, ys}` batches gathered from `x` (rows indexed like the labels) and `y`, to
   * hand to `model.fitDataset(tf.data.generator(() => sampler.batches(x, y)), ...)`.
   */
  batches(
    x: tf.Tensor | tf.Tensor[],
    y: tf.Tensor | tf.Tensor[],
  ): Generator<{ xs: tf.Tensor | tf.Tensor[]; ys: tf.Tensor | tf.Tensor[] }>;
}

/**
 * The "m samples per class" batch sampler of metric learning (pytorch-metric-learning's
 * `MPerClassSampler`): every batch holds `classesPerBatch` distinct classes with `samplesPerClass`
 * samples each, drawn without replacement within a class until it runs out (then reshuffled), so
 * every batch has positives for every class in it — what pair-based losses and small-batch margin
 * training need.
 *
 * @example
 * ```ts
 * const labels = [0, 0, 1, 1, 2, 2, 2];
 * const sampler = data.classBalancedSampler(labels, { samplesPerClass: 2, classesPerBatch: 2, seed: 1 });
 * for (const batch of sampler.epoch()) console.log(Array.from(batch)); // 2 classes × 2 indices per batch
 * ```
 */
export function classBalancedSampler(
  labels: ArrayLike<number>,
  args: ClassBalancedSamplerArgs = {},
): ClassBalancedSampler {
  const where = 'data.classBalancedSampler';
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number' || labels.length === 0) {
    throw new MarginArgumentError(where, 'labels', 'a non-empty array of integer labels', labels);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new MarginArgumentError(where, 'labels', 'integers >= 0', receivedText(`${String(v)} at index ${i}`));
    }
    const members = byClass.get(v);
    if (members === undefined) byClass.set(v, [i]);
    else members.push(i);
  }
  const classes = Array.from(byClass.keys()).sort((a, b) => a - b);
  knownKeys(where, 'args', args, ['samplesPerClass', 'classesPerBatch', 'batchesPerEpoch', 'seed']);
  const m = integerAtLeast(where, 'samplesPerClass', args.samplesPerClass ?? 4, 1);
  const k = integerAtLeast(where, 'classesPerBatch', args.classesPerBatch ?? classes.length, 1);
  if (k > classes.length) {
    throw new MarginArgumentError(where, 'classesPerBatch', `at most the number of classes (${classes.length})`, k);
  }
  const batchSize = k * m;
  if (batchSize > MAX_BATCH_SIZE) {
    throw new MarginArgumentError(
      where,
      'samplesPerClass',
      `at most ${Math.floor(MAX_BATCH_SIZE / k)} with ${k} classes per batch (a batch holds at most ${MAX_BATCH_SIZE} indices)`,
      m,
    );
  }
  const batchesPerEpoch = integerAtLeast(
    where,
    'batchesPerEpoch',
    args.batchesPerEpoch ?? Math.ceil(labels.length / batchSize),
    1,
  );
  const seed = optionalSeed(where, args.seed);
  const random = seed === null ? Math.random : seededRandom(seed);
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const queues = new Map(classes.map((c) => [c, shuffle(byClass.get(c)!.slice())]));
  const take = (c: number): number => {
    let q = queues.get(c)!;
    if (q.length === 0) {
      q = shuffle(byClass.get(c)!.slice());
      queues.set(c, q);
    }
    return q.pop()!;
  };
  function* epoch(): Generator<Int32Array> {
    let order: number[] = [];
    for (let b = 0; b < batchesPerEpoch; b++) {
      if (order.length < k) order = order.concat(shuffle(classes.filter((c) => !order.includes(c))));
      const chosen = order.splice(0, k);
      const batch = new Int32Array(batchSize);
      chosen.forEach((c, i) => {
        for (let j = 0; j < m; j++) batch[i * m + j] = take(c);
      });
      yield batch;
    }
  }
  function* batches(x: tf.Tensor | tf.Tensor[], y: tf.Tensor | tf.Tensor[]) {
    const pick = (t: tf.Tensor | tf.Tensor[], idx: tf.Tensor1D) =>
      Array.isArray(t) ? t.map((u) => tf.gather(u, idx)) : tf.gather(t, idx);
    for (const indices of epoch()) {
      const idx = tf.tensor1d(indices, 'int32');
      const out = { xs: pick(x, idx), ys: pick(y, idx) };
      idx.dispose();
      yield out;
    }
  }
  return { batchSize, batchesPerEpoch, epoch, batches };
}
