import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError, receivedText } from '../internal/errors';
import { MAX_BATCH_SIZE } from '../internal/limits';
import { integerAtLeast, knownKeys, optionalSeed } from '../internal/validate';
import { seededRandom } from './seededRandom';
import type { JsonValue } from '../checkpoint/trainingState';

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
  /**
   * A group per sample (e.g. the alphabet of each character, the source of each identity), the same
   * for every sample of a class. When given, each batch draws its classes from `groupsPerBatch`
   * groups (more where those hold fewer than `classesPerBatch` classes), so that a batch's negatives
   * are as close as the test's choices among classes of one group. Groups are picked so that every
   * class is still visited about equally often (a group of `n` classes with weight `n / min(n, k)`).
   * Default: no groups (classes from the whole set).
   */
  groups?: ArrayLike<number>;
  /** Groups each batch draws its classes from, when `groups` is given. Default `1`. */
  groupsPerBatch?: number;
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
  /**
   * The sampler's position between epochs (its random stream and every class's and group's queue
   * of what is left to visit), for `callbacks.checkpoint`'s `state`: a seeded sampler restored at an
   * epoch boundary gives the uninterrupted run's next epochs.
   */
  getTrainingState(): JsonValue;
  /** Restores a position read by `getTrainingState` (from a sampler built with the same labels and arguments). */
  setTrainingState(state: JsonValue): void;
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
 *
 * // Hard negatives: every batch's classes from one group (e.g. one alphabet of Omniglot).
 * const alphabet = [0, 0, 0, 0, 1, 1, 1]; // the group of each sample
 * const hard = data.classBalancedSampler(labels, { samplesPerClass: 2, classesPerBatch: 2, groups: alphabet, seed: 1 });
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
  knownKeys(where, 'args', args, [
    'samplesPerClass',
    'classesPerBatch',
    'batchesPerEpoch',
    'seed',
    'groups',
    'groupsPerBatch',
  ]);
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
  const stream = seed === null ? null : seededRandom(seed);
  const random = stream ?? Math.random;
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
  const grouped = args.groups === undefined ? null : groupClasses(where, args.groups, labels, classes, random, shuffle);
  const groupsPerBatch =
    args.groupsPerBatch === undefined ? 1 : integerAtLeast(where, 'groupsPerBatch', args.groupsPerBatch, 1);
  if (args.groupsPerBatch !== undefined && grouped === null) {
    throw new MarginArgumentError(where, 'groupsPerBatch', 'given only with groups', args.groupsPerBatch);
  }
  if (grouped !== null && groupsPerBatch > grouped.count) {
    throw new MarginArgumentError(
      where,
      'groupsPerBatch',
      `at most the number of groups (${grouped.count})`,
      groupsPerBatch,
    );
  }
  function* epoch(): Generator<Int32Array> {
    let order: number[] = [];
    for (let b = 0; b < batchesPerEpoch; b++) {
      let chosen: number[];
      if (grouped !== null) chosen = grouped.draw(k, groupsPerBatch);
      else {
        if (order.length < k) order = order.concat(shuffle(classes.filter((c) => !order.includes(c))));
        chosen = order.splice(0, k);
      }
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
  const restoring = 'data.classBalancedSampler.setTrainingState';
  const getTrainingState = (): JsonValue => ({
    random: stream === null ? null : stream.getTrainingState(),
    queues: Array.from(queues, ([c, q]) => [c, q.slice()]),
    groups: grouped === null ? null : grouped.getQueues(),
  });
  const setTrainingState = (state: JsonValue): void => {
    const s = (typeof state === 'object' && state !== null && !Array.isArray(state) ? state : {}) as {
      random?: JsonValue;
      queues?: unknown;
      groups?: unknown;
    };
    if (stream !== null) stream.setTrainingState(s.random ?? null);
    const saved = queueList(restoring, 'queues', s.queues, (c) => byClass.has(c));
    queues.clear();
    for (const [c, q] of saved) queues.set(c, q);
    if (grouped !== null) grouped.setQueues(queueList(restoring, 'groups', s.groups, () => true));
  };
  return { batchSize, batchesPerEpoch, epoch, batches, getTrainingState, setTrainingState };
}

/** A saved `[[key, [values…]], …]` list of queues, checked. */
function queueList(
  where: string,
  argument: string,
  value: unknown,
  known: (key: number) => boolean,
): [number, number[]][] {
  const ok =
    Array.isArray(value) &&
    value.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        Number.isInteger(e[0]) &&
        known(e[0] as number) &&
        Array.isArray(e[1]) &&
        (e[1] as unknown[]).every((v) => Number.isInteger(v)),
    );
  if (!ok) {
    throw new MarginArgumentError(
      where,
      argument,
      'the queues saved by getTrainingState of a sampler over the same labels',
      value,
    );
  }
  return (value as [number, number[]][]).map(([k, q]) => [k, q.slice()]);
}

