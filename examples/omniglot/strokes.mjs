// Stroke-level augmentation: every Omniglot drawing comes with the pen trajectories it was drawn with
// (data/strokes_background_small*.zip, MIT, Lake et al. 2015). Re-drawing them with jittered points and
// stroke widths makes new drawings of the same character by a "new drawer" — variation no affine
// warp of the image gives (a longer or shifted stroke, a thinner pen) — before the affine distortion.
import { unzipSync } from 'fflate';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR } from './omniglot.mjs';

const ZIPS = ['strokes_background_small1.zip', 'strokes_background_small2.zip'];
/** The drawings' frame: 105×105 pixels. */
const FRAME = 105;

/**
 * Parses one trajectory file: `START`, lines `x,y,t` (y negated), `BREAK` between strokes, `END`.
 * Returns strokes as arrays of `[x, y]` in the image frame (y down).
 */
export function parseStrokes(text, name = 'strokes') {
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
    const [x, y] = line.split(',').map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${name}: bad point line "${line}"`);
    current.push([x, -y]);
  }
  if (current.length > 0) strokes.push(current);
  return strokes;
}

/**
 * Every drawing's strokes by `<alphabet>/<character>/<file>.png` (the image it belongs to), or an empty
 * map when the zips are not there.
 */
export function loadStrokes(dir = DATA_DIR) {
  const byImage = new Map();
  for (const zip of ZIPS) {
    const file = path.join(dir, zip);
    if (!existsSync(file)) continue;
    const entries = unzipSync(new Uint8Array(readFileSync(file)), {
      filter: (f) => f.name.endsWith('.txt') && !f.name.includes('__MACOSX'),
    });
    for (const [name, bytes] of Object.entries(entries)) {
      const parts = name.split('/');
      if (parts.length !== 4) continue;
      const key = `${parts[1]}/${parts[2]}/${parts[3].replace(/\.txt$/, '.png')}`;
      byImage.set(key, parseStrokes(new TextDecoder().decode(bytes), name));
    }
  }
  return byImage;
}

/** Default jitter: pen width 2.5–6 px (of 105), each stroke moved ±3 px, each point ±1.5 px. */
export const STROKE_JITTER = { minWidth: 2.5, maxWidth: 6, strokeShift: 3, pointShift: 1.5 };

/**
 * Draws `strokes` as round-capped lines into a `size`×`size` ink image (1 = ink), with a random pen
 * width and random shifts of each stroke and each point (`rand`: uniform [0, 1)). Coverage is
 * anti-aliased from each pixel centre's distance to the nearest segment.
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
      (x + sx + u(jitter.pointShift)) * scale - 0.5,
      (y + sy + u(jitter.pointShift)) * scale - 0.5,
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
