// Stroke-level augmentation: every Omniglot drawing comes with the pen trajectories it was drawn with
// (data/strokes_background_small*.zip, MIT, Lake et al. 2015). Re-drawing them with jittered points and
// stroke widths makes new drawings of the same character by a "new drawer" — variation no affine
// warp of the image gives (a longer or shifted stroke, a thinner pen) — before the affine distortion.
import { unzipSync } from 'fflate';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseStrokes } from './drawing.mjs';
import { DATA_DIR } from './omniglot.mjs';

export { parseStrokes, renderStrokes, STROKE_JITTER } from './drawing.mjs';

const ZIPS = ['strokes_background_small1.zip', 'strokes_background_small2.zip'];

/**
 * Every drawing's strokes by `<alphabet>/<character>/<file>.png` (the image it belongs to), or an empty
 * map when the zips are not there. `{time: true}`: points as `[x, y, t]`.
 */
export function loadStrokes(dir = DATA_DIR, { time = false } = {}) {
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
      byImage.set(key, parseStrokes(new TextDecoder().decode(bytes), name, { time }));
    }
  }
  return byImage;
}
