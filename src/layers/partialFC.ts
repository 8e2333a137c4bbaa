import { checkWeightSize, cosineMarginInRange, multiplicativeFactorInRange, scaleInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withCustomGrad } from '../internal/customGrad';
import { hasTrainingState, type JsonValue, stateNumber } from '../checkpoint/trainingState';
import { oneHotFloat } from '../internal/oneHot';
import {
  booleanArg,
  integerAtLeast,
  nonNegativeNumber,
  numberInRange,
  optionalSeed,
  unitFraction,
} from '../internal/validate';
import { crossEntropyFromLogits } from '../losses/crossEntropyCore';
import { marginLogits, type MarginLogitsInternalOptions } from '../ops/marginLogits';
import { canReadSync } from '../internal/syncRead';
import type { CenterStore, CenterStoreKind } from './centers/centerStore';
import { CenterStoreVariable, glorotRows } from './centers/centerStoreVariable';
import { ClassSampler } from './centers/classSampler';
import { createCenterStore } from './centers/createCenterStore';
import { MarginSoftmaxHead } from './marginSoftmaxHead';
import { MarginArgumentError } from '../internal/errors';
import { combinedAngularMargin } from '../ops/margins/angularMargin';
import type { TargetMargin } from '../ops/margins/targetMargin';
import { HeadInputs } from './headInputs';
import { checkLayerKeys, formatTag, type Kwargs, type LayerArgs, registerLayer } from './layerConfig';

/** Arguments of {@link PartialFC}. */
export interface PartialFCArgs extends LayerArgs {
  /** Number of classes (identities); may be in the millions. */
  numClasses: number;
  /**
   * Fraction of class centers used per step, in `(0, 1]`. Default `0.1`. Each step uses
   * `S = min(C, max(⌈sampleRate · C⌉, N))` centers: every class in the batch plus random others.
   */
  sampleRate?: number;
  /** Combined margin `cos(m1 θ_y + m2) − m3` (insightface). Defaults are ArcFace: `m1 1, m2 0.5, m3 0`. */
  m1?: number;
  m2?: number;
  m3?: number;
  /** Logit scale. Default `64`. */
  scale?: number;
  /**
   * Any margin head's margin instead of the combined margin (insightface's `PartialFC(margin_loss=…)`):
   * a head that normalizes both sides with one center per class (CosFace, ArcFace, combined,
   * CurricularFace, AdaFace, MagFace, ElasticFace, AdaCos, Circle), with `numClasses` equal to this
   * layer's. Its margin, scale and state are used on the sampled centers; its state weights become
   * this layer's (saved with it); its own kernel is never built. Excludes `m1`, `m2`, `m3` and `scale`.
   * A saved model stores it as `{className, config}`, which is also accepted.
   */
  margin?: MarginSoftmaxHead | { className: string; config: tf.serialization.ConfigDict };
  /** The class centers' own SGD: learning rate (default `0.1`), momentum (`0.9`), weight decay (`5e-4`). */
  learningRate?: number;
  momentum?: number;
  weightDecay?: number;
  /** Check labels are integers in `[0, numClasses)` and embeddings finite (one device read per call). Default `true`. */
  checkInputs?: boolean;
  /** Seed of the centers' initializer and of the negative sampling. Default: random. */
  seed?: number | null;
  /**
   * Where the `[C, D]` centers and their momentum live (see {@link CenterStoreKind}). Default
   * `'auto'`: TensorFlow resource variables on tfjs-node, JavaScript typed arrays on cpu, wasm and
   * webgl (both `O(S·D)` per step), one tfjs tensor on webgpu (`O(C·D)` per step).
   */
  centerStore?: CenterStoreKind;
}

const KEYS = [
  'numClasses',
  'sampleRate',
  'm1',
  'm2',
  'm3',
  'scale',
  'margin',
  'learningRate',
  'momentum',
  'weightDecay',
  'checkInputs',
  'seed',
  'centerStore',
] as const;

const STORE_KINDS: readonly CenterStoreKind[] = ['auto', 'host', 'tensorflow', 'tensor'];

