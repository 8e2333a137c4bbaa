import * as tfl from '@tensorflow/tfjs-layers';
import { type JsonValue, stateNumber } from '../checkpoint/trainingState';
import { MarginArgumentError } from '../internal/errors';
import { integerAtLeast, knownKeys, numberInRange } from '../internal/validate';
import { MarginSoftmaxHead } from '../layers/marginSoftmaxHead';

/** Arguments of {@link MarginWarmup}. */
export interface MarginWarmupArgs {
  /** The margin head to warm up. */
  head: MarginSoftmaxHead;
  /** Optimizer steps until the full margin. */
  warmupSteps: number;
  /**
   * `'linear'` (default): the margin strength rises linearly from `from` to 1 over `warmupSteps`.
   * `'switch'`: strength `from` (default 0: plain normalized softmax) until `warmupSteps`, then 1.
   */
  mode?: 'linear' | 'switch';
  /** Starting strength in `[0, 1)`. Default `0`. */
  from?: number;
}

/**
 * Margin warm-up: margins make the loss hard at the start of training, when embeddings are still
 * random; ramping the margin from 0 (or training with plain softmax first and then switching it on)
 * is the common remedy — SphereFace/L-Softmax anneal λ for the same reason (Liu et al. 2017 §4;
 * CosFace and ArcFace practice). Sets the head's {@link MarginSoftmaxHead.setMarginStrength} before
 * each batch and logs it as `marginStrength`.
 */
export class MarginWarmup extends tfl.Callback {
  readonly head: MarginSoftmaxHead;
  readonly warmupSteps: number;
  readonly mode: 'linear' | 'switch';
  readonly from: number;
  private step = 0;

  constructor(args: MarginWarmupArgs) {
    super();
    const where = 'callbacks.marginWarmup';
    knownKeys(where, 'args', args, ['head', 'warmupSteps', 'mode', 'from']);
    if (!(args?.head instanceof MarginSoftmaxHead)) {
      throw new MarginArgumentError(where, 'head', 'a margin head (arcFace, cosFace, sphereFace, ...)', args?.head);
    }
    this.head = args.head;
    this.warmupSteps = integerAtLeast(where, 'warmupSteps', args.warmupSteps, 1);
    const mode = args.mode ?? 'linear';
    if (mode !== 'linear' && mode !== 'switch')
      throw new MarginArgumentError(where, 'mode', "'linear' or 'switch'", mode);
    this.mode = mode;
    this.from = numberInRange(where, 'from', args.from ?? 0, 0, 1);
  }

  /** The strength for optimizer step `step` (0-based). */
  strengthAt(step: number): number {
    if (step >= this.warmupSteps) return 1;
    return this.mode === 'switch' ? this.from : this.from + ((1 - this.from) * step) / this.warmupSteps;
  }

  /** The optimizer steps taken under this warm-up. */
  get steps(): number {
    return this.step;
  }

  /** `{ step }`: the warm-up's position, for a checkpoint (see `callbacks.checkpoint`). */
  getTrainingState(): JsonValue {
    return { step: this.step };
  }

  /** Restores a position read by {@link getTrainingState}. */
  setTrainingState(state: JsonValue): void {
    this.step = integerAtLeast(
      'MarginWarmup.setTrainingState',
      'step',
      stateNumber('MarginWarmup.setTrainingState', state, 'step'),
      0,
    );
  }

  /** Called by tfjs before each batch. */
  override async onBatchBegin(_batch: number, logs?: tfl.Logs): Promise<void> {
    this.head.setMarginStrength(this.strengthAt(this.step));
    if (logs !== undefined) logs['marginStrength'] = this.head.marginStrength;
  }

  /** Called by tfjs after each batch. */
  override async onBatchEnd(): Promise<void> {
    this.step++;
  }

  /** Called by tfjs at the end of each epoch. */
  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (logs !== undefined) logs['marginStrength'] = this.head.marginStrength;
  }
}

/** Creates a {@link MarginWarmup} callback.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.arcFace({ numClasses: 3, scale: 16, margin: 0.5 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const warmup = callbacks.marginWarmup({ head, warmupSteps: 10 }); // margin 0 → 0.5 over 10 batches
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 2, batchSize: 2, verbose: 0, callbacks: [warmup] });
 * ```
 */
export function marginWarmup(args: MarginWarmupArgs): MarginWarmup {
  return new MarginWarmup(args);
}
