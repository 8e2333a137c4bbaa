/**
 * Float64 margin-head logits written from the papers' formulas with `acos`/`floor` (the library
 * uses Chebyshev polynomials and cosine thresholds instead, so the two are independent).
 */
import { type Matrix, l2Normalize64, matMul64, norm64, transpose } from './numerics';

export type HeadKind = 'lsoftmax' | 'sphereface' | 'cosface' | 'arcface' | 'combined' | 'subcenter';

export interface HeadConfig {
  kind: HeadKind;
  scale: number;
  /** L-/A-Softmax integer margin, CosFace cosine margin, ArcFace / sub-center angular margin (radians). */
  margin?: number;
  m1?: number;
  m2?: number;
  m3?: number;
  easyMargin?: boolean;
  subCenters?: number;
  lambda?: number;
}

export function psi64(cfg: HeadConfig, cRaw: number): number {
  const c = Math.min(1, Math.max(-1, cRaw));
  const theta = Math.acos(c);
  const m = cfg.margin ?? 0;
  switch (cfg.kind) {
    case 'cosface':
      return c - m;
    case 'lsoftmax':
    case 'sphereface': {
      const k = Math.min(Math.floor((m * theta) / Math.PI), m - 1);
      return (-1) ** k * Math.cos(m * theta) - 2 * k;
    }
    case 'arcface':
    case 'subcenter':
      if (cfg.easyMargin) return c > 0 ? Math.cos(theta + m) : c;
      return theta <= Math.PI - m ? Math.cos(theta + m) : c - m * Math.sin(m);
    case 'combined': {
      const m1 = cfg.m1 ?? 1;
      const m2 = cfg.m2 ?? 0;
      const m3 = cfg.m3 ?? 0;
      return m1 * theta + m2 <= Math.PI ? Math.cos(m1 * theta + m2) - m3 : c - m3 - m2 * Math.sin(m2);
    }
  }
}

/** Logits `[N, C]`; `labels === null` gives margin-free logits. `w` is `[D, C·K]`. */
export function headLogits64(x: Matrix, w: Matrix, labels: number[] | null, cfg: HeadConfig): Matrix {
  const k = cfg.subCenters ?? 1;
  const xn = x.map((r) => l2Normalize64(r));
  const wCols = transpose(w);
  const wn = transpose(wCols.map((c) => l2Normalize64(c)));
  const wNorms = wCols.map((c) => norm64(c));
  const cosAll = matMul64(xn, wn);
  const classes = w[0]!.length / k;
  const cos = cosAll.map((row) => Array.from({ length: classes }, (_, c) => Math.max(...row.slice(c * k, c * k + k))));
  const lambda = cfg.lambda ?? 0;
  return cos.map((row, i) =>
    row.map((cij, j) => {
      let v = cij;
      if (labels !== null && labels[i] === j) v = (lambda * cij + psi64(cfg, cij)) / (1 + lambda);
      let rho = cfg.scale;
      if (cfg.kind === 'lsoftmax' || cfg.kind === 'sphereface') rho *= norm64(x[i]!);
      if (cfg.kind === 'lsoftmax') rho *= wNorms[j]!;
      return rho * v;
    }),
  );
}

/** Mean softmax cross-entropy of `logits` against `labels`. */
export function meanCrossEntropy64(logits: Matrix, labels: number[]): number {
  let total = 0;
  logits.forEach((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    total += lse - row[labels[i]!]!;
  });
  return total / logits.length;
}
