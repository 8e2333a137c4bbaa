// The browser examples' bundle: esbuild, one minified IIFE for the browser, with 'tfjs-margin' resolved
// to this repo's built dist/index.js (run `npm run build` first).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `entry` (a page's main module) into `outfile`. */
export async function bundlePage(entry, outfile) {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outfile,
    alias: { 'tfjs-margin': path.join(root, 'dist/index.js') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
}
