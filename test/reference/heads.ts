/**
 * Float64 margin-head logits written from the papers' formulas with `acos`/`floor` (the library
 * uses Chebyshev polynomials and cosine thresholds instead, so the two are independent).
 */
import { type Matrix, l2Normalize64, matMul64, norm64, transpose } from './numerics';

export type HeadKind =
  | 'lsoftmax'
  | 'sphereface'
  | 'cosface'
  | 'arcface'
  | 'combined'
  | 'subcenter'
  | 'curricularface'
  | 'adaface'
  | 'magface'
  | 'elasticarc'
  | 'elasticcos'
  | 'adacos'
  | 'circle';

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
  /** CurricularFace's `t`. */
  t?: number;
  /** AdaFace's concentration and norm statistics. */
  h?: number;
  mean?: number;
  std?: number;
  /** AdaFace: per-sample norms to use instead of `|x|` (held fixed, as the reference detaches them). */
  norms?: number[];
  /** MagFace's norm bounds and margins. */
  lowerNorm?: number;
  upperNorm?: number;
  lowerMargin?: number;
  upperMargin?: number;
  /** ElasticFace: per-sample margins (else `margin` for every sample). */
  margins?: number[];
  /**
   * Circle: the `[N, C]` cosines its weights `α` are computed from (held fixed, as the reference
   * detaches them); else the current cosines. See {@link frozenWeights}.
   */
  frozen?: number[][];
}

/** MagFace's margin `m(a)` for a raw norm. */
export function magMargin64(cfg: HeadConfig, norm: number): number {
  const la = cfg.lowerNorm!;
  const ua = cfg.upperNorm!;
  const a = Math.min(ua, Math.max(la, norm));
  return cfg.lowerMargin! + ((cfg.upperMargin! - cfg.lowerMargin!) * (a - la)) / (ua - la);
}

/** MagFace's target `cos(θ + m(a))` (easy margin: where `cos θ > 0`; else with the fallback `c − m sin m`). */
export function magPsi64(cfg: HeadConfig, cRaw: number, norm: number): number {
  const c = Math.min(1, Math.max(-1, cRaw));
  const m = magMargin64(cfg, norm);
  const main = Math.cos(Math.acos(c) + m);
  if (cfg.easyMargin) return c > 0 ? main : c;
  return c > Math.cos(Math.PI - m) ? main : c - m * Math.sin(m);
}

/** The cosines `[N, C]` (max over sub-centers) of `x` against the columns of `w`. */
export function cosines64(x: Matrix, w: Matrix, k = 1): Matrix {
  const xn = x.map((r) => l2Normalize64(r));
  const wn = transpose(transpose(w).map((c) => l2Normalize64(c)));
  const classes = w[0]!.length / k;
  return matMul64(xn, wn).map((row) =>
    Array.from({ length: classes }, (_, c) => Math.max(...row.slice(c * k, c * k + k))),
  );
}

/** `cfg` with Circle's weights frozen at `(x, w)`: what finite differences of a detached-α head see. */
export function frozenWeights(cfg: HeadConfig, x: Matrix, w: Matrix): HeadConfig {
  return cfg.kind === 'circle' ? { ...cfg, frozen: cosines64(x, w, cfg.subCenters ?? 1) } : cfg;
}

/** AdaFace's per-sample margin scaler `ĝ` for a feature norm (the reference's `margin_scaler`). */
export function adaScaler64(cfg: HeadConfig, norm: number): number {
  const safe = Math.min(100, Math.max(1e-3, norm));
  return Math.min(1, Math.max(-1, ((safe - (cfg.mean ?? 20)) / ((cfg.std ?? 100) + 1e-3)) * (cfg.h ?? 0.333)));
}

/** AdaFace's target: `cos(clip(θ − m ĝ, ε, π − ε)) − m ĝ − m` with `cos θ` clamped to `±(1 − ε)`, `ε = 1e-3`. */
export function adaPsi64(cfg: HeadConfig, cRaw: number, norm: number): number {
  const eps = 1e-3;
  const m = cfg.margin ?? 0;
  const g = adaScaler64(cfg, norm);
  const theta = Math.acos(Math.min(1 - eps, Math.max(-1 + eps, cRaw)));
  return Math.cos(Math.min(Math.PI - eps, Math.max(eps, theta - m * g))) - (m + m * g);
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
    case 'adaface':
    case 'magface':
      throw new Error('psi64: AdaFace and MagFace need the norm (adaPsi64, magPsi64)');
    case 'elasticcos':
      return c - m;
    case 'elasticarc':
      return Math.cos(theta + m);
    case 'adacos':
      return c;
    case 'circle':
      return Math.max(0, 1 + m - c) * (c - (1 - m));
    case 'arcface':
    case 'subcenter':
    case 'curricularface':
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
      const y = labels?.[i];
      if (y === j) {
        const norm = cfg.norms?.[i] ?? norm64(x[i]!);
        let psi: number;
        if (cfg.kind === 'adaface') psi = adaPsi64(cfg, cij, norm);
        else if (cfg.kind === 'magface') psi = magPsi64(cfg, cij, norm);
        else if (cfg.kind === 'circle') {
          const alpha = Math.max(0, 1 + (cfg.margin ?? 0) - (cfg.frozen?.[i]![j] ?? cij));
          psi = alpha * (cij - (1 - (cfg.margin ?? 0)));
        } else if (cfg.margins !== undefined) psi = psi64({ ...cfg, margin: cfg.margins[i] }, cij);
        else psi = psi64(cfg, cij);
        v = (lambda * cij + psi) / (1 + lambda);
      } else if (y !== undefined && cfg.kind === 'circle') {
        const m = cfg.margin ?? 0;
        v = Math.max(0, (cfg.frozen?.[i]![j] ?? cij) + m) * (cij - m);
      } else if (y !== undefined && cfg.kind === 'curricularface') {
        // A hard negative: above cos(θ_y + m), without ArcFace's fallback (the reference's mask).
        const cy = Math.min(1, Math.max(-1, row[y]!));
        if (cij > Math.cos(Math.acos(cy) + (cfg.margin ?? 0))) v = cij * ((cfg.t ?? 0) + cij);
      }
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
