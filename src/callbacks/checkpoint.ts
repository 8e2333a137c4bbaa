import * as tfl from '@tensorflow/tfjs-layers';
import { fileStorage } from '../checkpoint/fileStorage';
import { CheckpointError, restoreCheckpoint, type TrainingPosition, writeCheckpoint } from '../checkpoint/snapshot';
import type { CheckpointStorage } from '../checkpoint/storage';
import { hasTrainingState, type TrainingState } from '../checkpoint/trainingState';
import { MarginArgumentError } from '../internal/errors';
import { integerAtLeast, knownKeys } from '../internal/validate';
import { stepsOfFit } from './trainingSteps';

/** Arguments of {@link Checkpoint}. */
export interface CheckpointArgs {
  /** Where to write: a {@link checkpoint.CheckpointStorage}, or a folder path (Node: {@link checkpoint.fileStorage}). */
  storage: CheckpointStorage | string;
  /** Save after every `everySteps` optimizer steps. */
  everySteps?: number;
  /** Save after every `everyEpochs` epochs. Default `1` when `everySteps` is not given. */
  everyEpochs?: number;
  /** How many of the newest checkpoints to keep. Default `2`. */
  keep?: number;
  /**
   * Objects whose position a resume must restore, by a stable name: this package's callbacks
   * (schedules, margin warm-up, verification), `data.seededRandom` streams that drive sampling or
   * augmentation, or anything of your own with `getTrainingState`/`setTrainingState`. The layers'
   * own state (ElasticFace's generator, Partial FC's sampler) is found in the model.
   */
  state?: Record<string, TrainingState>;
  /** Where messages go (a skipped checkpoint and why, the one resumed from then). Default `console.warn`; `null`: silent. */
  log?: ((message: string) => void) | null;
}

/** Where a restored run continues. */
export interface ResumePoint extends TrainingPosition {
  /** The checkpoint restored. */
  name: string;
}

const NAME = /^step-(\d+)$/;

function nameOf(step: number): string {
  return `step-${String(step).padStart(10, '0')}`;
}

/**
 * Checkpoints for `model.fit` / `model.fitDataset` and an exact resume (Keras's `BackupAndRestore`;
 * insightface saves model, Partial FC centers and optimizer per epoch). Every `everySteps` steps or
 * `everyEpochs` epochs it saves every weight (trainable or not), the optimizer's weights and Adam's
 * β powers, Partial FC's centers and momentum in row ranges, the layers' generators and samplers,
 * the registered `state` objects, and the position (epoch, batch, step); the last `keep` are kept.
 * A save is published atomically (see {@link checkpoint.CheckpointStorage}), so a crash mid-write
 * leaves the previous checkpoint intact.
 *
 * {@link restore} loads the newest good checkpoint into a freshly built and compiled model before
 * `fit` continues from `initialEpoch: point.epoch`; a checkpoint that is truncated, corrupted
 * (checksums), or of another model, head configuration or optimizer is skipped with the reason
 * logged. Put this callback **last** in `callbacks`, after the ones whose state it saves: tfjs runs
 * them in order, and each must have finished its step first. A mid-epoch checkpoint (`everySteps`)
 * resumes exactly when the data source continues where it was: `fitDataset` over a generator whose
 * position is registered `state` (see the README's "Long runs"); `model.fit` on arrays restarts the
 * epoch, and its `shuffle` uses `Math.random`, so for bit-identical runs pass your own seeded order.
 */
export class Checkpoint extends tfl.Callback {
  readonly storage: CheckpointStorage;
  readonly everySteps: number | null;
  readonly everyEpochs: number | null;
  readonly keep: number;
  readonly state: Record<string, TrainingState>;
  private readonly log: ((message: string) => void) | null;
  private step = 0;
  private epoch = 0;
  private batch = 0;
  private perEpoch: number | null = null;
  /** `model.fit` on arrays (not `fitDataset`): every epoch, a resumed one too, starts at its first batch. */
  private arrays = false;
  private pendingEpochSave = false;
  private readonly written: string[] = [];

