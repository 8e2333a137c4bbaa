// Bundles the browser test runner and the checkpoint test's page; 'tfjs-margin' resolves to the built package (dist/index.js).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
for (const [entry, out] of [
  ['entry.ts', 'tests.js'],
  ['checkpointPage.ts', 'checkpoint.js'],
]) {
  await build({
    entryPoints: [path.join(here, entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    outfile: path.join(here, 'dist', out),
    alias: { 'tfjs-margin': path.join(root, 'dist/index.js') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    sourcemap: 'inline',
  });
}
