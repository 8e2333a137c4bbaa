// node bench/layout.mjs [--c 10000] [--rounds 3]
//
// Does storing the kernel as [C, D] ("rows", kernelLayout: 'rows') instead of [D, C] change the
// tensorflow step? The floor, normFace, CosFace and ArcFace of bench/core.mjs in both layouts,
// interleaved in one process; each figure is the fastest of `rounds` medians. Run `npm run build` first.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as margin from 'tfjs-margin';
import { measure } from './core.mjs';

const { values: args } = parseArgs({
  options: { c: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } },
});
const shape = { n: 256, d: 512, c: Number(args.c) };
const variants = ['floor', 'normFace', 'cosFace', 'arcFace'];
const layouts = ['columns', 'rows'];

const best = {};
for (let round = 0; round < Number(args.rounds); round++) {
  for (const variant of variants) {
    for (const layout of layouts) {
      const { ms, leaked } = await measure(tf, margin, variant, shape, { steps: 3, reps: 4, layout });
      if (leaked !== 0) throw new Error(`${variant} (${layout}) leaked ${leaked} tensors`);
      const key = `${variant} ${layout}`;
      best[key] = Math.min(best[key] ?? Infinity, ms);
    }
  }
}
console.log(`tensorflow N=${shape.n} D=${shape.d} C=${shape.c}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| variant | kernel | ms | × floor [D, C] | × floor [C, D] |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const variant of variants) {
  for (const layout of layouts) {
    const ms = best[`${variant} ${layout}`];
    const ratio = (floorLayout) => (ms / best[`floor ${floorLayout}`]).toFixed(2);
    const kernel = layout === 'rows' ? '[C, D]' : '[D, C]';
    console.log(`| ${variant} | ${kernel} | ${ms.toFixed(1)} | ${ratio('columns')} | ${ratio('rows')} |`);
  }
}
