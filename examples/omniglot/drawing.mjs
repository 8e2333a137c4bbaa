// How a drawing becomes what the network sees — one module for the Omniglot training, the enrolment
// page (examples/enrol/), the Node examples and the tests, so a drawing made on the page is embedded
// exactly as the training images were made. Plain typed-array code with no Node or DOM imports: it runs
// in a browser bundle as it runs in Node.
//
// Omniglot's images are 105×105 black-on-white drawings made on a canvas (Lake et al. 2015); the
// network sees ink (1 = stroke, 0 = paper) at `size`×`size`, area-averaged from the 105×105 frame.

/** The drawings' frame: 105×105 pixels, as Omniglot's images and pen trajectories. */
export const FRAME = 105;

/**
 * The pen width, in frame pixels, that draws a trajectory back most like its Omniglot image: drawn as
 * round-capped lines of this width and binarised, the background sets' trajectories give their images'
 * 28×28 ink with the smallest mean error (measured over all 4,840 drawings by
 * examples/omniglot/drawing-check.mjs).
 */
export const PEN_WIDTH = 5;

/**
 * Parses one trajectory file: `START`, lines `x,y,t` (y negated, t in ms), `BREAK` between strokes,
 * `END`. Returns strokes as arrays of `[x, y]` in the image frame (y down), or `[x, y, t]` with
 * `{time: true}` (what a replay of the drawing needs).
 */