/** Classes by group, and a draw of `k` classes from groups picked in proportion to their class counts. */
function groupClasses(
  where: string,
  groups: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number[],
  random: () => number,
  shuffle: <T>(a: T[]) => T[],
): {
  count: number;
  draw: (k: number, groupsPerBatch: number) => number[];
  getQueues: () => [number, number[]][];
  setQueues: (saved: [number, number[]][]) => void;
} {
  if (groups === null || typeof groups !== 'object' || typeof groups.length !== 'number') {
    throw new MarginArgumentError(where, 'groups', 'an array of integer group ids, one per sample', groups);
  }
  if (groups.length !== labels.length) {
    throw new MarginArgumentError(
      where,
      'groups',
      `one group id per sample (${labels.length})`,
      receivedText(`${groups.length} ids`),
    );
  }
  const groupOf = new Map<number, number>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0) {
      throw new MarginArgumentError(where, 'groups', 'integers >= 0', receivedText(`${String(g)} at index ${i}`));
    }
    const c = labels[i]!;
    const seen = groupOf.get(c);
    if (seen === undefined) groupOf.set(c, g);
    else if (seen !== g) {
      throw new MarginArgumentError(
        where,
        'groups',
        'the same group for every sample of a class',
        receivedText(`class ${c} in groups ${seen} and ${g} (index ${i})`),
      );
    }
  }
  const members = new Map<number, number[]>();
  for (const c of classes) {
    const g = groupOf.get(c)!;
    const list = members.get(g);
    if (list === undefined) members.set(g, [c]);
    else list.push(c);
  }
  const ids = Array.from(members.keys()).sort((a, b) => a - b);
  const queues = new Map(ids.map((g) => [g, shuffle(members.get(g)!.slice())]));
  const next = (g: number): number => {
    let q = queues.get(g)!;
    if (q.length === 0) {
      q = shuffle(members.get(g)!.slice());
      queues.set(g, q);
    }
    return q.pop()!;
  };
  /** One group among `candidates`, with probability proportional to `weight`. */
  const pick = (candidates: number[], weight: (g: number) => number): number => {
    const total = candidates.reduce((n, g) => n + weight(g), 0);
    let r = random() * total;
    for (const g of candidates) {
      r -= weight(g);
      if (r < 0) return g;
    }
    return candidates[candidates.length - 1]!;
  };
  const draw = (k: number, groupsPerBatch: number): number[] => {
    const chosen: number[] = [];
    let available = 0;
    while (chosen.length < groupsPerBatch || available < k) {
      // A pick visits min(n, k) of a group's n classes: weighting it n / min(n, k) visits every
      // class equally often; groups added to fill a batch come in proportion to their classes.
      const size = (g: number) => members.get(g)!.length;
      const weight = chosen.length === 0 ? (g: number) => size(g) / Math.min(size(g), k) : size;
      const g = pick(
        ids.filter((id) => !chosen.includes(id)),
        weight,
      );
      chosen.push(g);
      available += members.get(g)!.length;
    }
    // Round-robin over the chosen groups' queues: each group gives its next unvisited classes.
    const out = new Set<number>();
    for (let turn = 0; out.size < k; turn++) {
      const g = chosen[turn % chosen.length]!;
      if (members.get(g)!.every((c) => out.has(c))) continue;
      let c = next(g);
      while (out.has(c)) c = next(g);
      out.add(c);
    }
    return Array.from(out);
  };
  const getQueues = (): [number, number[]][] => Array.from(queues, ([g, q]) => [g, q.slice()]);
  const setQueues = (saved: [number, number[]][]): void => {
    queues.clear();
    for (const [g, q] of saved) queues.set(g, q);
  };
  return { count: ids.length, draw, getQueues, setQueues };
}
