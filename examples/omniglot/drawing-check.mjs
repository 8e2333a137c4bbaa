// Checks the shared drawing module against the data: each background-set trajectory drawn back with
// drawingToInk beside its own PNG through the training path (decodePng → toInk), per pen width. Prints
// the mean absolute ink difference at 28×28 and the ink IoU at 105×105; PEN_WIDTH in drawing.mjs is
// the width with the smallest difference. `node examples/omniglot/drawing-check.mjs`
import { drawingToInk, FRAME, PEN_WIDTH } from './drawing.mjs';
import { decodePng, toInk } from './images.mjs';
import { loadOmniglot } from './omniglot.mjs';
import { loadStrokes } from './strokes.mjs';

const size = 28;
const strokes = loadStrokes();
const drawings = loadOmniglot({ size }).flatMap((a) =>
  a.characters.flatMap((c) =>
    c.drawings.map((d) => ({ d, s: strokes.get(`${c.name}/${d.file}`) })).filter((x) => x.s !== undefined),
  ),
);
console.log(`${drawings.length} drawings with trajectories`);
for (const width of [3, 3.5, 4, 4.5, 5, 5.5]) {
  let diff = 0;
  let iou = 0;
  for (const { d, s } of drawings) {
    const ink = drawingToInk(s, size, { penWidth: width });
    for (let i = 0; i < ink.length; i++) diff += Math.abs(ink[i] - d.ink[i]);
    const full = drawingToInk(s, FRAME, { penWidth: width });
    const png = toInk(decodePng(d.png), FRAME);
    let inter = 0;
    let union = 0;
    for (let i = 0; i < full.length; i++) {
      const a = full[i] > 0.5;
      const b = png[i] > 0.5;
      inter += a && b ? 1 : 0;
      union += a || b ? 1 : 0;
    }
    iou += union > 0 ? inter / union : 1;
  }
  const n = drawings.length;
  console.log(
    `pen ${width} px: mean |ink − PNG ink| ${(diff / (n * size * size)).toFixed(4)} per pixel at ${size}×${size}, ` +
      `IoU ${(iou / n).toFixed(3)} at ${FRAME}×${FRAME}${width === PEN_WIDTH ? '  (PEN_WIDTH)' : ''}`,
  );
}
