// Bundles the browser test runner; 'tfjs-margin' resolves to the built package (dist/index.js).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
await build({
  entryPoints: [path.join(here, 'entry.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  outfile: path.join(here, 'dist/tests.js'),
  alias: { 'tfjs-margin': path.join(root, 'dist/index.js') },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  sourcemap: 'inline',
});
