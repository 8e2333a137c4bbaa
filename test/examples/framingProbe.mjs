// The `ink` framing (examples/omniglot/drawing.mjs) on drawings built by hand, printed as JSON for the
// jest spec: one shape drawn small in a corner and twice as large elsewhere on the 105×105 canvas.
import { FRAME, drawingToInk, inkWindow, toInk } from '../../examples/omniglot/drawing.mjs';
import { softIou } from './inkMeasures.mjs';

const SIZE = 28;
// A "4"-like shape in a unit square, placed at (x, y) with side `s` in frame pixels.
const shape = (x, y, s) =>
  [
    [
      [0.6, 0],
      [0, 0.65],
      [1, 0.65],
    ],
    [
      [0.65, 0.3],
      [0.65, 1],
    ],
  ].map((stroke) => stroke.map(([u, v]) => [x + u * s, y + v * s]));
const small = shape(8, 10, 30);
const moved = shape(61, 47, 30);
const large = shape(35, 30, 60);

const moments = (ink) => {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const v = ink[y * SIZE + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  mx /= m;
  my /= m;
  let r2 = 0;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) r2 += ink[y * SIZE + x] * ((x + 0.5 - mx) ** 2 + (y + 0.5 - my) ** 2);
  return { mass: m, cx: mx, cy: my, r: Math.sqrt(r2 / m) };
};
// The grey image (1 = paper) of a drawing at full resolution, as a PNG of it decodes.
const grey = (strokes) => {
  const ink = drawingToInk(strokes, FRAME);
  return { width: FRAME, height: FRAME, grey: ink.map((v) => 1 - v) };
};
const inkOf = (strokes, framing) => drawingToInk(strokes, SIZE, { framing });
const total = (img) => img.grey.reduce((s, g) => s + (1 - g), 0);

const result = {
  // Moved across the canvas: apart in the whole frame, the same image about the ink.
  movedFrameIou: softIou(inkOf(small, 'frame'), inkOf(moved, 'frame')),
  movedInkIou: softIou(inkOf(small, 'ink'), inkOf(moved, 'ink')),
  // Twice as large: the same centre and spread about the ink (the pen's width stays the drawer's).
  largeFrameIou: softIou(inkOf(small, 'frame'), inkOf(large, 'frame')),
  smallMoments: moments(inkOf(small, 'ink')),
  largeMoments: moments(inkOf(large, 'ink')),
  // A wider square (inkSpread 5 RMS radii against the default 4): the same centre, a radius of 28 / 5 px.
  spread5Moments: moments(drawingToInk(large, SIZE, { framing: 'ink', inkSpread: 5 })),
  // Area averaging keeps the ink: mass × (source pixels per output pixel) is the source's ink.
  frameMass: (moments(toInk(grey(small), SIZE, 'frame')).mass * (FRAME / SIZE) ** 2) / total(grey(small)),
  inkMass:
    (moments(toInk(grey(small), SIZE, 'ink')).mass * (inkWindow(grey(small), 'ink').side / SIZE) ** 2) /
    total(grey(small)),
  frameWindow: inkWindow(grey(small), 'frame'),
  empty: Array.from(new Set(drawingToInk([], SIZE, { framing: 'ink' }))),
  emptyWindow: inkWindow({ width: FRAME, height: FRAME, grey: new Float32Array(FRAME * FRAME).fill(1) }, 'ink'),
  // A dot is magnified at most 3×: its window is a third of the frame.
  dotWindow: inkWindow(grey([[[50, 50]]]), 'ink').side,
};
try {
  toInk(grey(small), SIZE, 'crop');
} catch (err) {
  result.bad = err.message;
}
try {
  toInk(grey(small), SIZE, 'ink', 1.5);
} catch (err) {
  result.badSpread = err.message;
}
console.log(JSON.stringify(result));
