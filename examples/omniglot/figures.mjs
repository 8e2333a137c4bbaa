// Omniglot figures: one-shot error per head with its spread, beside the shared ROC renderer.
export { render, rocSpec } from '../mnist/figures.mjs';

/** One-shot error per head and held-out split: a bar at the mean over seeds, a tick at each training. */
export function oneShotSpec(rows, order, title) {
  const y = { field: 'head', type: 'nominal', sort: order, title: null };
  const yOffset = { field: 'split', type: 'nominal' };
  return {
    title: { text: title, fontSize: 14 },
    width: 460,
    height: { step: 14 },
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.55 },
        encoding: {
          y,
          yOffset,
          x: { aggregate: 'mean', field: 'error', type: 'quantitative', title: '20-way one-shot error (%)' },
          color: { field: 'split', type: 'nominal', scale: { scheme: 'set2' }, title: 'held out' },
        },
      },
      {
        mark: { type: 'tick', thickness: 2, color: '#333' },
        encoding: { y, yOffset, x: { field: 'error', type: 'quantitative' } },
      },
    ],
  };
}
