import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setLearningRate } from '../callbacks/learningRateScheduler';
import { CenterStoreVariable } from '../layers/centers/centerStoreVariable';
import { PartialFC } from '../layers/partialFC';
import { version } from '../version';
import { MarginArgumentError } from '../internal/errors';
import { crc32 } from './crc32';
import {
  describeModel,
  describeOptimizer,
  type LayerDescription,
  layersOf,
  modelDifference,
  type OptimizerDescription,
  optimizerDifference,
} from './modelDescription';
import type { CheckpointStorage } from './storage';
import { hasTrainingState, type JsonValue, type TrainingState } from './trainingState';

const FORMAT = 'tfjs-margin-checkpoint';
const FORMAT_VERSION = 1;

/** Where in training a checkpoint was taken. */
export interface TrainingPosition {
  /** The epoch to resume in (`initialEpoch` of the next `fit`): the saving epoch when mid-epoch, the next one at an epoch's end. */
  epoch: number;
  /** Batches of that epoch already trained (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps trained in all. */
  step: number;
}

/** One binary entry of a checkpoint. */
interface Entry {
  what: 'weight' | 'optimizer' | 'optimizerExtra' | 'centers' | 'momentum';
  /** Weight index in `model.weights`, or the optimizer weight's name, or the layer path. */
  key: string | number;
  start?: number;
  rows?: number;
  shape: number[];
  dtype: string;
  bytes: number;
  crc32: number;
}

interface Body {
  position: TrainingPosition;
  package: string;
  backend: string;
  savedAt: string;
  model: LayerDescription[];
  optimizer: (OptimizerDescription & { learningRate: number | null; weights: string[] }) | null;
  layerStates: Record<string, JsonValue>;
  states: Record<string, JsonValue>;
  entries: Entry[];
}

/** An error reading or applying a checkpoint; `reason` says what is wrong with it. */
export class CheckpointError extends Error {
  constructor(
    readonly checkpoint: string,
    readonly reason: string,
  ) {
    super(`checkpoint ${checkpoint}: ${reason}`);
    this.name = 'CheckpointError';
  }
}

/** Optimizers whose tfjs `setWeights` throws "not implemented". */
const UNRESTORABLE = ['Adamax'];

/** Optimizer fields that `getWeights`/`setWeights` do not carry exactly (tfjs recomputes Adam's β powers). */
const OPTIMIZER_EXTRAS = ['accBeta1', 'accBeta2'] as const;

function extraVariable(optimizer: tf.Optimizer, key: string): tf.Variable | null {
  const v = (optimizer as unknown as Record<string, unknown>)[key];
  return v instanceof tf.Variable ? v : null;
}

function bytesOf(values: tf.TypedArray): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Rows per Partial FC entry: at most 2^24 floats (64 MiB), so no entry holds the whole table. */
function rowsPerEntry(dim: number): number {
  return Math.max(1, Math.floor(2 ** 24 / dim));
}

/** The Partial FC layers of a model, by path. */
function partialFCs(model: tfl.LayersModel): { path: string; layer: PartialFC }[] {
  return layersOf(model)
    .filter((l): l is { path: string; layer: PartialFC } => l.layer instanceof PartialFC)
    .filter(({ layer }) => layer.built);
}

function statesOf(model: tfl.LayersModel): Map<string, TrainingState> {
  const out = new Map<string, TrainingState>();
  for (const { path, layer } of layersOf(model)) if (hasTrainingState(layer)) out.set(path, layer);
  return out;
}

/**
 * Writes everything a resume needs into `storage` as checkpoint `name`: the model's weights (Partial
 * FC's centers and momentum in row ranges), the optimizer's weights and β powers, the layers' and
 * the registered objects' training states, and the position. Tensors are read one at a time and
 * handed to the storage as they come, so no second copy of the model (or of a center table) is held.
 */
