// Plan and Node reference for test/browser/enrol.test.ts (ESM, so the test runs it as a probe and reads
// its JSON): which held-out characters and drawers the page test replays, their pen trajectories, and
// what the same embedder scores on the same characters in Node from their PNGs — the benchmark's path.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gallery } from 'tfjs-margin';
import { drawingToInk } from '../../examples/omniglot/drawing.mjs';
import { embedInks } from '../../examples/omniglot/embed.mjs';
import { loadModel } from '../../examples/omniglot/files.mjs';
import { loadOmniglot, random, shuffled } from '../../examples/omniglot/omniglot.mjs';
import { loadStrokes } from '../../examples/omniglot/strokes.mjs';
import { useBackend } from '../../examples/shared.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelDir = path.join(root, 'examples/enrol/model');
const seed = Number(process.argv[2] ?? 1);
const ways = 20;
const queryDrawers = 2;
// Two more drawers' drawings for the accuracy before and after fine-tuning (80 queries with the first two).
const moreDrawers = 2;
const extraDrawings = 4;

await useBackend('auto');
const info = JSON.parse(readFileSync(path.join(modelDir, 'enrol.json'), 'utf8'));
const framing = info.framing ?? 'frame';
const { inkSpread } = info;
const heldOut = loadOmniglot({ size: info.size, framing, inkSpread }).filter((a) => info.holdout.includes(a.name));
const strokes = loadStrokes(undefined, { time: true });
const rand = random(seed);
// The held-out alphabet with the most characters: 20 of them are enrolled, the rest are never enrolled.
const alphabet = heldOut.reduce((a, b) => (b.characters.length > a.characters.length ? b : a));
const chars = shuffled(alphabet.characters, rand);
const enrolled = chars.slice(0, ways);
const others = shuffled(
  heldOut.flatMap((a) => a.characters).filter((c) => !enrolled.includes(c)),
  rand,
).slice(0, ways);
const drawers = shuffled(
  enrolled[0].drawings.map((d) => d.drawer),
  rand,
);
const [enrolDrawer, ...rest] = drawers;
const testDrawers = rest.slice(0, queryDrawers);
const moreTestDrawers = rest.slice(queryDrawers, queryDrawers + moreDrawers);
const extraDrawers = rest.slice(queryDrawers + moreDrawers, queryDrawers + moreDrawers + extraDrawings);
const unknownDrawer = rest[queryDrawers + moreDrawers + extraDrawings];

const label = (c) => c.name.split('/')[1].replace('character', 'c');
function drawing(c, drawer) {
  const d = c.drawings.find((x) => x.drawer === drawer);
  const s = strokes.get(`${c.name}/${d.file}`);
  if (s === undefined) throw new Error(`no trajectory for ${c.name}/${d.file}`);
  return { name: label(c), file: `${c.name}/${d.file}`, ink: d.ink, strokes: s };
}
const plan = {
  alphabet: alphabet.name,
  enrol: enrolled.map((c) => drawing(c, enrolDrawer)),
  queries: testDrawers.flatMap((dr) => enrolled.map((c) => drawing(c, dr))),
  moreQueries: moreTestDrawers.flatMap((dr) => enrolled.map((c) => drawing(c, dr))),
  extra: extraDrawers.flatMap((dr) => enrolled.map((c) => drawing(c, dr))),
  unknown: others.map((c) => drawing(c, unknownDrawer)),
};

// The Node reference: the same embedder and test-time shifts, the same gallery search and threshold,
// on the PNGs (the benchmark's images) and on the trajectories drawn by the shared drawing module.
const model = await loadModel(modelDir);
const embed = (items, from) =>
  embedInks(
    model,
    items.map((d) => (from === 'png' ? d.ink : drawingToInk(d.strokes, info.size, { framing, inkSpread }))),
    { size: info.size, shifts: info.tta },
  );
async function score(from) {
  const g = gallery.create({ dim: info.embeddingSize });
  const e = await embed(plan.enrol, from);
  for (let i = 0; i < e.length; i++) await g.add(plan.enrol[i].name, [e[i]]);
  const q = await g.search(await embed(plan.queries, from), { k: 1 });
  const u = await g.search(await embed(plan.unknown, from), { k: 1 });
  g.dispose();
  const t = info.threshold.value;
  return {
    accuracy: q.filter((r, i) => r[0].name === plan.queries[i].name).length / q.length,
    tar: q.filter((r, i) => r[0].name === plan.queries[i].name && r[0].score >= t).length / q.length,
    far: u.filter((r) => r[0].score >= t).length / u.length,
  };
}
const reference = { png: await score('png'), strokes: await score('strokes') };
model.dispose();

const strip = ({ name, file, strokes: s }) => ({ name, file, strokes: s });
console.log(
  JSON.stringify({
    alphabet: plan.alphabet,
    threshold: info.threshold,
    oneShotError: info.oneShotError,
    drawers: {
      enrol: enrolDrawer,
      test: testDrawers,
      moreTest: moreTestDrawers,
      extra: extraDrawers,
      unknown: unknownDrawer,
    },
    enrol: plan.enrol.map(strip),
    queries: plan.queries.map(strip),
    moreQueries: plan.moreQueries.map(strip),
    extra: plan.extra.map(strip),
    unknown: plan.unknown.map(strip),
    reference,
  }),
);
