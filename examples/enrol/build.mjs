// Builds examples/enrol/dist: the page, its bundle (esbuild; 'tfjs-margin' is this repo's built
// dist/index.js) and the pretrained embedder it loads over HTTP (model/).
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePage } from '../bundle-page.mjs';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
export const outDir = path.join(here, 'dist');

/** Builds the page; returns `{dir, bundleBytes, bundleGzipBytes, modelBytes}`. */
export async function buildEnrolPage() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await bundlePage(path.join(here, 'main.mjs'), path.join(outDir, 'app.js'));
  copyFileSync(path.join(here, 'index.html'), path.join(outDir, 'index.html'));
  cpSync(path.join(here, 'model'), path.join(outDir, 'model'), { recursive: true });
  const bundle = readFileSync(path.join(outDir, 'app.js'));
  return {
    dir: outDir,
    bundleBytes: bundle.length,
    bundleGzipBytes: gzipSync(bundle).length,
    modelBytes: ['model.json', 'weights.bin'].reduce((n, f) => n + statSync(path.join(here, 'model', f)).size, 0),
  };
}

export const sizeLine = (b) =>
  `page bundle ${(b.bundleBytes / 1024).toFixed(0)} kB (${(b.bundleGzipBytes / 1024).toFixed(0)} kB gzipped), ` +
  `model ${(b.modelBytes / 1024).toFixed(0)} kB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildEnrolPage();
  console.log(`built ${outDir}: ${sizeLine(built)}`);
}