/**
 * Partial FC (An et al. 2022, "Killing Two Birds with One Stone: Efficient and Robust Training of
 * Face Recognition CNNs by Partial FC"; insightface's `PartialFC`): a combined-margin softmax loss
 * over millions of classes that, at each training step, uses only the class centers of the batch's
 * labels plus a uniformly random sample of the others — `sampleRate` of all centers — and updates
 * only those. `margin: layers.adaFace({numClasses, …})` (or any head that normalizes both sides with
 * one center per class) uses that head's margin, scale and state instead, as insightface composes
 * `PartialFC(margin_loss=…)`: its state weights (e.g. AdaFace's norm statistics) become this layer's,
 * MagFace's regularizer joins the per-sample loss, and AdaCos's dynamic scale sees the sampled centers.
 *
 * Applied to `[embeddings, labels]` it returns the per-sample loss `[N, 1]` (compile with
 * `losses.precomputedLoss`, and pass anything of batch size, e.g. the labels, as targets); applied to
 * embeddings alone it returns the margin-free logits `s cos θ_j` over all classes.
 *
 * The centers (weight `centres`, `[numClasses, D]`, row `c` for class `c`) are not trained by the
 * model's optimizer: a tfjs optimizer would keep state and write updates for the whole `[C, D]`
 * matrix every step. They live in a center store (`centerStore`) and take their own SGD step
 * (momentum, weight decay, as insightface trains them) inside the backward pass, on the sampled
 * rows only: the step's rows are gathered into one `[S, D]` tensor, their gradient comes from
 * {@link ops.marginLogits} (the weight decay folded into it), and the store updates those rows in
 * place, so a step costs `O(S·D)` whatever `C` is (except the `'tensor'` store of webgpu). The
 * classes are sampled on the host from the labels: positives, then uniform others without
 * replacement, `O(S)` (on webgpu on the device, `O(C)`). The trainable scalar `update_tap` (always 0)
 * exists only so tfjs routes that backward pass through this layer.
 *
 * Saving: `model.save` and `getWeights` read the `centres` weight, which materializes the whole
 * `[C, D]` table as one tensor (kept until the next training step); `tf.loadLayersModel` and
 * `setWeights` write it back into the store. tfjs then encodes the weights into buffers of its own,
 * so a save holds further copies of the table; for tables near the memory limit, save the rows in
 * ranges with {@link PartialFC.readCenters} and restore them with {@link PartialFC.writeCenters}.
 * The momentum is training state: `model.save` leaves it out; `callbacks.checkpoint` saves it, with
 * the centers, in row ranges.
 */
export class PartialFC extends tfl.layers.Layer {
  static className = 'TfjsMarginPartialFC';
  readonly numClasses: number;
  readonly sampleRate: number;
  readonly m1: number;
  readonly m2: number;
  readonly m3: number;
  readonly scale: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly checkInputs: boolean;
  readonly seed: number | null;
  /** The centers' learning rate; change it with {@link setLearningRate} (e.g. from a schedule). */
  learningRate: number;
  /** Where the centers live, as configured (`'auto'` resolves when the layer is built). */
  readonly centerStore: CenterStoreKind;
  private centers: CenterStoreVariable | null = null;
  private tap: tfl.LayerVariable | null = null;
  private readonly sampler: ClassSampler;
  private readonly psi: TargetMargin;
  /** The head whose margin is used, or `null` for the combined margin. */
  readonly marginHead: MarginSoftmaxHead | null;
  private readonly inputs: HeadInputs;
  private draws = 0;

