import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type JsonValue, stateNumber } from '../checkpoint/trainingState';
import { MarginArgumentError } from '../internal/errors';
import { MAX_LEARNING_RATE } from '../internal/limits';
import { integerAtLeast, knownKeys, positiveNumber, positiveNumberAtMost } from '../internal/validate';
import { stepsOfFit } from './trainingSteps';

/** A learning rate as a function of the optimizer step (0-based) and the total number of steps. */
export type LearningRateSchedule = (step: number, totalSteps: number) => number;

/** Arguments of {@link LearningRateScheduler}. */
export interface LearningRateSchedulerArgs {
  /** The schedule. */
  schedule: LearningRateSchedule;
  /** Total optimizer steps the schedule spans. Default: `epochs × steps per epoch` of the `fit` call. */
  totalSteps?: number;
}

interface SettableRate {
  learningRate?: unknown;
  setLearningRate?: (lr: number) => void;
}

/** Sets an optimizer's learning rate: `setLearningRate` where it exists (SGD, momentum), else the field every tfjs optimizer reads per step.
 *
 * @example
 * ```ts
 * const optimizer = tf.train.adam(1e-3);
 * callbacks.setLearningRate(optimizer, 5e-4); // what the schedules call before every batch
 * ```
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as SettableRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else if (typeof o.learningRate === 'number') o.learningRate = lr;
  else {
    throw new MarginArgumentError(
      'callbacks.LearningRateScheduler',
      'optimizer',
      'a tfjs optimizer with a numeric learningRate (sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta)',
      optimizer.getClassName(),
    );
  }
}

/**
 * Sets the optimizer's learning rate before every batch of `model.fit` from a schedule of the step
 * count, which carries over between `fit` calls (call {@link reset} to start again). tfjs has no
 * schedulers of its own. The current rate is added to each batch's and epoch's logs as `lr`.
 */
export class LearningRateScheduler extends tfl.Callback {
  readonly schedule: LearningRateSchedule;
  readonly totalSteps: number | null;
  private step = 0;
  private total = 0;
  private current = NaN;
  /** The span restored from a checkpoint, used by the next `fit` instead of recounting it. */
  private restoredTotal: number | null = null;

  constructor(args: LearningRateSchedulerArgs) {
    super();
    knownKeys('callbacks.LearningRateScheduler', 'args', args, ['schedule', 'totalSteps']);
    if (typeof args?.schedule !== 'function') {
      throw new MarginArgumentError(
        'callbacks.LearningRateScheduler',
        'schedule',
        'a function (step, totalSteps) => learning rate',
        args?.schedule,
      );
    }
    this.schedule = args.schedule;
    this.totalSteps =
      args.totalSteps === undefined
        ? null
        : integerAtLeast('callbacks.LearningRateScheduler', 'totalSteps', args.totalSteps, 1);
  }

  /** The optimizer steps taken under this scheduler. */
  get steps(): number {
    return this.step;
  }

  /** The learning rate set for the latest step (`NaN` before training). */
  get learningRate(): number {
    return this.current;
  }

  /** Starts the schedule again from step 0. */
  reset(): void {
    this.step = 0;
    this.restoredTotal = null;
  }

  /** `{ step, total }`: the schedule's position and span, for a checkpoint (see `callbacks.checkpoint`). */
  getTrainingState(): JsonValue {
    return { step: this.step, total: this.total };
  }

  /**
   * Restores a position read by {@link getTrainingState}; the next `fit` keeps the saved span, so a
   * resumed run (`initialEpoch`, or the rest of an epoch) follows the uninterrupted run's curve.
   */
  setTrainingState(state: JsonValue): void {
    const where = 'LearningRateScheduler.setTrainingState';
    this.step = integerAtLeast(where, 'step', stateNumber(where, state, 'step'), 0);
    const total = integerAtLeast(where, 'total', stateNumber(where, state, 'total'), 0);
    this.total = total;
    this.restoredTotal = total > 0 ? total : null;
  }

  /** Called by tfjs when `fit` starts. */
  override async onTrainBegin(): Promise<void> {
    const fit = stepsOfFit(this.params);
    const restored = this.restoredTotal;
    this.restoredTotal = null;
    const total = this.totalSteps ?? restored ?? (fit === null ? null : this.step + fit.total);
    if (total === null) {
      throw new MarginArgumentError(
        'callbacks.LearningRateScheduler',
        'totalSteps',
        'given when fit does not tell the number of steps (fitDataset without batchesPerEpoch)',
        this.totalSteps,
      );
    }
    this.total = total;
  }

  /** Called by tfjs before each batch. */
  override async onBatchBegin(_batch: number, logs?: tfl.Logs): Promise<void> {
    const lr = this.schedule(this.step, this.total);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new MarginArgumentError(
        'callbacks.LearningRateScheduler',
        'schedule',
        `to return a finite rate >= 0 at step ${this.step}`,
        lr,
      );
    }
    setLearningRate(this.model.optimizer, lr);
    this.current = lr;
    if (logs !== undefined) logs['lr'] = lr;
  }

  /** Called by tfjs after each batch. */
  override async onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    this.step++;
    if (logs !== undefined) logs['lr'] = this.current;
  }

  /** Called by tfjs at the end of each epoch. */
  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (logs !== undefined) logs['lr'] = this.current;
  }
}

