import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';
import { assert, scope, expectClose, expectRejects, expectThrows } from '../harness/assert';
import { roundTrip } from '../harness/models';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { l2Normalize64, normalizedLinear64, reshape, softmax64 } from '../reference/numerics';
import { valueTol } from './gradcheck';

function denseModel(inputDim: number, head: tf.layers.Layer): tf.LayersModel {
  const input = tf.input({ shape: [inputDim] });
  return tf.model({ inputs: input, outputs: head.apply(input) as tf.SymbolicTensor });
}

for (const cfg of [
  { normalizeInputs: true, scale: 8 },
  { normalizeInputs: false, scale: 1 },
]) {
  spec(
    'layers.normalizedDense',
    `forward matches float64 (${JSON.stringify(cfg)}) and round-trips save/load`,
    async (ctx) => {
      const layer = layers.normalizedDense({ units: 5, ...cfg });
      const model = denseModel(4, layer);
      const w = uniform(40, 20);
      const x = uniform(41, 12, -3, 3);
      const kernel = tf.tensor2d(w, [4, 5]);
      layer.setWeights([kernel]);
      kernel.dispose();
      const expected = normalizedLinear64(
        reshape(x, 3, 4),
        reshape(w, 4, 5),
        cfg.normalizeInputs,
        true,
        cfg.scale,
      ).flat();
      const xt = tf.tensor2d(x, [3, 4]);
      const out = model.predict(xt) as tf.Tensor;
      await expectClose(out, expected, valueTol(ctx), 'logits');
      assert(layer.getWeights()[0]!.shape.join() === '4,5', 'kernel shape [inputDim, units]');
      assert(layer.weights[0]!.name.endsWith('kernel'), `kernel weight named 'kernel', got ${layer.weights[0]!.name}`);
      const { loaded } = await roundTrip(model);
      const again = loaded.predict(xt) as tf.Tensor;
      await expectClose(again, out, { rtol: 0, atol: 0 }, 'identical logits after load');
      const config = loaded.layers[1]!.getConfig();
      assert(
        config.units === 5 && config.scale === cfg.scale && config.normalizeInputs === cfg.normalizeInputs,
        `config ${JSON.stringify(config)}`,
      );
      tf.dispose([xt, out, again]);
      model.dispose();
      loaded.dispose();
    },
  );
}

spec('layers.normalizedDense', 'learnable scale trains and is saved', async (ctx) => {
  const layer = layers.normalizedDense({ units: 3, scale: 2, learnScale: true });
  const model = denseModel(4, layer);
  const optimizer = tf.train.sgd(0.5);
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
  const xs = tf.tensor2d(uniform(42, 8, -1, 1), [2, 4]);
  const ys = tf.tensor2d([1, 0, 0, 0, 0, 1], [2, 3]);
  await model.fit(xs, ys, { epochs: 2, batchSize: 2, verbose: 0 });
  const scale = layer.getWeights()[1]!;
  const s = (await scale.data())[0]!;
  assert(Math.abs(s - 2) > 1e-4, `scale weight should move from 2 after training, got ${s}`);
  const { loaded } = await roundTrip(model);
  await expectClose(loaded.layers[1]!.getWeights()[1]!, [s], valueTol(ctx), 'scale restored');
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  loaded.dispose();
});

spec('layers.normalizedDense', 'bad arguments and bad config on load', async () => {
  expectThrows(() => layers.normalizedDense({ units: 0 }), /NormalizedDense/, /'units'/, /integer >= 1/, /received 0/);
  expectThrows(() => layers.normalizedDense({ units: 2.5 }), /'units'/, /2\.5/);
  expectThrows(() => layers.normalizedDense({ units: 3, scale: -1 }), /'scale'/, /in \(0, 10000\]/, /-1/);
  const wide = layers.normalizedDense({ units: 2e9 });
  expectThrows(() => wide.build([null, 4]), /NormalizedDense/, /'units'/, /at most \d+/);
  expectThrows(() => layers.normalizedDense({ units: 3, scale: Number.NaN }), /'scale'/, /NaN/);
  expectThrows(
    () => layers.normalizedDense({ units: 3, normalizeInputs: 'yes' as never }),
    /'normalizeInputs'/,
    /boolean/,
  );
  expectThrows(() => layers.normalizedDense({ units: 3, unitz: 4 } as never), /'unitz'/, /unknown key/);
  const model = denseModel(4, layers.normalizedDense({ units: 3 }));
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const topology = JSON.parse(JSON.stringify(a.modelTopology)) as {
    config: { layers: { config: Record<string, unknown> }[] };
  };
  topology.config.layers[1]!.config['margin_typo'] = 1;
  await expectRejects(
    () => tf.loadLayersModel(tf.io.fromMemory({ ...a, modelTopology: topology })),
    /NormalizedDense/,
    /'marginTypo'/,
    /unknown key/,
  );
  topology.config.layers[1]!.config = { ...topology.config.layers[1]!.config, units: -2 };
  delete topology.config.layers[1]!.config['margin_typo'];
  await expectRejects(() => tf.loadLayersModel(tf.io.fromMemory({ ...a, modelTopology: topology })), /'units'/, /-2/);
  await scope(async () => {
    expectThrows(() => model.predict(tf.zeros([2, 5])), /expected.*4|shape/i);
  });
  model.dispose();
});

spec('layers.temperatureSoftmax', 'fixed and learnable temperature (stays positive)', async (ctx) => {
  const x = uniform(43, 8, -4, 4);
  await scope(async () => {
    const layer = layers.temperatureSoftmax({ temperature: 4 });
    await expectClose(
      layer.apply(tf.tensor2d(x, [2, 4])) as tf.Tensor,
      reshape(x, 2, 4).flatMap((r) => softmax64(r, 4)),
      valueTol(ctx),
      'τ=4',
    );
  });
  const layer = layers.temperatureSoftmax({ temperature: 0.5, learnable: true });
  const model = denseModel(4, layer);
  const optimizer = tf.train.sgd(5);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(x, [2, 4]);
  const ys = tf.tensor2d([0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25], [2, 4]);
  await model.fit(xs, ys, { epochs: 5, batchSize: 2, verbose: 0 });
  const t = Math.exp((await layer.getWeights()[0]!.data())[0]!);
  assert(t > 0.5 && Number.isFinite(t), `uniform targets should raise τ above 0.5, got ${t}`);
  const { loaded } = await roundTrip(model);
  const restored = tf.exp(loaded.layers[1]!.getWeights()[0]!);
  await expectClose(restored, [t], valueTol(ctx), 'τ restored');
  restored.dispose();
  expectThrows(
    () => layers.temperatureSoftmax({ temperature: 0 }),
    /TemperatureSoftmax/,
    /'temperature'/,
    /received 0/,
  );
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  loaded.dispose();
});

spec('layers.l2Normalization', 'unit rows; axis in config', async (ctx) => {
  const x = uniform(44, 6, -2, 2);
  const model = denseModel(3, layers.l2Normalization({ axis: -1 }));
  const xt = tf.tensor2d(x, [2, 3]);
  const out = model.predict(xt) as tf.Tensor;
  await expectClose(
    out,
    reshape(x, 2, 3).flatMap((r) => l2Normalize64(r)),
    valueTol(ctx),
    'rows',
  );
  const { loaded } = await roundTrip(model);
  assert(loaded.layers[1]!.getConfig().axis === -1, 'axis saved');
  expectThrows(() => layers.l2Normalization({ axis: 0.5 }), /'axis'/, /integer/);
  tf.dispose([xt, out]);
  model.dispose();
  loaded.dispose();
});
