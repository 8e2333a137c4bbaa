import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint, losses } from 'tfjs-margin';
import { assert, expectRejects } from '../harness/assert';
import { NODE_BACKENDS, spec, type BackendName, type SpecContext } from '../harness/registry';
import {
  BATCHES,
  build,
  CASES,
  type Case,
  dispose,
  EPOCHS,
  partialCases,
  train,
  weightsOf,
} from '../harness/resumable';

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

/**
 * The heads a backend resumes. What a head carries besides tensors (generators, statistics' JSON) is
 * JavaScript, the same on every backend, so cpu, wasm and tensorflow run every head and every center
 * store; the browser backends, where SwiftShader makes each step slow, check the tensor round trip
 * (weights, Adam's slots, non-trainable statistics, the tensor store) with ArcFace and AdaFace.
 */
function casesOn(backend: BackendName): Case[] {
  return NODE_BACKENDS.includes(backend) ? CASES : CASES.filter((c) => c.name === 'AdaFace' || c.warmup === true);
}

spec(
  'checkpoint',
  'a run stopped mid-epoch and resumed from its checkpoint ends bit-identical to an uninterrupted one, with the same loss at every step (stateful heads, warm-up, schedule, data stream)',
  async (ctx) => {
    for (const c of casesOn(ctx.backend)) await resumesExactly(ctx, c);
  },
);

spec(
  'checkpoint',
  'Partial FC resumes bit-identically in every center store: centers, momentum, sampler and margin generator',
  async (ctx) => {
    const stores = partialCases(ctx.backend);
    const run = NODE_BACKENDS.includes(ctx.backend) ? stores : stores.filter((s) => s.name.includes('tensor store'));
    for (const c of run) await resumesExactly(ctx, c);
  },
);

/** The checkpoints (in memory) of a run of case `c` that stops after `steps` steps. */
async function checkpointed(
  c: Case,
  args: Omit<callbacks.CheckpointArgs, 'storage' | 'state' | 'log'>,
  steps = Infinity,
): Promise<ReturnType<typeof checkpoint.memoryStorage>> {
  const storage = checkpoint.memoryStorage();
  const run = build(c);
  run.batches.remaining = steps;
  await train(run, callbacks.checkpoint({ storage, state: run.state, log: null, ...args }), 0, [], 0);
  dispose(run);
  return storage;
}

spec(
  'checkpoint',
  'a truncated, bit-flipped or foreign checkpoint is skipped with its reason and the newest good one is used',
  async () => {
    const c = CASES[0]!;
    const storage = await checkpointed(c, { everySteps: 2, keep: 3 });
    const names = [...storage.checkpoints.keys()].sort().reverse(); // newest first
    assert(names.length === 3, `kept ${names.length}`);
    const [newest, middle, oldest] = names.map((n) => storage.checkpoints.get(n)!);
    const flipped = newest!.entries[1]!;
    flipped[3] = flipped[3]! ^ 0x10; // one flipped bit in a weight
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
    const storage = await checkpointed(c, { everySteps: 2 }, 2);

    const otherMargin = build(c, 0.3);
    await expectRejects(
      () => callbacks.checkpoint({ storage, state: otherMargin.state, log: null }).restore(otherMargin.model),
      /another model: layer 1 \(TfjsMarginArcFace\): margin is 0.5 in the checkpoint but 0.3 in this model/,
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
