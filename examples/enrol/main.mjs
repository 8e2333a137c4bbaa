// The enrolment page (`npm run example:enrol`): draw a character, enrol it under a name, recognise
// new drawings against the gallery with an open-set threshold, and fine-tune the embedding on the
// device. Query parameters: ?backend=webgl|webgpu (default: WebGL, else WebGPU).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { gallery as galleries } from 'tfjs-margin';
import { drawingToInk, FRAME, inkAmount, PEN_WIDTH } from '../omniglot/drawing.mjs';
import { createAdapter, embedWith, fineTune, FINE_TUNE } from './finetune.mjs';
import { clearState, loadState, saveState } from './store.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

/** What the browser test reads besides the page itself: progress counters and measurements. */
const state = {
  ready: false,
  error: null,
  busy: false,
  actions: 0,
  backend: null,
  recogniseMs: [],
  embedMs: [],
  fineTune: null,
  lastInk: null,
};
window.__enrol = state;

let info; // examples/enrol/model/enrol.json: how the model was made, its threshold and ROC
let embedder;
let adapter = null; // the fine-tuned adapter, or null for the pretrained embedder alone
let previousAdapter; // what "Undo fine-tune" restores (undefined: nothing to undo)
let gallery;
let drawings = []; // {name, strokes}: what the gallery's entries were embedded from, in order
let threshold = 0.5;

// ---- messages -------------------------------------------------------------------------------------

function say(text, { error = false } = {}) {
  const m = $('message');
  m.textContent = text;
  m.className = error ? 'error' : '';
}

function showTensors() {
  $('tensors').textContent = String(tf.memory().numTensors);
}

/** Runs one user action: one at a time, errors shown (never thrown into the console only). */
async function action(name, f) {
  if (!state.ready || state.busy) return;
  state.busy = true;
  try {
    await f();
  } catch (err) {
    say(`${name}: ${err.message}`, { error: true });
  } finally {
    state.busy = false;
    state.actions++;
    showTensors();
  }
}

// ---- the drawing pad ------------------------------------------------------------------------------

const pad = $('pad');
const ctx = pad.getContext('2d');
let strokes = [];
let current = null;
// After an enrol or a recognition the drawing stays on the pad beside its answer; the next stroke
// starts a new drawing.
let finished = false;

/** Canvas position → frame pixel index (0 … 104), the coordinates Omniglot's trajectories use. */
function framePoint(e) {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * FRAME - 0.5, ((e.clientY - r.top) / r.height) * FRAME - 0.5];
}

/** Draws a stroke's segments from point `from` on: a move costs one segment, not a repaint. */
function drawSegments(points, from) {
  const k = pad.width / FRAME;
  ctx.strokeStyle = '#000';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = PEN_WIDTH * k;
  ctx.beginPath();
  ctx.moveTo((points[from][0] + 0.5) * k, (points[from][1] + 0.5) * k);
  for (let i = from + 1; i < points.length; i++) ctx.lineTo((points[i][0] + 0.5) * k, (points[i][1] + 0.5) * k);
  ctx.stroke();
}

