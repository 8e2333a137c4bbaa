/**
 * The training-state protocol of the objects a checkpoint carries: each restores to a position
 * from which it continues exactly as the original did, and rejects a state that is not its own.
 */
import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint, data, layers } from 'tfjs-margin';

test('seededRandom continues from a restored position', () => {
  const a = data.seededRandom(7);
  for (let i = 0; i < 5; i++) a();
  const saved = a.getTrainingState();
  const expected = [a(), a(), a()];
  const b = data.seededRandom(123);
  b.setTrainingState(saved);
  expect([b(), b(), b()]).toEqual(expected);
  expect(checkpoint.hasTrainingState(a)).toBe(true);
  expect(() => b.setTrainingState({ state: -1 })).toThrow(/32-bit unsigned integer state/);
  expect(() => b.setTrainingState({})).toThrow(/finite number 'state'/);
});

test.each([false, true])(
  'classBalancedSampler (groups %s) restored between epochs gives the same next epochs',
  (grouped) => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 12);
    const groups = labels.map((c) => Math.floor(c / 4));
    const make = () =>
      data.classBalancedSampler(labels, {
        samplesPerClass: 2,
        classesPerBatch: 3,
        seed: 5,
        batchesPerEpoch: 7,
        ...(grouped ? { groups } : {}),
      });
    const a = make();
    for (const _ of a.epoch()) void _;
    const saved = JSON.parse(JSON.stringify(a.getTrainingState())) as checkpoint.JsonValue;
    const expected = [...a.epoch(), ...a.epoch()].map((b) => Array.from(b));
    const b = make();
    b.setTrainingState(saved);
    expect([...b.epoch(), ...b.epoch()].map((x) => Array.from(x))).toEqual(expected);
    expect(() => b.setTrainingState({ random: { state: 1 }, queues: [[99, [1]]], groups: null })).toThrow(
      /argument 'queues' must be the queues saved by getTrainingState/,
    );
  },
);

test('schedules and margin warm-up restore their step; a bad state names the field', () => {
  const schedule = callbacks.cosineDecay({ learningRate: 0.1, totalSteps: 10 });
  schedule.setTrainingState({ step: 4, total: 10 });
  expect(schedule.steps).toBe(4);
  expect(schedule.getTrainingState()).toEqual({ step: 4, total: 10 });
  expect(() => schedule.setTrainingState({ step: 'x' })).toThrow(/finite number 'step'/);
  const head = layers.arcFace({ numClasses: 3 });
  const warmup = callbacks.marginWarmup({ head, warmupSteps: 10 });
  warmup.setTrainingState({ step: 6 });
  expect(warmup.steps).toBe(6);
  expect(() => warmup.setTrainingState({ step: -2 })).toThrow(/'step' must be an integer >= 0/);
});

test('the checkpoint callback rejects bad arguments by name', () => {
  const storage = checkpoint.memoryStorage();
  expect(() => callbacks.checkpoint({ storage: 42 as unknown as string })).toThrow(
    /argument 'storage' must be a folder path or a CheckpointStorage/,
  );
  expect(() => callbacks.checkpoint({ storage, everySteps: 0 })).toThrow(/argument 'everySteps'/);
  expect(() => callbacks.checkpoint({ storage, keep: 0 })).toThrow(/argument 'keep'/);
  expect(() => callbacks.checkpoint({ storage, state: { sampler: {} as checkpoint.TrainingState } })).toThrow(
    /argument 'state.sampler' must be an object with getTrainingState\(\) and setTrainingState/,
  );
  expect(() => callbacks.checkpoint({ storage, every: 3 } as unknown as callbacks.CheckpointArgs)).toThrow(/every/);
  expect(() => checkpoint.fileStorage('')).toThrow(/argument 'directory' must be a folder path/);
  expect(() => checkpoint.indexedDBStorage('x')).toThrow(/used where IndexedDB exists/);
});

test('restore into something that is not a LayersModel is refused; an empty storage means a fresh start', async () => {
  const saver = callbacks.checkpoint({ storage: checkpoint.memoryStorage() });
  await expect(saver.restore({} as tf.LayersModel)).rejects.toThrow(/argument 'model' must be a tf.LayersModel/);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  await expect(saver.restore(model)).resolves.toBeNull();
  await expect(saver.save()).rejects.toThrow(/Checkpoint.save: argument 'model' must be a tf.LayersModel/);
  model.dispose();
});

test('a model compiled with Adamax (tfjs cannot restore it) is refused at the first save', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  const optimizer = tf.train.adamax(0.01);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const saver = callbacks.checkpoint({ storage: checkpoint.memoryStorage() });
  await expect(saver.save(model)).rejects.toThrow(
    /argument 'model' must be compiled with an optimizer tfjs can restore \(its Adamax has no setWeights\)/,
  );
  model.dispose();
  optimizer.dispose();
});

test('positions: a step checkpoint at an epoch end is taken at the epoch end; model.fit on arrays restarts a resumed epoch at batch 0', async () => {
  const build = () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return model;
  };
  const storage = checkpoint.memoryStorage();
  const x = tf.ones([8, 3]);
  const y = tf.zeros([8, 2]);
  const fit = (model: tf.LayersModel, saver: callbacks.Checkpoint, initialEpoch = 0) =>
    model.fit(x, y, { epochs: 1, initialEpoch, batchSize: 2, shuffle: false, verbose: 0, callbacks: [saver] });
  /** Every checkpoint's position, newest first, emptying the storage. */
  const drain = async () => {
    const out: Record<string, unknown> = {};
    while (storage.checkpoints.size > 0) {
      const point = (await callbacks.checkpoint({ storage, log: null }).restore(build()))!;
      out[point.name] = { epoch: point.epoch, batch: point.batch, step: point.step };
      storage.checkpoints.delete(point.name);
    }
    return out;
  };
  await fit(build(), callbacks.checkpoint({ storage, everySteps: 2, log: null }));
  const saved = storage.checkpoints.get('step-0000000002')!;
  // 4 batches an epoch: step 2 is mid-epoch; step 4 is the epoch's last batch, saved as the next epoch's start.
  expect(await drain()).toEqual({
    'step-0000000004': { epoch: 1, batch: 0, step: 4 },
    'step-0000000002': { epoch: 0, batch: 2, step: 2 },
  });
  // Resumed from step 2 (epoch 0, batch 2), model.fit runs epoch 0 from its first batch again.
  storage.checkpoints.set('step-0000000002', saved);
  const again = build();
  const saver = callbacks.checkpoint({ storage, everySteps: 2, log: null });
  const point = await saver.restore(again);
  await fit(again, saver, point!.epoch);
  expect(await drain()).toEqual({
    'step-0000000006': { epoch: 1, batch: 0, step: 6 },
    'step-0000000004': { epoch: 0, batch: 2, step: 4 },
  });
  tf.dispose([x, y]);
  tf.disposeVariables();
});
