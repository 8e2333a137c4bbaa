import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint, data, layers, losses } from 'tfjs-margin';
import { assert, expectRejects, values } from '../harness/assert';
import { spec, type SpecContext } from '../harness/registry';

const D_IN = 8;
const EMB = 6;
const C = 5;
const N = 8;
const BATCHES = 4;
const EPOCHS = 3;

/**
 * The data of one run as a resumable source: batch `k` of every epoch is drawn from one seeded stream,
 * and the stream's position with the batch number is the training state a checkpoint carries.
 */
class Batches implements checkpoint.TrainingState {
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

interface Case {
  name: string;
  head: () => tf.layers.Layer;
  partial?: boolean;
  warmup?: boolean;
}

const CASES: Case[] = [
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

function storesOn(backend: string): ('tensor' | 'host' | 'tensorflow')[] {
  if (backend === 'webgpu') return ['tensor'];
  return backend === 'tensorflow' ? ['tensor', 'host', 'tensorflow'] : ['tensor', 'host'];
}

function partialCases(backend: string): Case[] {
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

interface Run {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  head: tf.layers.Layer;
  batches: Batches;
  state: Record<string, checkpoint.TrainingState>;
}

function build(c: Case, margin = 0.5): Run {
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

function dispose(run: Run): void {
  run.model.dispose();
  run.optimizer.dispose();
}

/** Trains from `initialEpoch`, recording each step's loss by global step. */
async function train(
  run: Run,
  saver: callbacks.Checkpoint | null,
  initialEpoch: number,
  losses: number[],
  firstStep: number,
) {
  let step = firstStep;
  const record = new tf.CustomCallback({
    onBatchEnd: async (_b, logs) => {
      losses[step++] = logs!['loss'] as number;
    },
  });
  const order: tf.CustomCallbackArgs[] | tf.Callback[] = [
    ...(Object.values(run.state).filter((s) => s instanceof tf.Callback) as tf.Callback[]),
    record,
    ...(saver === null ? [] : [saver]),
  ];
  await run.model.fitDataset(run.batches.dataset(), { epochs: EPOCHS, initialEpoch, verbose: 0, callbacks: order });
}

async function weightsOf(model: tf.LayersModel, head: tf.layers.Layer): Promise<number[][]> {
  const out: number[][] = [];
  for (const w of model.weights) out.push(await values(w.read()));
  if (head instanceof layers.PartialFC) out.push(Array.from(await head.readMomentum(0, C)));
  return out;
}

async function resumesExactly(ctx: SpecContext, c: Case): Promise<void> {
  const crashAt = 7;
  const reference = build(c);
  const expectedLosses: number[] = [];
  await train(reference, null, 0, expectedLosses, 0);
  const expected = await weightsOf(reference.model, reference.head);
  dispose(reference);

  const storage = checkpoint.memoryStorage();
  const first = build(c);
  // The run dies after step 7, its checkpoint at step 5 (where tfjs's setWeights would get Adam's β₂ power
  // wrong in the last bit).
  first.batches.remaining = crashAt;
  const firstSaver = callbacks.checkpoint({ storage, everySteps: 5, state: first.state, log: null });
  const gotLosses: number[] = [];
  await train(first, firstSaver, 0, gotLosses, 0);
  dispose(first);
  assert(storage.checkpoints.size === 1, `${c.name}: ${storage.checkpoints.size} checkpoints kept, expected 1`);

  const second = build(c);
  const saver = callbacks.checkpoint({ storage, everySteps: 5, state: second.state, log: null });
  const point = await saver.restore(second.model);
  assert(
    point !== null && point.step === 5 && point.epoch === 1 && point.batch === 1,
    `${c.name}: resumed at ${JSON.stringify(point)}`,
  );
  await train(second, saver, point.epoch, gotLosses, point.step);
  const got = await weightsOf(second.model, second.head);
  dispose(second);

  assert(gotLosses.length === EPOCHS * BATCHES, `${c.name}: ${gotLosses.length} steps`);
  for (let s = 0; s < expectedLosses.length; s++) {
    assert(
      Object.is(gotLosses[s], expectedLosses[s]),
      `${c.name} on ${ctx.backend}: loss at step ${s} is ${gotLosses[s]}, uninterrupted ${expectedLosses[s]}`,
    );
  }
  expected.forEach((w, i) => {
    const bad = w.findIndex((v, k) => !Object.is(v, got[i]![k]));
    assert(
      bad < 0,
      `${c.name} on ${ctx.backend}: weight ${i} element ${bad} is ${got[i]![bad]}, uninterrupted ${w[bad]}`,
    );
  });
}

spec(
  'checkpoint',
  'a run stopped mid-epoch and resumed from its checkpoint ends bit-identical to an uninterrupted one, with the same loss at every step (stateful heads, warm-up, schedule, data stream)',
  async (ctx) => {
    for (const c of CASES) await resumesExactly(ctx, c);
  },
);

spec(
  'checkpoint',
  'Partial FC resumes bit-identically in every center store: centers, momentum, sampler and margin generator',
  async (ctx) => {
    for (const c of partialCases(ctx.backend)) await resumesExactly(ctx, c);
  },
);

spec(
  'checkpoint',
  'a truncated, bit-flipped or foreign checkpoint is skipped with its reason and the newest good one is used',
  async () => {
    const c = CASES[0]!;
    const storage = checkpoint.memoryStorage();
    const run = build(c);
    await train(run, callbacks.checkpoint({ storage, everySteps: 2, keep: 3, state: run.state, log: null }), 0, [], 0);
    dispose(run);
    const names = [...storage.checkpoints.keys()].sort().reverse(); // newest first
    assert(names.length === 3, `kept ${names.length}`);
    const [newest, middle, oldest] = names.map((n) => storage.checkpoints.get(n)!);
    newest!.entries[1]![3] ^= 0x10; // one flipped bit in a weight
    middle!.entries[0] = middle!.entries[0]!.slice(0, 5); // a truncated entry

    const messages: string[] = [];
    const fresh = build(c);
    const saver = callbacks.checkpoint({ storage, everySteps: 2, state: fresh.state, log: (m) => messages.push(m) });
    const point = await saver.restore(fresh.model);
    dispose(fresh);
    assert(point?.name === names[2], `restored ${point?.name}, expected the oldest ${names[2]}`);
    assert(/fails its checksum/.test(messages[0] ?? ''), `first message: ${messages[0]}`);
    assert(/has 5 bytes, expected \d+ \(truncated\)/.test(messages[1] ?? ''), `second message: ${messages[1]}`);
    assert(/resumed from/.test(messages[2] ?? ''), `third message: ${messages[2]}`);

    oldest!.manifest = oldest!.manifest.slice(0, 40);
    const again = build(c);
    await expectRejects(
      () => callbacks.checkpoint({ storage, state: again.state, log: null }).restore(again.model),
      /no usable checkpoint of 3/,
      /manifest is not JSON/,
    );
    dispose(again);
  },
);

spec(
  'checkpoint',
  'a checkpoint of another head configuration, optimizer or registered state is refused, naming the difference',
  async () => {
    const c = CASES[0]!;
    const storage = checkpoint.memoryStorage();
    const run = build(c);
    run.batches.remaining = 2;
    await train(run, callbacks.checkpoint({ storage, everySteps: 2, state: run.state, log: null }), 0, [], 0);
    dispose(run);

    const otherMargin = build(c, 0.3);
    await expectRejects(
      () => callbacks.checkpoint({ storage, state: otherMargin.state, log: null }).restore(otherMargin.model),
      /another model: layer 3 \(TfjsMarginArcFace\): margin is 0.5 in the checkpoint but 0.3 in this model/,
    );
    dispose(otherMargin);

    const otherOptimizer = build(c);
    const sgd = tf.train.sgd(0.1);
    otherOptimizer.model.compile({ optimizer: sgd, loss: losses.softmaxCrossEntropy });
    await expectRejects(
      () => callbacks.checkpoint({ storage, state: otherOptimizer.state, log: null }).restore(otherOptimizer.model),
      /another optimizer: the optimizer is Adam in the checkpoint but SGD in this model/,
    );
    sgd.dispose();
    dispose(otherOptimizer);

    const otherState = build(c);
    delete otherState.state['schedule'];
    await expectRejects(
      () => callbacks.checkpoint({ storage, state: otherState.state, log: null }).restore(otherState.model),
      /holds the state of 'schedule', which is not registered/,
    );
    dispose(otherState);
  },
);