  constructor(args: PartialFCArgs) {
    const where = 'PartialFC';
    checkLayerKeys(where, args, KEYS);
    super(args);
    this.numClasses = integerAtLeast(where, 'numClasses', args.numClasses, 1);
    this.sampleRate = unitFraction(where, 'sampleRate', args.sampleRate ?? 0.1);
    this.m1 = multiplicativeFactorInRange(where, 'm1', args.m1 ?? 1);
    this.m2 = numberInRange(where, 'm2', args.m2 ?? 0.5, 0, Math.PI);
    this.m3 = cosineMarginInRange(where, 'm3', args.m3 ?? 0);
    this.scale = scaleInRange(where, args.scale ?? 64);
    this.learningRate = nonNegativeNumber(where, 'learningRate', args.learningRate ?? 0.1);
    this.momentum = numberInRange(where, 'momentum', args.momentum ?? 0.9, 0, 1);
    this.weightDecay = nonNegativeNumber(where, 'weightDecay', args.weightDecay ?? 5e-4);
    this.checkInputs = booleanArg(where, 'checkInputs', args.checkInputs ?? true);
    this.seed = optionalSeed(where, args.seed);
    this.psi = combinedAngularMargin(this.m1, this.m2, this.m3);
    this.marginHead = marginHeadArg(where, args, this.numClasses);
    this.inputs = new HeadInputs(where, this.numClasses);
    const store = args.centerStore ?? 'auto';
    if (!STORE_KINDS.includes(store)) {
      throw new MarginArgumentError(
        where,
        'centerStore',
        `one of ${STORE_KINDS.map((k) => `'${k}'`).join(', ')}`,
        store,
      );
    }
    this.centerStore = store;
    this.sampler = new ClassSampler(this.numClasses, this.seed === null ? null : this.seed + 1);
  }

  /** The store holding the centers once built: `'host'`, `'tensorflow'` or `'tensor'`. */
  get centerStoreKind(): Exclude<CenterStoreKind, 'auto'> | null {
    return this.centers?.store.kind ?? null;
  }

  /**
   * What a resume needs besides the weights (see `callbacks.checkpoint`): the class sampler's and the
   * device sampler's positions, the centers' learning rate, and the `margin` head's own state (e.g.
   * ElasticFace's generator). The centers and their momentum are tensors, saved by the checkpoint in
   * row ranges ({@link readCenters}, {@link readMomentum}).
   */
  getTrainingState(): JsonValue {
    const head = this.marginHead;
    return {
      sampler: this.sampler.getTrainingState(),
      draws: this.draws,
      learningRate: this.learningRate,
      margin: head !== null && hasTrainingState(head) ? head.getTrainingState() : null,
    };
  }

  /** Restores a state read by {@link getTrainingState}. */
  setTrainingState(state: JsonValue): void {
    const where = 'PartialFC.setTrainingState';
    const saved = typeof state === 'object' && state !== null && !Array.isArray(state) ? state : {};
    this.sampler.setTrainingState(saved['sampler'] ?? null);
    this.draws = integerAtLeast(where, 'draws', stateNumber(where, state, 'draws'), 0);
    this.setLearningRate(stateNumber(where, state, 'learningRate'));
    const head = this.marginHead;
    if (head !== null && hasTrainingState(head)) head.setTrainingState(saved['margin'] ?? null);
  }

  /** Sets the centers' learning rate. */
  setLearningRate(lr: number): void {
    this.learningRate = nonNegativeNumber('PartialFC.setLearningRate', 'lr', lr);
  }

