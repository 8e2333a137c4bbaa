// Probe for test/examples/augment.test.ts: runs the Omniglot example's image transforms (ESM) and prints
// what the test checks as JSON.
import { rotateInk, shiftInk } from '../../examples/omniglot/augment.mjs';
import { drawingToInk, FRAME, inkAmount } from '../../examples/omniglot/drawing.mjs';
import { decodePng, toInk } from '../../examples/omniglot/images.mjs';
import { loadOmniglot } from '../../examples/omniglot/omniglot.mjs';
import { loadStrokes, parseStrokes, renderStrokes } from '../../examples/omniglot/strokes.mjs';
import { random } from '../../examples/shared.mjs';

const size = 5;
const img = Float32Array.from({ length: size * size }, (_, i) => i + 1);
const key = (a) => Array.from(a).join(',');
const dihedral = new Set();
for (let r = 0; r < 8; r++) dihedral.add(key(rotateInk(img, size, r % 4, r >= 4)));
const turned = rotateInk(img, size, 1);
const shifted = new Float32Array(size * size);
shiftInk(img, shifted, size, 1, 2);

const parsed = parseStrokes('START\n1,-2,0\n3,-4,10\nBREAK\n5,-6,20\nEND\n');
let bad = null;
try {
  parseStrokes('START\n1,x,0\nEND\n', 'bad.txt');
} catch (err) {
  bad = err.message;
}

// Re-drawn without jitter, the strokes cover the scans' ink (soft IoU at 28×28) on the first drawings.
const alphabets = loadOmniglot({ size: 28 });
const strokes = loadStrokes();
const still = { minWidth: 4.5, maxWidth: 4.5, strokeShift: 0, pointShift: 0 };
const rand = random(3);
const ious = [];
// The page's path (drawingToInk: binarised at 105×105, then area-averaged like the PNGs) on every
// alphabet: the hard IoU of its 105×105 ink with the PNG's, and the 28×28 soft IoU.
const pageIous = [];
const pageSoftIous = [];
const softIou = (r, ink) => {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < r.length; i++) {
    inter += Math.min(r[i], ink[i]);
    union += Math.max(r[i], ink[i]);
  }
  return inter / union;
};
for (const a of alphabets.slice(0, 4)) {
  for (const d of a.characters[0].drawings.slice(0, 5)) {
    const r = renderStrokes(strokes.get(`${a.characters[0].name}/${d.file}`), 28, rand, still);
    ious.push(softIou(r, d.ink));
  }
}
for (const a of alphabets) {
  for (const d of a.characters[0].drawings.slice(0, 5)) {
    const s = strokes.get(`${a.characters[0].name}/${d.file}`);
    pageSoftIous.push(softIou(drawingToInk(s, 28), d.ink));
    const full = drawingToInk(s, FRAME);
    const png = toInk(decodePng(d.png), FRAME);
    let inter = 0;
    let union = 0;
    for (let i = 0; i < full.length; i++) {
      inter += full[i] > 0.5 && png[i] > 0.5 ? 1 : 0;
      union += full[i] > 0.5 || png[i] > 0.5 ? 1 : 0;
    }
    pageIous.push(inter / union);
  }
}
const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
console.log(
  JSON.stringify({
    dihedral: dihedral.size,
    identity: key(rotateInk(img, size, 4)) === key(img),
    corner: [turned[0], turned[size - 1]],
    shifted: [shifted[0], shifted[2 * size + 1]],
    parsed,
    bad,
    strokes: strokes.size,
    meanIoU: mean(ious),
    pageIoU: mean(pageIous),
    pageSoftIoU: mean(pageSoftIous),
    emptyInk: inkAmount(drawingToInk([], 28)),
  }),
);
