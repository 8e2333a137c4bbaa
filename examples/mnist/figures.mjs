// Figures as Vega-Lite specs, rendered headless: vega draws SVG without a browser or canvas, and
// resvg turns the SVG into PNG.
import { Resvg } from '@resvg/resvg-js';
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile } from 'vega-lite';

const FONT = 'DejaVu Sans';

/** Writes `<base>.svg` and `<base>.png` for a Vega-Lite spec. */
export async function render(spec, base) {
  const view = new vega.View(vega.parse(compile({ config: { font: FONT }, ...spec }).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(`${base}.svg`, svg);
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
  })
    .render()
    .asPng();
  writeFileSync(`${base}.png`, png);
}

/**
 * 2-D features of each head on the unit circle, coloured by digit, as the L-Softmax and SphereFace
 * papers draw them. A point's angle is its feature's direction; its radius is jittered in [0.8, 1]
 * only so that points at the same angle stay visible. Unseen digits (7-9) are drawn as crosses.
 */
export function featureCircleSpec(rows, titles) {
  const circle = Array.from({ length: 121 }, (_, i) => ({
    order: i,
    cx: Math.cos((i * Math.PI) / 60),
    cy: Math.sin((i * Math.PI) / 60),
  }));
  const values = [];
  for (const head of Object.keys(titles)) {
    for (const c of circle) values.push({ head: titles[head], layer: 'circle', ...c });
  }
  for (const r of rows) values.push({ ...r, head: titles[r.head], layer: 'point' });
  const axis = { scale: { domain: [-1.1, 1.1] }, axis: null };
  return {
    title: {
      text: '2-D embeddings on the unit circle (test digits; crosses: digits never seen in training)',
      fontSize: 14,
    },
    data: { values },
    facet: { field: 'head', type: 'nominal', sort: Object.values(titles), title: null, header: { labelFontSize: 14 } },
    columns: 3,
    spec: {
      width: 230,
      height: 230,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'circle'" }],
          mark: { type: 'line', color: '#bbb', strokeWidth: 1 },
          encoding: {
            x: { field: 'cx', type: 'quantitative', ...axis },
            y: { field: 'cy', type: 'quantitative', ...axis },
            order: { field: 'order' },
          },
        },
        {
          transform: [{ filter: "datum.layer === 'point'" }],
          mark: { type: 'point', filled: true, size: 9, opacity: 0.55 },
          encoding: {
            x: { field: 'x', type: 'quantitative', ...axis },
            y: { field: 'y', type: 'quantitative', ...axis },
            color: { field: 'digit', type: 'nominal', scale: { scheme: 'category10' }, legend: { title: 'digit' } },
            shape: {
              field: 'seen',
              type: 'nominal',
              scale: { domain: ['trained', 'unseen'], range: ['circle', 'cross'] },
              legend: { title: null },
            },
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** ROC curves of open-set verification, one line per head, FAR on a log axis. */
export function rocSpec(rows, title = 'Open-set verification ROC (pairs of digits 7-9, never seen in training)') {
  return {
    title: { text: title, fontSize: 14 },
    width: 460,
    height: 340,
    data: { values: rows.filter((r) => r.fpr >= 1e-3) },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: { field: 'fpr', type: 'quantitative', title: 'false accept rate', scale: { type: 'log', domain: [1e-3, 1] } },
      y: { field: 'tpr', type: 'quantitative', title: 'true accept rate', scale: { domain: [0, 1] } },
      color: { field: 'head', type: 'nominal', scale: { scheme: 'dark2' }, title: null },
    },
  };
}

/** Training loss and open-set verification accuracy per epoch. */
export function curvesSpec(rows) {
  const panel = (field, title, scaleType) => ({
    width: 300,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative', title, scale: scaleType === 'log' ? { type: 'log' } : { zero: false } },
      color: { field: 'head', type: 'nominal', scale: { scheme: 'dark2' }, title: null },
    },
  });
  return {
    data: { values: rows },
    hconcat: [
      panel('loss', 'training loss', 'log'),
      panel('verificationAccuracy', 'open-set verification accuracy', 'linear'),
    ],
  };
}
