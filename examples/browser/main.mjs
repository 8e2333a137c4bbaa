// The browser example: trains a 2-D ArcFace embedding on WebGL with live Vega-Lite charts.
// Query parameters: ?epochs=8&autostart=1&backend=webgl
import * as tf from '@tensorflow/tfjs';
import { callbacks, layers, losses } from 'tfjs-margin';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { backbone } from '../mnist/models.mjs';

const params = new URLSearchParams(location.search);
const epochs = Number(params.get('epochs') ?? 10);
const status = document.getElementById('status');
const report = (text) => (status.textContent = text);

/** What the Playwright test reads. */
const state = { epochLosses: [], batchLosses: [], done: false, error: null };
window.__example = state;

async function loadDigits() {
  const meta = await (await fetch('digits.json')).json();
  const bytes = new Uint8Array(await (await fetch('digits.bin')).arrayBuffer());
  const split = (name) => {
    const { offset, count, labels } = meta[name];
    const pixels = new Float32Array(count * 784);
    for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[offset * 784 + i] / 255;
    return { x: tf.tensor2d(pixels, [count, 784]), labels, count };
  };
  return { train: split('train'), test: split('test'), open: split('open') };
}

async function view(el, spec) {
  const v = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: el, hover: false });
  await v.runAsync();
  return v;
}

const lossSpec = {
  padding: { left: 12, top: 4, right: 4, bottom: 4 },
  width: 380,
  height: 260,
  title: 'training loss per batch',
  data: { name: 'loss' },
  mark: { type: 'line' },
  encoding: {
    x: { field: 'step', type: 'quantitative', title: 'step' },
    y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
  },
};
const circle = Array.from({ length: 121 }, (_, i) => ({
  order: i,
  cx: Math.cos((i * Math.PI) / 60),
  cy: Math.sin((i * Math.PI) / 60),
}));
const axis = { scale: { domain: [-1.1, 1.1] }, axis: null };
const circleSpec = {
  width: 300,
  height: 300,
  title: 'embeddings on the unit circle',
  layer: [
    {
      data: { values: circle },
      mark: { type: 'line', color: '#bbb' },
      encoding: {
        x: { field: 'cx', type: 'quantitative', ...axis },
        y: { field: 'cy', type: 'quantitative', ...axis },
        order: { field: 'order' },
      },
    },
    {
      data: { name: 'points' },
      mark: { type: 'point', filled: true, size: 12, opacity: 0.6 },
      encoding: {
        x: { field: 'x', type: 'quantitative', ...axis },
        y: { field: 'y', type: 'quantitative', ...axis },
        color: {
          field: 'digit',
          type: 'nominal',
          scale: { scheme: 'category10', domain: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
        },
        shape: { field: 'seen', type: 'nominal', scale: { domain: ['trained', 'unseen'], range: ['circle', 'cross'] } },
      },
    },
  ],
};

async function train() {
  document.getElementById('train').disabled = true;
  await tf.setBackend(params.get('backend') ?? 'webgl');
  document.getElementById('backend').textContent = tf.getBackend();
  const data = await loadDigits();
  const lossView = await view(document.getElementById('loss'), lossSpec);
  const circleView = await view(document.getElementById('circle'), circleSpec);

  // The MLP of the Node example (two hidden layers; with one, 2-D features collapse to a narrow arc).
  const { image, embedding } = backbone('mlp', 2, 1);
  const label = tf.input({ shape: [1] });
  const head = layers.arcFace({ numClasses: 7, margin: 0.3, scale: 16, seed: 3, checkInputs: false });
  const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) });
  const embedder = tf.model({ inputs: image, outputs: embedding });
  const optimizer = tf.train.adam(3e-3);
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
  const labels = tf.tensor2d(Float32Array.from(data.train.labels), [data.train.count, 1]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(data.train.labels, 'int32'), 7).toFloat());

  const drawCircle = async () => {
    const rows = [];
    for (const [split, seen, offset] of [
      [data.test, 'trained', 0],
      [data.open, 'unseen', 7],
    ]) {
      const e = embedder.predict(split.x);
      const values = await e.array();
      e.dispose();
      values.forEach(([u, v], i) => {
        const n = Math.hypot(u, v) || 1;
        rows.push({ x: u / n, y: v / n, digit: String(split.labels[i] + offset), seen });
      });
    }
    await circleView
      .change(
        'points',
        vega
          .changeset()
          .remove(() => true)
          .insert(rows),
      )
      .runAsync();
  };
  await drawCircle();

  let step = 0;
  let epochSum = 0;
  let epochBatches = 0;
  await model.fit([data.train.x, labels], targets, {
    epochs,
    batchSize: 32,
    shuffle: true,
    callbacks: [
      callbacks.marginWarmup({ head, warmupSteps: Math.ceil(data.train.count / 32) }),
      new tf.CustomCallback({
        onBatchEnd: async (_batch, logs) => {
          state.batchLosses.push(logs.loss);
          epochSum += logs.loss;
          epochBatches++;
          await lossView.insert('loss', [{ step: step++, loss: logs.loss }]).runAsync();
        },
        onEpochEnd: async (epoch) => {
          state.epochLosses.push(epochSum / epochBatches);
          epochSum = 0;
          epochBatches = 0;
          await drawCircle();
          report(
            `epoch ${epoch + 1}/${epochs}  mean loss ${state.epochLosses.at(-1).toFixed(4)}  (${tf.getBackend()})`,
          );
        },
      }),
    ],
  });
  tf.dispose([labels, targets, data.train.x, data.test.x, data.open.x]);
  model.dispose();
  optimizer.dispose();
  state.numTensors = tf.memory().numTensors;
  state.done = true;
  report(`${status.textContent} — done`);
}

document.getElementById('train').addEventListener('click', () => train().catch(fail));
function fail(err) {
  state.error = String(err?.stack ?? err);
  report(`error: ${err}`);
}
report('ready: press Train');
if (params.get('autostart') === '1') train().catch(fail);