  constructor(args: CheckpointArgs) {
    super();
    const where = 'callbacks.checkpoint';
    knownKeys(where, 'args', args, ['storage', 'everySteps', 'everyEpochs', 'keep', 'state', 'log']);
    const storage = args?.storage;
    if (typeof storage === 'string') this.storage = fileStorage(storage);
    else if (isStorage(storage)) this.storage = storage;
    else {
      throw new MarginArgumentError(
        where,
        'storage',
        'a folder path or a CheckpointStorage (checkpoint.fileStorage, checkpoint.indexedDBStorage)',
        storage,
      );
    }
    this.everySteps = args.everySteps === undefined ? null : integerAtLeast(where, 'everySteps', args.everySteps, 1);
    this.everyEpochs =
      args.everyEpochs === undefined
        ? this.everySteps === null
          ? 1
          : null
        : integerAtLeast(where, 'everyEpochs', args.everyEpochs, 1);
    this.keep = integerAtLeast(where, 'keep', args.keep ?? 2, 1);
    const state = args.state ?? {};
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new MarginArgumentError(
        where,
        'state',
        'an object of named objects with getTrainingState/setTrainingState',
        state,
      );
    }
    for (const [key, value] of Object.entries(state)) {
      if (!hasTrainingState(value)) {
        throw new MarginArgumentError(
          where,
          `state.${key}`,
          'an object with getTrainingState() and setTrainingState(state) (a schedule, a warm-up, data.seededRandom(...))',
          value,
        );
      }
    }
    this.state = state;
    // A skipped checkpoint must not pass unseen: by default it is a console warning.
    // eslint-disable-next-line no-console
    const log = args.log === undefined ? (m: string) => console.warn(m) : args.log;
    if (log !== null && typeof log !== 'function') {
      throw new MarginArgumentError(where, 'log', 'a function (message) => void, or null', log);
    }
    this.log = log;
  }

  /** The optimizer steps counted so far (restored by {@link restore}). */
  get steps(): number {
    return this.step;
  }

  /** The checkpoints this callback wrote, oldest first. */
  get saved(): readonly string[] {
    return this.written;
  }

  /** The published checkpoints, newest first. */
  async list(): Promise<string[]> {
    const names = (await this.storage.list()).filter((n) => NAME.test(n));
    return names.sort((a, b) => Number(NAME.exec(b)![1]) - Number(NAME.exec(a)![1]));
  }

  /**
   * Restores the newest good checkpoint into `model` (built and compiled like the saved one) and the
   * registered `state`; returns where to continue, or `null` when there is no checkpoint (start
   * fresh). Checkpoints that fail a check are skipped, each with its reason logged; when all fail,
   * throws a {@link checkpoint.CheckpointError} listing them rather than silently starting over.
   */
  async restore(model: tfl.LayersModel): Promise<ResumePoint | null> {
    if (!(model instanceof tfl.LayersModel)) {
      throw new MarginArgumentError('Checkpoint.restore', 'model', 'a tf.LayersModel', model);
    }
    const names = await this.list();
    const reasons: string[] = [];
    for (const name of names) {
      try {
        const position = await restoreCheckpoint(this.storage, name, model, this.state);
        this.step = position.step;
        this.epoch = position.epoch;
        this.batch = position.batch;
        if (reasons.length > 0) this.log?.(`checkpoint: resumed from ${name}, the newest good one`);
        return { name, ...position };
      } catch (error) {
        if (!(error instanceof CheckpointError)) throw error;
        reasons.push(error.message);
        this.log?.(`checkpoint: skipped ${error.message}`);
      }
    }
    if (names.length === 0) return null;
    throw new CheckpointError(
      this.storage.location,
      `no usable checkpoint of ${names.length}:\n  ${reasons.join('\n  ')}`,
    );
  }

  /** Saves a checkpoint of `model` (default: the model being fitted) at the current position now. */
  async save(model?: tfl.LayersModel): Promise<string> {
    const target = model ?? this.model;
    if (!(target instanceof tfl.LayersModel)) {
      throw new MarginArgumentError('Checkpoint.save', 'model', 'a tf.LayersModel (or a call during fit)', target);
    }
    return this.saveAt(target, { epoch: this.epoch, batch: this.batch, step: this.step });
  }

  private async saveAt(model: tfl.LayersModel, position: TrainingPosition): Promise<string> {
    const name = nameOf(position.step);
    await writeCheckpoint(this.storage, name, model, this.state, position);
    this.written.push(name);
    const old = (await this.list()).slice(this.keep);
    for (const n of old) await this.storage.remove(n);
    return name;
  }

  /** Called by tfjs when `fit` starts. */
  override async onTrainBegin(): Promise<void> {
    const fit = stepsOfFit(this.params);
    this.perEpoch = fit === null ? null : fit.perEpoch;
    this.arrays = typeof this.params?.['samples'] === 'number';
  }

  /** Called by tfjs at the start of each epoch. */
  override async onEpochBegin(epoch: number): Promise<void> {
    // A resumed epoch of fitDataset continues at the restored batch; any other epoch starts at 0.
    if (epoch !== this.epoch || this.arrays) this.batch = 0;
    this.epoch = epoch;
    this.pendingEpochSave = false;
  }

  /** Called by tfjs after each batch. */
  override async onBatchEnd(): Promise<void> {
    this.step++;
    this.batch++;
    if (this.everySteps === null || this.step % this.everySteps !== 0) return;
    // At an epoch's last batch, save at its end instead, so the resume starts a new epoch.
    if (this.perEpoch !== null && this.batch >= this.perEpoch) this.pendingEpochSave = true;
    else await this.saveAt(this.model, { epoch: this.epoch, batch: this.batch, step: this.step });
  }

  /** Called by tfjs at the end of each epoch. */
  override async onEpochEnd(epoch: number): Promise<void> {
    const due = this.everyEpochs !== null && (epoch + 1) % this.everyEpochs === 0;
    const next = epoch + 1;
    this.epoch = next;
    this.batch = 0;
    if (due || this.pendingEpochSave) await this.saveAt(this.model, { epoch: next, batch: 0, step: this.step });
    this.pendingEpochSave = false;
  }
}

function isStorage(value: unknown): value is CheckpointStorage {
  const s = value as Partial<CheckpointStorage> | null | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    ['list', 'write', 'readManifest', 'readEntry', 'remove'].every(
      (k) => typeof (s as Record<string, unknown>)[k] === 'function',
    )
  );
}

/** Creates a {@link Checkpoint} callback.
 *
 * @example
 * ```ts
 * const build = () => {
 *   const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 *   model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
 *   return model;
 * };
 * const storage = checkpoint.memoryStorage(); // in Node, a folder: callbacks.checkpoint({ storage: 'ckpt/run1' })
 * const x = tf.ones([8, 3]);
 * const y = tf.zeros([8, 2]);
 * const model = build();
 * await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0, callbacks: [callbacks.checkpoint({ storage })] });
 *
 * // After a crash: a fresh model, restored, continues at epoch 3 (the saver goes last in callbacks).
 * const again = build();
 * const saver = callbacks.checkpoint({ storage });
 * const point = await saver.restore(again); // null when there is no checkpoint
 * await again.fit(x, y, { epochs: 4, initialEpoch: point?.epoch ?? 0, batchSize: 4, shuffle: false, verbose: 0, callbacks: [saver] });
 * ```
 */
export function checkpoint(args: CheckpointArgs): Checkpoint {
  return new Checkpoint(args);
}