export function parseStrokes(text, name = 'strokes', { time = false } = {}) {
  const strokes = [];
  let current = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line === 'START') continue;
    if (line === 'BREAK' || line === 'END') {
      if (current.length > 0) strokes.push(current);
      current = [];
      if (line === 'END') break;
      continue;
    }
    const [x, y, t] = line.split(',').map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${name}: bad point line "${line}"`);
    current.push(time ? [x, -y, Number.isFinite(t) ? t : 0] : [x, -y]);
  }
  if (current.length > 0) strokes.push(current);
  return strokes;
}

/** Default jitter: pen width 2.5–6 px (of 105), each stroke moved ±3 px, each point ±1.5 px. */
export const STROKE_JITTER = { minWidth: 2.5, maxWidth: 6, strokeShift: 3, pointShift: 1.5 };

/**
 * Draws `strokes` as round-capped lines into a `size`×`size` ink image (1 = ink), with a random pen
 * width and random shifts of each stroke and each point (`rand`: uniform [0, 1)). Coverage is
 * anti-aliased from each pixel centre's distance to the nearest segment. A point's coordinates are
 * frame pixel indices: `(i, j)` is the centre of the frame's pixel `(i, j)` (so drawn back, the
 * trajectories cover their PNGs with an IoU of 0.92 at `PEN_WIDTH`, 0.80 without the half-pixel).
 */
export function renderStrokes(strokes, size, rand, jitter = STROKE_JITTER) {
  const out = new Float32Array(size * size);
  const scale = size / FRAME;
  const half = ((jitter.minWidth + rand() * (jitter.maxWidth - jitter.minWidth)) * scale) / 2;
  const u = (r) => (2 * rand() - 1) * r;
  for (const stroke of strokes) {
    const sx = u(jitter.strokeShift);
    const sy = u(jitter.strokeShift);
    const pts = stroke.map(([x, y]) => [
      (x + 0.5 + sx + u(jitter.pointShift)) * scale - 0.5,
      (y + 0.5 + sy + u(jitter.pointShift)) * scale - 0.5,
    ]);
    for (let i = 0; i < pts.length; i++) {
      const [ax, ay] = pts[i];
      const [bx, by] = pts[Math.min(i + 1, pts.length - 1)];
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - half - 1));
      const x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + half + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - half - 1));
      const y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + half + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
          const ex = x - (ax + t * dx);
          const ey = y - (ay + t * dy);
          const cover = Math.min(1, Math.max(0, half + 0.5 - Math.sqrt(ex * ex + ey * ey)));
          const k = y * size + x;
          if (cover > out[k]) out[k] = cover;
        }
      }
    }
  }
  return out;
}

/**
 * How much of the drawing the network sees: `frame`, the whole canvas (Omniglot's 105×105, as drawn);
 * `ink`, a square about the ink's centre of mass, {@link INK_SPREAD} times the ink's RMS radius on a
 * side, so every drawing is centred and scaled alike whatever its drawer's size and place on the canvas.
 */
export const FRAMINGS = ['frame', 'ink'];

/**
 * The `ink` framing's side in RMS radii of ink: the drawings' longer side is 2.4–3.5 radii (5th–95th
 * percentile over the background sets), so at 4 a drawing fills about 70% of the square and the
 * farthest strokes of nearly all drawings stay inside it. The default of `inkSpread` below.
 */
export const INK_SPREAD = 4;

/** The `inkSpread` values {@link inkWindow} takes: below 2 it would crop most drawings' strokes. */
export const INK_SPREAD_RANGE = [2, 8];

/** The `ink` framing never magnifies more than 3× (a dot or a short dash stays a small mark). */
const MIN_INK_SIDE = 1 / 3;

/**
 * The square of source pixels `{x0, y0, side}` that `framing` shows of a grey image (1 = paper): the
 * whole image for `frame`; for `ink`, `inkSpread` RMS radii about the ink's centre of mass (the whole
 * image when it has no ink).
 */
export function inkWindow({ width, height, grey }, framing = 'frame', inkSpread = INK_SPREAD) {
  if (!FRAMINGS.includes(framing)) throw new Error(`framing must be ${FRAMINGS.join(' or ')} (got ${framing})`);
  const [lo, hi] = INK_SPREAD_RANGE;
  if (!(inkSpread >= lo && inkSpread <= hi)) throw new Error(`inkSpread must be in [${lo}, ${hi}] (got ${inkSpread})`);
  const whole = { x0: 0, y0: 0, side: Math.max(width, height) };
  if (framing === 'frame') return whole;
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 1 - grey[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass < 1e-6) return whole;
  mx /= mass;
  my /= mass;
  let r2 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) r2 += (1 - grey[y * width + x]) * ((x + 0.5 - mx) ** 2 + (y + 0.5 - my) ** 2);
  }
  const side = Math.max(inkSpread * Math.sqrt(r2 / mass), MIN_INK_SIDE * whole.side);
  return { x0: mx - side / 2, y0: my - side / 2, side };
}

/**
 * Ink image `size`×`size` from grey levels by area averaging (each output pixel is the mean of the
 * source area it covers, fractional edges weighted), so thin strokes survive the 105 → 28 reduction.
 * `framing` and `inkSpread` pick the source square ({@link inkWindow}); source outside the image counts
 * as paper.
 */
export function toInk(image, size, framing = 'frame', inkSpread = INK_SPREAD) {
  const { width, height, grey } = image;
  const { x0: ox0, y0: oy0, side } = inkWindow(image, framing, inkSpread);
  // `frame` stretches a non-square image to the square, as it always has; `ink` keeps proportions.
  const sx = framing === 'frame' ? width / size : side / size;
  const sy = framing === 'frame' ? height / size : side / size;
  const out = new Float32Array(size * size);
  for (let oy = 0; oy < size; oy++) {
    const y0 = oy0 + oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < size; ox++) {
      const x0 = ox0 + ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(height, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.max(0, Math.floor(x0)); x < Math.min(width, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += wy * wx * (1 - grey[y * width + x]);
        }
      }
      out[oy * size + ox] = sum / (sx * sy);
    }
  }
  return out;
}

/** No jitter: a trajectory drawn as it was recorded, with the pen width `width`. */
const exact = (width) => ({ minWidth: width, maxWidth: width, strokeShift: 0, pointShift: 0 });

/**
 * A drawing's strokes (arrays of `[x, y]` in the 105×105 frame, y down) as the network's input: drawn as
 * round-capped lines `penWidth` wide into a black-and-white 105×105 image (as Omniglot's PNGs are
 * binary), then area-averaged to `size`×`size` ink (1 = stroke) — the path every training image took.
 * Points outside the frame are clipped; an empty drawing gives an all-zero image.
 */
export function drawingToInk(strokes, size, { penWidth = PEN_WIDTH, framing = 'frame', inkSpread = INK_SPREAD } = {}) {
  const cover = renderStrokes(strokes, FRAME, () => 0.5, exact(penWidth));
  const grey = new Float32Array(FRAME * FRAME);
  for (let i = 0; i < grey.length; i++) grey[i] = cover[i] >= 0.5 ? 0 : 1;
  return toInk({ width: FRAME, height: FRAME, grey }, size, framing, inkSpread);
}

/** Total ink of an image: 0 for an empty canvas. */
export function inkAmount(ink) {
  let sum = 0;
  for (let i = 0; i < ink.length; i++) sum += ink[i];
  return sum;
}