/** Creates a {@link LearningRateScheduler} from any schedule function.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const scheduler = callbacks.learningRateScheduler({ schedule: (step, total) => 0.1 * (1 - step / total) });
 * await model.fit(tf.ones([8, 3]), tf.zeros([8, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [scheduler] });
 * ```
 */
export function learningRateScheduler(args: LearningRateSchedulerArgs): LearningRateScheduler {
  return new LearningRateScheduler(args);
}

/** Common arguments of the built-in schedules. */
export interface WarmupScheduleArgs {
  /** Peak learning rate, reached at the end of warm-up. */
  learningRate: number;
  /** Linear warm-up steps from 0 to `learningRate`. Default `0`. */
  warmupSteps?: number;
  /** Total steps (default: from `fit`, see {@link LearningRateSchedulerArgs.totalSteps}). */
  totalSteps?: number;
}

const WARMUP_KEYS = ['learningRate', 'warmupSteps', 'totalSteps'] as const;

function warmupArgs(where: string, args: WarmupScheduleArgs, own: readonly string[]): { lr: number; warmup: number } {
  knownKeys(where, 'args', args, [...WARMUP_KEYS, ...own]);
  return {
    lr: positiveNumberAtMost(where, 'learningRate', args?.learningRate, MAX_LEARNING_RATE),
    warmup: integerAtLeast(where, 'warmupSteps', args.warmupSteps ?? 0, 0),
  };
}

/** A floor rate in `[0, lr]`: above the peak, the schedule would rise and overflow. */
function floorRate(where: string, argument: string, value: unknown, lr: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= lr)) {
    throw new MarginArgumentError(where, argument, `a number in [0, learningRate = ${lr}]`, value);
  }
  return value;
}

/**
 * insightface's `PolyScheduler` (arcface_torch): linear warm-up `lr · step / warmupSteps`, then
 * `lr · (1 − (step − warmupSteps)/(totalSteps − warmupSteps))^power`, floored at `endLearningRate`.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const schedule = callbacks.polynomialDecay({ learningRate: 0.1, warmupSteps: 1, power: 2 });
 * await model.fit(tf.ones([8, 3]), tf.zeros([8, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [schedule] });
 * ```
 */
export function polynomialDecay(
  args: WarmupScheduleArgs & { power?: number; endLearningRate?: number },
): LearningRateScheduler {
  const where = 'callbacks.polynomialDecay';
  const { lr, warmup } = warmupArgs(where, args, ['power', 'endLearningRate']);
  const power = positiveNumber(where, 'power', args.power ?? 2);
  const end = floorRate(where, 'endLearningRate', args.endLearningRate ?? 0, lr);
  return new LearningRateScheduler({
    ...(args.totalSteps === undefined ? {} : { totalSteps: args.totalSteps }),
    schedule: (step, total) => {
      if (step < warmup) return (lr * step) / warmup;
      const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
      return Math.max(end, lr * (1 - progress) ** power);
    },
  });
}

/**
 * Cosine decay with linear warm-up (Loshchilov and Hutter 2017, SGDR, without restarts):
 * `min + (lr − min) · (1 + cos(π · progress)) / 2` after warm-up.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const schedule = callbacks.cosineDecay({ learningRate: 0.1, warmupSteps: 1, minLearningRate: 1e-3 });
 * await model.fit(tf.ones([8, 3]), tf.zeros([8, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [schedule] });
 * ```
 */
export function cosineDecay(args: WarmupScheduleArgs & { minLearningRate?: number }): LearningRateScheduler {
  const where = 'callbacks.cosineDecay';
  const { lr, warmup } = warmupArgs(where, args, ['minLearningRate']);
  const min = floorRate(where, 'minLearningRate', args.minLearningRate ?? 0, lr);
  return new LearningRateScheduler({
    ...(args.totalSteps === undefined ? {} : { totalSteps: args.totalSteps }),
    schedule: (step, total) => {
      if (step < warmup) return (lr * step) / warmup;
      const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
      return min + ((lr - min) * (1 + Math.cos(Math.PI * progress))) / 2;
    },
  });
}

/**
 * Step decay: `lr · factor^k` where `k` counts the `boundaries` (in steps, increasing) already
 * passed; the face-recognition recipe of SphereFace/CosFace (`factor 0.1` at fixed iterations).
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const schedule = callbacks.stepDecay({ learningRate: 0.1, boundaries: [2], factor: 0.5 }); // 0.1, then 0.05
 * await model.fit(tf.ones([8, 3]), tf.zeros([8, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [schedule] });
 * ```
 */
export function stepDecay(args: WarmupScheduleArgs & { boundaries: number[]; factor?: number }): LearningRateScheduler {
  const where = 'callbacks.stepDecay';
  const { lr, warmup } = warmupArgs(where, args, ['boundaries', 'factor']);
  const factor = positiveNumberAtMost(where, 'factor', args.factor ?? 0.1, 1, ' (a decay)');
  const boundaries = args.boundaries;
  if (
    !Array.isArray(boundaries) ||
    boundaries.some((b, i) => !Number.isInteger(b) || b < 1 || (i > 0 && b <= boundaries[i - 1]!))
  ) {
    throw new MarginArgumentError(where, 'boundaries', 'an increasing array of positive integer steps', boundaries);
  }
  return new LearningRateScheduler({
    ...(args.totalSteps === undefined ? {} : { totalSteps: args.totalSteps }),
    schedule: (step) => {
      if (step < warmup) return (lr * step) / warmup;
      return lr * factor ** boundaries.filter((b) => step >= b).length;
    },
  });
}
