// Probe for test/examples/augment.test.ts: runs the Omniglot example's image transforms (ESM) and prints
// what the test checks as JSON.
import { AFFINE, randomAffine, rotateInk, shiftInk } from '../../examples/omniglot/augment.mjs';
import { drawingToInk, FRAME, inkAmount } from '../../examples/omniglot/drawing.mjs';
import { decodePng, toInk } from '../../examples/omniglot/images.mjs';
import { loadOmniglot } from '../../examples/omniglot/omniglot.mjs';
import { loadStrokes, parseStrokes, renderStrokes } from '../../examples/omniglot/strokes.mjs';
import { random } from '../../examples/shared.mjs';
import { softIou } from './inkMeasures.mjs';

const size = 5;
const img = Float32Array.from({ length: size * size }, (_, i) => i + 1);
const key = (a) => Array.from(a).join(',');
const dihedral = new Set();
for (let r = 0; r < 8; r++) dihedral.add(key(rotateInk(img, size, r % 4, r >= 4)));
const turned = rotateInk(img, size, 1);
const shifted = new Float32Array(size * size);
shiftInk(img, shifted, size, 1, 2);

// The elastic warp. With `elastic` 0 the affine draws (and the generator after them) are unchanged.
const ink28 = Float32Array.from({ length: 28 * 28 }, (_, i) => ((i * 7919) % 13) / 13);
const plain = new Float32Array(28 * 28);
const zero = new Float32Array(28 * 28);
const [r1, r2] = [random(11), random(11)];
const { elastic: _unused, ...withoutElastic } = AFFINE;
randomAffine(ink28, plain, 28, r1, withoutElastic);
randomAffine(ink28, zero, 28, r2, { ...AFFINE, elastic: 0 });
const elasticZeroSame = key(plain) === key(zero) && r1() === r2();
// Alone (no affine part) on the ramp img(x, y) = x, which bilinear sampling reproduces exactly, the
// output minus x is the field's horizontal displacement: bounded by the amplitude, not zero, smooth.
const ramp = Float32Array.from({ length: 28 * 28 }, (_, i) => i % 28);
const still0 = { rotate: 0, shear: 0, scale: 0, shift: 0 };
const amplitude = 2;
const warped = new Float32Array(28 * 28);
randomAffine(ramp, warped, 28, random(12), { ...still0, elastic: amplitude / 28 });
let maxShift = 0;
let maxStep = 0;
for (let y = 4; y < 24; y++) {
  for (let x = 4; x < 24; x++) {
    const d = warped[y * 28 + x] - x;
    maxShift = Math.max(maxShift, Math.abs(d));
    maxStep = Math.max(maxStep, Math.abs(d - (warped[y * 28 + x + 1] - (x + 1))));
  }
}
const again = new Float32Array(28 * 28);
randomAffine(ramp, again, 28, random(12), { ...still0, elastic: amplitude / 28 });

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
    elastic: { zeroSame: elasticZeroSame, maxShift, maxStep, seeded: key(again) === key(warped) },
    parsed,
    bad,
    strokes: strokes.size,
    meanIoU: mean(ious),
    pageIoU: mean(pageIous),
    pageSoftIoU: mean(pageSoftIous),
    emptyInk: inkAmount(drawingToInk([], 28)),
  }),
);
