import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint, data, layers, losses } from 'tfjs-margin';
import { values } from './assert';

/**
 * A small training run whose every source of state a checkpoint must carry: seeded dense layers, a
 * stateful margin head, Adam, a cosine schedule, an optional margin warm-up, and data drawn from a
 * seeded stream whose position is registered state. The checkpoint spec runs it in process on every
 * backend; the fault-injection test runs it in child processes that it kills.
 */
export const D_IN = 8;
export const EMB = 6;
export const C = 5;
export const N = 8;
export const BATCHES = 4;
export const EPOCHS = 3;

/**
 * The data of one run as a resumable source: batch `k` of every epoch is drawn from one seeded stream,
 * and the stream's position with the batch number is the training state a checkpoint carries.
 */
export class Batches implements checkpoint.TrainingState {
  private readonly random = data.seededRandom(99);
  private batch = 0;
  /** Global steps this source may still give (a "crash" stops it); Infinity: all. */
  remaining = Infinity;

  constructor(private readonly targets: 'oneHot' | 'labels') {}

  getTrainingState(): checkpoint.JsonValue {
    return { random: this.random.getTrainingState(), batch: this.batch };
  }

  setTrainingState(state: checkpoint.JsonValue): void {
    const s = state as { random: checkpoint.JsonValue; batch: number };
    this.random.setTrainingState(s.random);
    this.batch = s.batch;
  }

  dataset(): tf.data.Dataset<tf.TensorContainer> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return tf.data.generator(function* () {
      while (self.batch < BATCHES && self.remaining > 0) {
        self.batch++;
        self.remaining--;
        const x = Array.from({ length: N * D_IN }, () => self.random() * 2 - 1);
        const y = Array.from({ length: N }, () => Math.floor(self.random() * C));
        yield tf.tidy(() => {
          const labels = tf.tensor2d(y, [N, 1]);
          const ys = self.targets === 'oneHot' ? tf.oneHot(tf.tensor1d(y, 'int32'), C) : tf.tensor2d(y, [N, 1]);
          return { xs: [tf.tensor2d(x, [N, D_IN]), labels], ys };
        });
      }
      if (self.batch >= BATCHES) self.batch = 0;
    });
  }
}

export interface Case {
  name: string;
  head: () => tf.layers.Layer;
  partial?: boolean;
  warmup?: boolean;
}

export const CASES: Case[] = [
  {
    name: 'ArcFace with margin warm-up',
    head: () => layers.arcFace({ numClasses: C, scale: 8, seed: 3 }),
    warmup: true,
  },
  { name: 'CurricularFace', head: () => layers.curricularFace({ numClasses: C, scale: 8, seed: 3 }) },
  { name: 'AdaFace', head: () => layers.adaFace({ numClasses: C, scale: 8, seed: 3 }) },
  { name: 'AdaCos', head: () => layers.adaCos({ numClasses: C, seed: 3 }) },
  { name: 'ElasticFace', head: () => layers.elasticFace({ numClasses: C, scale: 8, seed: 3 }) },
];

export function storesOn(backend: string): ('tensor' | 'host' | 'tensorflow')[] {
  if (backend === 'webgpu') return ['tensor'];
  return backend === 'tensorflow' ? ['tensor', 'host', 'tensorflow'] : ['tensor', 'host'];
}

/** Partial FC on each center store of `backend`, with ElasticFace's margin (a generator to carry). */
export function partialCases(backend: string): Case[] {
  return storesOn(backend).map((centerStore) => ({
    name: `Partial FC (${centerStore} store, ElasticFace margin)`,
    partial: true,
    head: () =>
      layers.partialFC({
        numClasses: C,
        sampleRate: 0.6,
        seed: 4,
        centerStore,
        margin: layers.elasticFace({ numClasses: C, scale: 8, seed: 5 }),
      }),
  }));
}

export interface Run {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  head: tf.layers.Layer;
  batches: Batches;
  state: Record<string, checkpoint.TrainingState>;
}

/** The run of case `c` (`margin`: ArcFace's, to build a model the checkpoint must refuse). */
export function build(c: Case, margin = 0.5): Run {
  const image = tf.input({ shape: [D_IN] });
  const label = tf.input({ shape: [1] });
  const embedding = tf.layers
    .dense({ units: EMB, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
    .apply(image) as tf.SymbolicTensor;
  const head =
    c.head === CASES[0]!.head && margin !== 0.5
      ? layers.arcFace({ numClasses: C, scale: 8, seed: 3, margin })
      : c.head();
  const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
  const optimizer = tf.train.adam(0.05);
  model.compile({ optimizer, loss: c.partial === true ? losses.precomputedLoss : losses.softmaxCrossEntropy });
  const batches = new Batches(c.partial === true ? 'labels' : 'oneHot');
  const state: Record<string, checkpoint.TrainingState> = {
    batches,
    schedule: callbacks.cosineDecay({ learningRate: 0.05, warmupSteps: 2, totalSteps: EPOCHS * BATCHES }),
  };
  if (c.warmup === true) state['warmup'] = callbacks.marginWarmup({ head: head as layers.ArcFace, warmupSteps: 5 });
  return { model, optimizer, head, batches, state };
}

export function dispose(run: Run): void {
  run.model.dispose();
  run.optimizer.dispose();
}

/** Trains from `initialEpoch`, recording each step's loss by global step. */
export async function train(
  run: Run,
  saver: callbacks.Checkpoint | null,
  initialEpoch: number,
  losses: number[],
  firstStep: number,
  onStep?: (step: number, loss: number) => void,
): Promise<void> {
  let step = firstStep;
  const record = new tf.CustomCallback({
    onBatchEnd: async (_b, logs) => {
      const loss = logs!['loss'] as number;
      onStep?.(step, loss);
      losses[step++] = loss;
    },
  });
  const order: tf.CustomCallbackArgs[] | tf.Callback[] = [
    ...(Object.values(run.state).filter((s) => s instanceof tf.Callback) as tf.Callback[]),
    record,
    ...(saver === null ? [] : [saver]),
  ];
  await run.model.fitDataset(run.batches.dataset(), { epochs: EPOCHS, initialEpoch, verbose: 0, callbacks: order });
}

export async function weightsOf(model: tf.LayersModel, head: tf.layers.Layer): Promise<number[][]> {
  const out: number[][] = [];
  for (const w of model.weights) out.push(await values(w.read()));
  if (head instanceof layers.PartialFC) out.push(Array.from(await head.readMomentum(0, C)));
  return out;
}