export async function writeCheckpoint(
  storage: CheckpointStorage,
  name: string,
  model: tfl.LayersModel,
  states: Record<string, TrainingState>,
  position: TrainingPosition,
): Promise<void> {
  const entries: Entry[] = [];
  const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer ?? null;
  if (optimizer !== null && UNRESTORABLE.includes(optimizer.getClassName())) {
    throw new MarginArgumentError(
      'callbacks.checkpoint',
      'model',
      `compiled with an optimizer tfjs can restore (its ${optimizer.getClassName()} has no setWeights): adam, sgd, momentum, rmsprop, adagrad or adadelta`,
      optimizer.getClassName(),
    );
  }
  const optimizerWeights = optimizer === null ? [] : await optimizer.getWeights();
  const body: Body = {
    position,
    package: version,
    backend: tf.getBackend(),
    savedAt: new Date().toISOString(),
    model: describeModel(model),
    optimizer:
      optimizer === null
        ? null
        : {
            ...describeOptimizer(optimizer),
            learningRate: (() => {
              const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
              return typeof lr === 'number' ? lr : null;
            })(),
            weights: optimizerWeights.map((w) => w.name),
          },
    layerStates: Object.fromEntries([...statesOf(model)].map(([path, s]) => [path, s.getTrainingState()])),
    states: Object.fromEntries(Object.entries(states).map(([key, s]) => [key, s.getTrainingState()])),
    entries,
  };
  async function* produce(): AsyncGenerator<Uint8Array> {
    const emit = (entry: Omit<Entry, 'bytes' | 'crc32'>, bytes: Uint8Array): Uint8Array => {
      entries.push({ ...entry, bytes: bytes.byteLength, crc32: crc32(bytes) });
      return bytes;
    };
    const tensor = async (
      entry: Omit<Entry, 'bytes' | 'crc32' | 'shape' | 'dtype'>,
      t: tf.Tensor,
    ): Promise<Uint8Array> => {
      if (t.dtype === 'string' || t.dtype === 'complex64') {
        throw new CheckpointError('(writing)', `cannot save a ${t.dtype} tensor (${String(entry.key)})`);
      }
      return emit({ ...entry, shape: [...t.shape], dtype: t.dtype }, bytesOf((await t.data()) as tf.TypedArray));
    };
    const weights = model.weights;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w instanceof CenterStoreVariable) continue; // streamed below
      yield await tensor({ what: 'weight', key: i }, w.read());
    }
    for (const w of optimizerWeights) yield await tensor({ what: 'optimizer', key: w.name }, w.tensor);
    for (const key of OPTIMIZER_EXTRAS) {
      const v = optimizer === null ? null : extraVariable(optimizer, key);
      if (v !== null) yield await tensor({ what: 'optimizerExtra', key }, v);
    }
    for (const { path, layer } of partialFCs(model)) {
      const table = layer.weights.find((w) => w instanceof CenterStoreVariable)!;
      const [rows, dim] = table.shape as [number, number];
      const step = rowsPerEntry(dim);
      for (const what of ['centers', 'momentum'] as const) {
        for (let start = 0; start < rows; start += step) {
          const count = Math.min(step, rows - start);
          const values =
            what === 'centers' ? await layer.readCenters(start, count) : await layer.readMomentum(start, count);
          yield emit({ what, key: path, start, rows: count, shape: [count, dim], dtype: 'float32' }, bytesOf(values));
        }
      }
    }
  }
  try {
    await storage.write(name, produce(), () => {
      const text = JSON.stringify(body);
      return new TextEncoder().encode(
        JSON.stringify({
          format: FORMAT,
          version: FORMAT_VERSION,
          crc32: crc32(new TextEncoder().encode(text)),
          body: text,
        }),
      );
    });
  } finally {
    // getWeights hands out a fresh iteration-count scalar; the slots are the optimizer's own.
    if (optimizerWeights.length > 0) optimizerWeights[0]!.tensor.dispose();
  }
}

/** Reads and checks a checkpoint's manifest. */
async function readBody(storage: CheckpointStorage, name: string): Promise<Body> {
  let raw: Uint8Array;
  try {
    raw = await storage.readManifest(name);
  } catch (error) {
    throw new CheckpointError(name, `cannot read its manifest (${(error as Error).message})`);
  }
  let outer: { format?: unknown; version?: unknown; crc32?: unknown; body?: unknown };
  try {
    outer = JSON.parse(new TextDecoder().decode(raw)) as typeof outer;
  } catch {
    throw new CheckpointError(name, `its manifest is not JSON (${raw.byteLength} bytes: truncated or corrupted)`);
  }
  if (outer.format !== FORMAT)
    throw new CheckpointError(name, `not a ${FORMAT} (format ${JSON.stringify(outer.format)})`);
  if (outer.version !== FORMAT_VERSION) {
    throw new CheckpointError(name, `format version ${String(outer.version)}, this package reads ${FORMAT_VERSION}`);
  }
  if (typeof outer.body !== 'string' || crc32(new TextEncoder().encode(outer.body)) !== outer.crc32) {
    throw new CheckpointError(name, 'its manifest fails its checksum (corrupted)');
  }
  return JSON.parse(outer.body) as Body;
}