  /** Class centers used per step for a batch of `n`: `min(C, max(⌈sampleRate · C⌉, n))`. */
  sampleSize(n: number): number {
    return Math.min(this.numClasses, Math.max(Math.ceil(this.sampleRate * this.numClasses), n));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.inputs.embeddingSize(inputShape);
    checkWeightSize('PartialFC', 'numClasses', this.numClasses, d);
    const store = createCenterStore('PartialFC', this.centerStore, this.numClasses, d, () =>
      glorotRows(this.numClasses, d, this.seed),
    );
    // 'centres': the serialized weight name, kept so saved models keep loading.
    this.centers = new CenterStoreVariable(store, 'centres');
    const own = this as unknown as { _nonTrainableWeights: tfl.LayerVariable[]; _addedWeightNames: string[] };
    own._addedWeightNames.push('centres');
    own._nonTrainableWeights.push(this.centers);
    this.tap = this.addWeight('update_tap', [], 'float32', tfl.initializers.zeros(), undefined, true);
    this.marginHead?.attachState((name, value) =>
      this.addWeight(name, [], 'float32', tfl.initializers.constant({ value }), undefined, false),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    if (Array.isArray(inputShape[0])) return [(inputShape as tfl.Shape[])[0]![0] ?? null, 1];
    return [(inputShape as tfl.Shape)[0] ?? null, this.numClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, labelInput] = this.inputs.split(inputs);
      const store = this.inputs.built(this.centers, 'centers').store;
      const x = this.inputs.embeddings(embeddings, store.dim);
      const n = x.shape[0];
      const options = {
        margin: this.psi,
        scale: this.marginHead?.logitScale() ?? this.scale,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact' as const,
        kernelLayout: 'rows' as const,
        checkTargets: false,
      };
      if (labelInput === null) {
        if (this.checkInputs) this.inputs.checkValues(x, null);
        return marginLogits(x, store.snapshot(), null, null, options);
      }
      const labels = this.inputs.labels(labelInput, n);
      if (this.checkInputs) this.inputs.checkValues(x, labelInput);
      const s = this.sampleSize(n);
      const sampled = this.sample(labels, s);
      const training = kwargs['training'] === true;
      const tapped = this.tapped(store.gather(sampled.indices), sampled.indices, training);
      const strategy = this.marginHead?.marginStrategy(x, training) ?? null;
      const { lambda, ...call } = strategy ?? { lambda: null };
      const withDecay: MarginLogitsInternalOptions = { ...options, ...call, kernelDecay: this.weightDecay };
      const logits = marginLogits(x, tapped, sampled.local, lambda, withDecay);
      let loss = crossEntropyFromLogits(oneHotFloat(sampled.local, s), logits, 1);
      const extra = this.marginHead?.sampleRegularizer(x) ?? null;
      if (extra !== null) loss = tf.add(loss, extra);
      return tf.reshape(loss, [n, 1]);
    });
  }

  /**
   * The step's classes and each label's position among them: on the host ({@link ClassSampler})
   * wherever labels can be read synchronously; on webgpu on the device (every class of the batch,
   * then the largest of uniform random keys, `O(C)`, as insightface).
   */
  private sample(labels: tf.Tensor1D, s: number): { indices: Int32Array | tf.Tensor1D; local: tf.Tensor1D } {
    const c = this.numClasses;
    if (canReadSync()) {
      const { indices, local } = this.sampler.sample(labels.dataSync(), s);
      return { indices, local: tf.tensor1d(local, 'int32') };
    }
    if (s === c) return { indices: tf.range(0, c, 1, 'int32') as tf.Tensor1D, local: labels };
    const keys = tf.randomUniform([c], 0, 1, 'float32', this.seed === null ? undefined : this.seed + ++this.draws);
    const marked = tf.tensorScatterUpdate(keys, tf.reshape(labels, [-1, 1]), tf.fill([labels.shape[0]], 2));
    const indices = tf.topk(marked, s, false).indices as tf.Tensor1D;
    const position = tf.scatterND(tf.reshape(indices, [-1, 1]), tf.range(0, s, 1, 'int32'), [c]) as tf.Tensor1D;
    return { indices, local: tf.gather(position, labels) as tf.Tensor1D };
  }

  /** Identity on the sampled rows whose backward pass gives their gradient to the store's SGD step. */
  private tapped(rows: tf.Tensor2D, indices: Int32Array | tf.Tensor1D, training: boolean): tf.Tensor2D {
    const tap = this.tap!.read();
    const store = this.centers!.store;
    const f = withCustomGrad(([w], save) => {
      // Saved (kept) by tfjs until the backward pass; the call's own tensors are gone by then.
      save(indices instanceof Int32Array ? [] : [indices]);
      return {
        value: tf.clone(w!), // the tap (second input) only routes the backward pass here
        gradFunc: (dy, saved) => {
          if (training) {
            const at = indices instanceof Int32Array ? indices : (saved[0] as tf.Tensor1D);
            store.update(at, dy as tf.Tensor2D, { learningRate: this.learningRate, momentum: this.momentum });
          }
          // dy for the rows goes nowhere: they were read from the store, not from a tfjs variable.
          return [dy, tf.scalar(0)];
        },
      };
    });
    return f(rows, tap) as tf.Tensor2D;
  }

  /**
   * The value checks of `checkInputs`, asynchronously and on every backend: rejects NaN/Infinity
   * embeddings and labels outside `[0, numClasses)` with the same errors a call would throw.
   */
  validateInputs(embeddings: tf.Tensor, labels?: tf.Tensor): Promise<void> {
    return this.inputs.validate(embeddings, labels);
  }

  /**
   * Rows `[start, start + count)` of the centers as a `[count, D]` row-major float32 array (e.g. to
   * save a table too large for `model.save` in pieces); asynchronous, so it works on every backend.
   *
   * @example
   * ```ts
   * const head = layers.partialFC({ numClasses: 1000, seed: 1 });
   * tf.dispose(head.apply(tf.randomNormal([2, 16])) as tf.Tensor); // builds the centers
   * const rows = await head.readCenters(0, 100); // 100 × 16 floats
   * head.writeCenters(0, rows);
   * ```
   */
  readCenters(start: number, count: number): Promise<Float32Array> {
    return this.readRows('readCenters', start, count, (store, rows) => store.gather(rows));
  }

  /**
   * The centers' momentum for rows `[start, start + count)` as a `[count, D]` row-major float32 array
   * (zeros before the first training step): with {@link readCenters}, what a checkpoint streams.
   *
   * @example
   * ```ts
   * const head = layers.partialFC({ numClasses: 1000, seed: 1 });
   * tf.dispose(head.apply(tf.randomNormal([2, 16])) as tf.Tensor);
   * const velocity = await head.readMomentum(0, 100); // 100 × 16 floats
   * head.writeMomentum(0, velocity);
   * ```
   */
  readMomentum(start: number, count: number): Promise<Float32Array> {
    return this.readRows('readMomentum', start, count, (store, rows) => store.gatherMomentum(rows));
  }

  private async readRows(
    method: string,
    start: number,
    count: number,
    gather: (store: CenterStore, rows: Int32Array) => tf.Tensor2D,
  ): Promise<Float32Array> {
    const store = this.builtStore(method);
    const [from, n] = this.rowRange(method, start, count, store);
    const rows = gather(store, rangeOf(from, n));
    try {
      return (await rows.data()) as Float32Array;
    } finally {
      rows.dispose();
    }
  }

  /**
   * Writes the momentum of rows `[start, start + rows.length / D)` (e.g. from {@link readMomentum}).
   *
   * @example
   * ```ts
   * const head = layers.partialFC({ numClasses: 10, seed: 1 });
   * tf.dispose(head.apply(tf.randomNormal([2, 4])) as tf.Tensor);
   * head.writeMomentum(0, new Float32Array(10 * 4)); // no momentum on any row
   * ```
   */
  writeMomentum(start: number, rows: Float32Array): void {
    const store = this.builtStore('writeMomentum');
    const n = this.wholeRows('writeMomentum', rows, store);
    const [from] = this.rowRange('writeMomentum', start, n, store);
    if (n > 0) store.replaceMomentumRows(rangeOf(from, n), rows);
  }

  private wholeRows(method: string, rows: unknown, store: CenterStore): number {
    if (!(rows instanceof Float32Array) || rows.length % store.dim !== 0) {
      throw new MarginArgumentError(
        `PartialFC.${method}`,
        'rows',
        `a Float32Array of whole rows of ${store.dim}`,
        rows,
      );
    }
    return rows.length / store.dim;
  }

  /**
   * Writes rows `[start, start + rows.length / D)` of the centers (e.g. from {@link readCenters});
   * the momentum is kept.
   *
   * @example
   * ```ts
   * const head = layers.partialFC({ numClasses: 10, seed: 1 });
   * tf.dispose(head.apply(tf.randomNormal([2, 4])) as tf.Tensor);
   * head.writeCenters(3, new Float32Array([1, 0, 0, 0])); // class 3's center
   * ```
   */
  writeCenters(start: number, rows: Float32Array): void {
    const store = this.builtStore('writeCenters');
    const [from, n] = this.rowRange('writeCenters', start, this.wholeRows('writeCenters', rows, store), store);
    if (n === 0) return;
    if (n === store.rows) {
      tf.tidy(() => store.assign(tf.tensor2d(rows, [n, store.dim])));
      return;
    }
    store.replaceRows(rangeOf(from, n), rows);
  }

  private builtStore(method: string): CenterStore {
    if (this.centers === null) {
      throw new MarginArgumentError(`PartialFC.${method}`, 'this', 'a built layer (apply it once first)', 'unbuilt');
    }
    return this.centers.store;
  }

  private rowRange(method: string, start: number, count: number, store: CenterStore): [number, number] {
    const where = `PartialFC.${method}`;
    const from = integerAtLeast(where, 'start', start, 0);
    const n = integerAtLeast(where, 'count', count, 0);
    if (from + n > store.rows) {
      throw new MarginArgumentError(where, 'count', `at most numClasses − start = ${store.rows - from}`, n);
    }
    return [from, n];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...formatTag(),
      numClasses: this.numClasses,
      sampleRate: this.sampleRate,
      ...(this.marginHead === null
        ? { m1: this.m1, m2: this.m2, m3: this.m3, scale: this.scale }
        : { margin: { className: this.marginHead.getClassName(), config: this.marginHead.getConfig() } }),
      learningRate: this.learningRate,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      checkInputs: this.checkInputs,
      seed: this.seed,
      centerStore: this.centerStore,
    };
  }
}
registerLayer(PartialFC);

