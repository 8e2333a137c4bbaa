// Omniglot figures: one-shot error per head with its spread, beside the shared ROC renderer.
export { render, rocSpec } from '../mnist/figures.mjs';

/** One-shot error per head: a bar at the mean over trainings, a tick at each training's error. */
export function oneShotSpec(rows, order, title) {
  return {
    title: { text: title, fontSize: 14 },
    width: 460,
    height: 28 * order.length,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', color: '#9ecae1' },
        encoding: {
          y: { field: 'head', type: 'nominal', sort: order, title: null },
          x: { aggregate: 'mean', field: 'error', type: 'quantitative', title: '20-way one-shot error (%)' },
        },
      },
      {
        mark: { type: 'tick', color: '#08519c', thickness: 2 },
        encoding: {
          y: { field: 'head', type: 'nominal', sort: order },
          x: { field: 'error', type: 'quantitative' },
        },
      },
    ],
  };
}
