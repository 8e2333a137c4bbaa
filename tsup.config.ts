import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2020',
  external: [/^@tensorflow\//],
  // Layer registration runs at module load: keep the bundle un-treeshaken by consumers' bundlers.
  treeshake: false,
});