function rangeOf(start: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = start + i;
  return out;
}

/** The `margin` argument: a head instance, or a saved `{className, config}` of one. */
function marginHeadArg(where: string, args: PartialFCArgs, numClasses: number): MarginSoftmaxHead | null {
  const given = args.margin;
  if (given === undefined || given === null) return null;
  for (const key of ['m1', 'm2', 'm3', 'scale'] as const) {
    if (args[key] !== undefined) {
      throw new MarginArgumentError(
        where,
        key,
        "absent when 'margin' gives a head (its scale and margin are used)",
        args[key],
      );
    }
  }
  let head: unknown = given;
  if (!(given instanceof MarginSoftmaxHead)) {
    const saved = given as { className?: unknown; config?: unknown };
    const entry =
      typeof saved.className === 'string'
        ? tf.serialization.SerializationMap.getMap().classNameMap[saved.className]
        : undefined;
    if (entry === undefined || typeof saved.config !== 'object' || saved.config === null) {
      throw new MarginArgumentError(
        where,
        'margin',
        'a margin head (layers.arcFace(...), ...) or its saved {className, config}',
        given,
      );
    }
    head = entry[1](entry[0], saved.config as tf.serialization.ConfigDict);
  }
  if (!(head instanceof MarginSoftmaxHead)) {
    throw new MarginArgumentError(where, 'margin', 'a margin head (layers.arcFace(...), ...)', given);
  }
  if (head.numClasses !== numClasses) {
    throw new MarginArgumentError(
      where,
      'margin',
      `a head with numClasses ${numClasses} (this layer's)`,
      `numClasses ${head.numClasses}`,
    );
  }
  head.checkMarginStrategy(where);
  return head;
}

/** Creates a {@link PartialFC} loss layer.
 *
 * @example
 * ```ts
 * const head = layers.partialFC({ numClasses: 1000, sampleRate: 0.1, seed: 1 });
 * const embeddings = tf.randomNormal([4, 16]);
 * const labels = tf.tensor1d([1, 5, 999, 5], 'int32');
 * const loss = head.apply([embeddings, labels]) as tf.Tensor; // [4, 1]: per-sample loss over 100 sampled centers
 * // In a model: compile with losses.precomputedLoss; the centers take their own SGD step.
 * ```
 */
export function partialFC(args: PartialFCArgs): PartialFC {
  return new PartialFC(args);
}