function redraw() {
  const k = pad.width / FRAME;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.strokeStyle = '#000';
  ctx.fillStyle = '#000';
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = PEN_WIDTH * k;
  for (const s of strokes) {
    const px = s.map(([x, y]) => [(x + 0.5) * k, (y + 0.5) * k]);
    if (px.length === 1) {
      ctx.beginPath();
      ctx.arc(px[0][0], px[0][1], (PEN_WIDTH * k) / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(px[0][0], px[0][1]);
    for (const [x, y] of px.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }
}

pad.addEventListener('pointerdown', (e) => {
  if (e.button !== 0 && e.pointerType === 'mouse') return;
  try {
    pad.setPointerCapture(e.pointerId);
  } catch {
    // a pointer the browser no longer tracks: the stroke still ends at its pointerup
  }
  if (finished) {
    strokes = [];
    finished = false;
  }
  current = { id: e.pointerId, points: [framePoint(e)] };
  strokes.push(current.points);
  redraw();
});
pad.addEventListener('pointermove', (e) => {
  if (current === null || e.pointerId !== current.id) return;
  const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
  const from = current.points.length - 1;
  for (const ev of events.length > 0 ? events : [e]) current.points.push(framePoint(ev));
  drawSegments(current.points, from);
});
const endStroke = (e) => {
  if (current !== null && e.pointerId === current.id) current = null;
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

function clearPad() {
  strokes = [];
  current = null;
  finished = false;
  redraw();
  showInput(null);
}

/** Shows what the network sees: the drawing as `size`×`size` ink, enlarged. */
function showInput(ink) {
  const c = $('input-view');
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  if (ink === null) return;
  const n = info.size;
  const k = c.width / n;
  for (let i = 0; i < n * n; i++) {
    const v = Math.round(255 * (1 - Math.min(1, ink[i])));
    g.fillStyle = `rgb(${v},${v},${v})`;
    g.fillRect((i % n) * k, Math.floor(i / n) * k, k, k);
  }
}

/**
 * A drawing's strokes as the model's input: its size and framing (models made before framing: `frame`;
 * an `ink` model without `inkSpread`: drawing.mjs's default).
 */
function inkOf(drawing) {
  return drawingToInk(drawing, info.size, { framing: info.framing ?? 'frame', inkSpread: info.inkSpread });
}

/** The drawing on the pad as the network's input, or an error for an empty pad. */
function padInk() {
  const ink = inkOf(strokes);
  if (strokes.length === 0 || inkAmount(ink) < 1) throw new Error('the canvas is empty — draw a character first');
  state.lastInk = Array.from(ink);
  showInput(ink);
  return ink;
}

// ---- embedding, gallery and persistence -------------------------------------------------------------

function embed(inks) {
  return embedWith({ embedder, adapter, size: info.size, shifts: info.tta }, inks);
}

/** Rebuilds the gallery from the stored drawings with the current embedder (after a fine-tune or undo). */
async function reembed() {
  const next = galleries.create({ dim: info.embeddingSize });
  if (drawings.length > 0) {
    const e = embed(drawings.map((d) => inkOf(d.strokes)));
    try {
      const rows = await e.array();
      for (let i = 0; i < rows.length; i++) await next.add(drawings[i].name, [rows[i]]);
    } finally {
      e.dispose();
    }
  }
  gallery?.dispose();
  gallery = next;
}

async function adapterWeights(a) {
  return a === null ? null : Promise.all(a.getWeights().map((w) => w.data()));
}

function adapterFrom(weights) {
  if (weights === null || weights === undefined) return null;
  const a = createAdapter(info.embeddingSize);
  const [kernel, bias] = [tf.tensor2d(weights[0], [info.embeddingSize, info.embeddingSize]), tf.tensor1d(weights[1])];
  a.setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
  return a;
}

async function save() {
  await saveState({
    gallery: gallery.toJSON(),
    drawings,
    adapter: await adapterWeights(adapter),
    // What "Undo fine-tune" restores, kept across reloads too: undefined (nothing), null (pretrained).
    previousAdapter: previousAdapter === undefined ? undefined : await adapterWeights(previousAdapter),
  });
}

function showGallery() {
  const names = gallery.identities();
  $('gallery-count').textContent = `${names.length} identities, ${gallery.size} drawings`;
  $('identities').replaceChildren(
    ...names.map((n) => {
      const li = document.createElement('li');
      li.textContent = `${n} × ${gallery.count(n)}`;
      li.dataset.name = n;
      return li;
    }),
  );
  const select = $('add-to');
  const chosen = select.value;
  select.replaceChildren(
    ...names.map((n) => {
      const o = document.createElement('option');
      o.value = n;
      o.textContent = n;
      return o;
    }),
  );
  if (names.includes(chosen)) select.value = chosen;
  $('undo-fine-tune').disabled = previousAdapter === undefined;
}

async function enrol(name, { isNew }) {
  const ink = padInk();
  if (isNew) {
    if (name.trim() === '') throw new Error('give the new identity a name');
    if (gallery.count(name.trim()) > 0)
      throw new Error(`"${name.trim()}" is already enrolled — choose it under "Add drawing to it" to add this drawing`);
  } else if (gallery.count(name) === 0) {
    throw new Error('enrol an identity first, then add drawings to it');
  }
  const key = name.trim();
  const e = embed([ink]);
  try {
    await gallery.add(key, e);
  } finally {
    e.dispose();
  }
  drawings.push({ name: key, strokes: strokes.map((s) => s.map(([x, y]) => [x, y])) });
  await save();
  showGallery();
  $('add-to').value = key;
  say(`enrolled a drawing of "${key}" (${gallery.count(key)} in all)`);
  finished = true;
}

// ---- recognition ------------------------------------------------------------------------------------

function thresholdText() {
  const points = info.roc.points;
  let best = points[0];
  for (const p of points) if (Math.abs(p[0] - threshold) < Math.abs(best[0] - threshold)) best = p;
  const [, far, tar] = best;
  return `${threshold.toFixed(2)}: on held-out alphabets' pairs FAR ${(100 * far).toFixed(1)}%, TAR ${(100 * tar).toFixed(1)}%`;
}

async function recognise() {
  const ink = padInk();
  if (gallery.size === 0) throw new Error('the gallery is empty — enrol an identity first');
  const started = performance.now();
  const e = embed([ink]);
  let ranked;
  let embedded;
  try {
    // Read the embedding back first, so the timing splits the network from the search.
    const rows = await e.array();
    embedded = performance.now();
    [ranked] = await gallery.search(rows, { k: 5 });
  } finally {
    e.dispose();
  }
  const ms = performance.now() - started;
  state.recogniseMs.push(ms);
  state.embedMs.push(embedded - started);
  const top = ranked[0];
  const known = top.score >= threshold;
  const answer = $('answer');
  answer.textContent = known ? `${top.name}` : 'unknown';
  answer.className = known ? '' : 'unknown';
  answer.dataset.name = known ? top.name : '';
  answer.dataset.nearest = top.name;
  answer.dataset.score = String(top.score);
  $('matches').replaceChildren(
    ...ranked.map((m) => {
      const row = document.createElement('div');
      row.className = 'match';
      row.dataset.name = m.name;
      row.dataset.score = String(m.score);
      const label = document.createElement('span');
      label.textContent = m.name;
      const bar = document.createElement('div');
      bar.className = m.score >= threshold ? 'bar' : 'bar below';
      bar.style.width = `${Math.max(0, m.score) * 200}px`;
      const score = document.createElement('span');
      score.textContent = m.score.toFixed(3);
      row.append(label, bar, score);
      return row;
    }),
  );
  $('timing').textContent =
    `recognised in ${ms.toFixed(1)} ms: embedding (${info.tta} shifted copies) ${(embedded - started).toFixed(1)} ms, ` +
    `search of ${gallery.size} entries ${(ms - (embedded - started)).toFixed(1)} ms`;
  say(known ? `recognised as "${top.name}"` : `unknown: the best match, "${top.name}", is below the threshold`);
  finished = true;
}

// ---- fine-tuning ----------------------------------------------------------------------------------------

function drawLoss(losses) {
  const c = $('loss');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  g.fillStyle = '#555';
  g.font = '11px sans-serif';
  g.fillText('training loss per batch', 6, 12);
  if (losses.length < 2) return;
  const max = Math.max(...losses);
  const min = Math.min(0, ...losses);
  g.strokeStyle = '#3a6ea5';
  g.lineWidth = 1.5;
  g.beginPath();
  losses.forEach((l, i) => {
    const x = 4 + (i / (losses.length - 1)) * (c.width - 8);
    const y = c.height - 4 - ((l - min) / (max - min || 1)) * (c.height - 22);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}

async function runFineTune() {
  const names = gallery.identities();
  if (names.length < 2 || names.some((n) => gallery.count(n) < 2)) {
    throw new Error('fine-tuning needs at least two identities with at least two drawings each');
  }
  const inks = drawings.map((d) => inkOf(d.strokes));
  const labels = drawings.map((d) => names.indexOf(d.name));
  const recipe = { ...FINE_TUNE, ...(params.has('epochs') ? { epochs: Number(params.get('epochs')) } : {}) };
  const totalSteps = recipe.epochs * Math.ceil((inks.length * recipe.copies) / recipe.batchSize);
  const batchLosses = [];
  $('progress').value = 0;
  say(`fine-tuning on ${inks.length} drawings of ${names.length} identities…`);
  const result = await fineTune(
    {
      embedder,
      size: info.size,
      inks,
      labels,
      numClasses: names.length,
      onBatch: async (step, loss) => {
        batchLosses.push(loss);
        $('progress').value = step / totalSteps;
        if (step % 4 === 0) {
          drawLoss(batchLosses);
          await tf.nextFrame();
        }
      },
    },
    recipe,
  );
  drawLoss(batchLosses);
  $('progress').value = 1;
  if (previousAdapter !== undefined && previousAdapter !== null) previousAdapter.dispose();
  previousAdapter = adapter;
  adapter = result.adapter;
  await reembed();
  await save();
  showGallery();
  state.fineTune = { losses: result.losses, batchLosses, seconds: result.seconds, steps: batchLosses.length };
  $('fine-tune-info').textContent =
    `${recipe.epochs} epochs, ${batchLosses.length} steps in ${result.seconds.toFixed(1)} s; ` +
    `loss ${result.losses[0].toFixed(2)} → ${result.losses.at(-1).toFixed(2)}; gallery re-embedded`;
  say('fine-tuned: the gallery was re-embedded with the new embedding');
}

async function undoFineTune() {
  if (previousAdapter === undefined) throw new Error('nothing to undo');
  adapter?.dispose();
  adapter = previousAdapter;
  previousAdapter = undefined;
  await reembed();
  await save();
  showGallery();
  $('fine-tune-info').textContent =
    adapter === null ? 'back to the pretrained embedder' : 'back to the previous fine-tune';
  say('fine-tune undone: the gallery was re-embedded');
}

// ---- start ------------------------------------------------------------------------------------------------

async function pickBackend() {
  const wanted = params.get('backend');
  const order = wanted ? [wanted] : ['webgl', 'webgpu'];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) return name;
    } catch {
      // not available here; try the next
    }
  }
  return null;
}

async function start() {
  redraw();
  const backend = await pickBackend();
  state.backend = backend;
  $('backend').textContent = backend ?? 'none';
  if (backend === null) {
    throw new Error(
      'this browser offers neither WebGL nor WebGPU, which the page needs to run the network — ' +
        'try a current Chrome, Edge, Firefox or Safari with hardware acceleration on',
    );
  }
  info = await (await fetch('model/enrol.json')).json();
  embedder = await tf.loadLayersModel('model/model.json');
  const stored = await loadState().catch(() => ({}));
  drawings = stored.drawings ?? [];
  adapter = adapterFrom(stored.adapter);
  previousAdapter = stored.previousAdapter === undefined ? undefined : adapterFrom(stored.previousAdapter);
  gallery = stored.gallery ? galleries.fromJSON(stored.gallery) : galleries.create({ dim: info.embeddingSize });
  // Compile the shaders once, so the first drawing is recognised as fast as the next.
  tf.dispose(embed([new Float32Array(info.size * info.size)]));
  threshold = info.threshold.value;
  const slider = $('threshold');
  slider.value = String(threshold);
  $('threshold-info').textContent = thresholdText();
  slider.addEventListener('input', () => {
    threshold = Number(slider.value);
    $('threshold-info').textContent = thresholdText();
  });
  $('model-info').textContent =
    `${info.head} embedder trained on ${info.trainedOn.length} alphabets (held out: ${info.holdout.join(', ')}; ` +
    `one-shot error there ${(100 * info.oneShotError).toFixed(1)}%); threshold at FAR ${info.threshold.far}`;
  showGallery();
  // For the browser test: the page's embedding of given ink images (the path a drawing takes).
  state.embed = async (inks) => {
    const e = embed(inks.map((i) => Float32Array.from(i)));
    const rows = await e.array();
    e.dispose();
    return rows;
  };
  state.ready = true;
  showTensors();
  say(gallery.size > 0 ? `gallery restored: ${gallery.identities().length} identities` : 'draw a character to start');
}

$('clear-pad').addEventListener('click', clearPad);
$('undo-stroke').addEventListener('click', () => {
  strokes.pop();
  redraw();
});
$('enrol-new').addEventListener('click', () =>
  action('enrol', async () => {
    await enrol($('name').value, { isNew: true });
    $('name').value = '';
  }),
);
$('enrol-add').addEventListener('click', () => action('enrol', () => enrol($('add-to').value, { isNew: false })));
$('recognise').addEventListener('click', () => action('recognise', recognise));
$('fine-tune').addEventListener('click', () => action('fine-tune', runFineTune));
$('undo-fine-tune').addEventListener('click', () => action('undo', undoFineTune));
$('clear-gallery').addEventListener('click', () =>
  action('clear', async () => {
    gallery.clear();
    gallery.dispose();
    drawings = [];
    adapter?.dispose();
    adapter = null;
    if (previousAdapter) previousAdapter.dispose();
    previousAdapter = undefined;
    await clearState();
    showGallery();
    $('answer').textContent = '';
    $('matches').replaceChildren();
    say('gallery cleared (and the fine-tune with it)');
  }),
);

start().then(
  () => undefined,
  (err) => {
    state.error = err.message;
    say(err.message, { error: true });
    for (const b of document.querySelectorAll('button')) b.disabled = true;
  },
);