/** Entry `index`, checked against its length and checksum, in a buffer of its own (aligned for any typed array). */
async function readChecked(storage: CheckpointStorage, name: string, body: Body, index: number): Promise<Uint8Array> {
  const entry = body.entries[index]!;
  let bytes: Uint8Array;
  try {
    bytes = await storage.readEntry(name, index);
  } catch (error) {
    throw new CheckpointError(
      name,
      `entry ${index} (${entry.what} ${String(entry.key)}) is missing (${(error as Error).message})`,
    );
  }
  if (bytes.byteLength !== entry.bytes) {
    throw new CheckpointError(
      name,
      `entry ${index} (${entry.what} ${String(entry.key)}) has ${bytes.byteLength} bytes, expected ${entry.bytes} (truncated)`,
    );
  }
  if (crc32(bytes) !== entry.crc32) {
    throw new CheckpointError(
      name,
      `entry ${index} (${entry.what} ${String(entry.key)}) fails its checksum (corrupted)`,
    );
  }
  // A copy with a buffer of its own (Node's Buffer.slice would share a pooled, unaligned one).
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function toTensor(entry: Entry, bytes: Uint8Array): tf.Tensor {
  const buffer = bytes.buffer as ArrayBuffer;
  const values =
    entry.dtype === 'int32'
      ? new Int32Array(buffer)
      : entry.dtype === 'bool'
        ? new Uint8Array(buffer)
        : new Float32Array(buffer);
  return tf.tensor(values, entry.shape, entry.dtype as tf.DataType);
}

/**
 * Checks checkpoint `name` against `model` and `states` without changing anything: the manifest's
 * checksum, the model's layers, settings and weight shapes, the optimizer, the registered states,
 * and every entry's length and checksum. Returns the verified small entries (all but Partial FC's).
 */
async function verify(
  storage: CheckpointStorage,
  name: string,
  model: tfl.LayersModel,
  states: Record<string, TrainingState>,
): Promise<{ body: Body; small: Map<number, Uint8Array> }> {
  const body = await readBody(storage, name);
  const difference = modelDifference(body.model, describeModel(model));
  if (difference !== null) throw new CheckpointError(name, `another model: ${difference}`);
  const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer ?? null;
  if ((body.optimizer === null) !== (optimizer === null)) {
    throw new CheckpointError(
      name,
      body.optimizer === null
        ? 'saved without an optimizer; this model is compiled'
        : 'saved with an optimizer; compile this model first',
    );
  }
  if (body.optimizer !== null && optimizer !== null) {
    const d = optimizerDifference(body.optimizer, describeOptimizer(optimizer));
    if (d !== null) throw new CheckpointError(name, `another optimizer: ${d}`);
  }
  const savedKeys = Object.keys(body.states).sort();
  const givenKeys = Object.keys(states).sort();
  for (const key of savedKeys) {
    if (!givenKeys.includes(key))
      throw new CheckpointError(name, `it holds the state of '${key}', which is not registered in 'state' now`);
  }
  for (const key of givenKeys) {
    if (!savedKeys.includes(key)) throw new CheckpointError(name, `'state' registers '${key}', which it does not hold`);
  }
  const small = new Map<number, Uint8Array>();
  for (let i = 0; i < body.entries.length; i++) {
    const bytes = await readChecked(storage, name, body, i);
    const what = body.entries[i]!.what;
    if (what !== 'centers' && what !== 'momentum') small.set(i, bytes);
  }
  return { body, small };
}

/** Restores checkpoint `name` into `model` (and `states`); nothing is changed unless every check passes. */
export async function restoreCheckpoint(
  storage: CheckpointStorage,
  name: string,
  model: tfl.LayersModel,
  states: Record<string, TrainingState>,
): Promise<TrainingPosition> {
  const { body, small } = await verify(storage, name, model, states);
  const weights = model.weights;
  const optimizerValues: { name: string; tensor: tf.Tensor }[] = [];
  const extras: [string, tf.Tensor][] = [];
  tf.tidy(() => {
    body.entries.forEach((entry, i) => {
      const bytes = small.get(i);
      if (bytes === undefined) return;
      const value = toTensor(entry, bytes);
      if (entry.what === 'weight') weights[entry.key as number]!.write(value);
      else if (entry.what === 'optimizer') optimizerValues.push({ name: String(entry.key), tensor: tf.keep(value) });
      else extras.push([String(entry.key), tf.keep(value)]);
    });
  });
  const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer ?? null;
  try {
    if (optimizer !== null && body.optimizer !== null) {
      const previous = await optimizer.getWeights();
      await optimizer.setWeights(optimizerValues);
      // setWeights made variables of its own: the slots it replaced and the values read are spare.
      tf.dispose(previous.map((w) => w.tensor));
      for (const [key, value] of extras) extraVariable(optimizer, key)?.assign(value);
      if (body.optimizer.learningRate !== null) setLearningRate(optimizer, body.optimizer.learningRate);
    }
  } finally {
    tf.dispose(optimizerValues.map((w) => w.tensor));
    tf.dispose(extras.map(([, v]) => v));
  }
  const heads = new Map(partialFCs(model).map(({ path, layer }) => [path, layer]));
  for (let i = 0; i < body.entries.length; i++) {
    const entry = body.entries[i]!;
    if (entry.what !== 'centers' && entry.what !== 'momentum') continue;
    const layer = heads.get(String(entry.key));
    if (layer === undefined) throw new CheckpointError(name, `no built Partial FC at layer ${String(entry.key)}`);
    const rows = new Float32Array((await readChecked(storage, name, body, i)).buffer);
    if (entry.what === 'centers') layer.writeCenters(entry.start!, rows);
    else layer.writeMomentum(entry.start!, rows);
  }
  const layerStates = statesOf(model);
  for (const [path, state] of Object.entries(body.layerStates)) layerStates.get(path)?.setTrainingState(state);
  for (const [key, state] of Object.entries(body.states)) states[key]!.setTrainingState(state);
  return body.position;
}
