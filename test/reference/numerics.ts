/**
 * Float64 references in plain JS numbers, written from the formulas (not from the library), and
 * central finite differences. Matrices are row-major `number[][]`.
 */
export type Matrix = number[][];

export function softmax64(row: number[], temperature = 1): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp((v - m) / temperature));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function logSoftmax64(row: number[], temperature = 1): number[] {
  const m = Math.max(...row);
  const s = row.map((v) => (v - m) / temperature);
  const lse = Math.log(s.reduce((a, v) => a + Math.exp(v), 0));
  return s.map((v) => v - lse);
}

export function norm64(v: number[]): number {
  return Math.sqrt(v.reduce((a, b) => a + b * b, 0));
}

export function l2Normalize64(v: number[], epsilon = 1e-12): number[] {
  const n = Math.sqrt(
    Math.max(
      v.reduce((a, b) => a + b * b, 0),
      epsilon,
    ),
  );
  return v.map((x) => x / n);
}

export function transpose(m: Matrix): Matrix {
  return m[0]!.map((_, j) => m.map((row) => row[j]!));
}

export function matMul64(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((acc, v, k) => acc + v * b[k]![j]!, 0)));
}

/** `s · x̂ Ŵ` with optional normalizations (columns of `w` are classes). */
export function normalizedLinear64(
  x: Matrix,
  w: Matrix,
  normalizeInputs: boolean,
  normalizeWeights: boolean,
  scale: number,
): Matrix {
  const xn = normalizeInputs ? x.map((r) => l2Normalize64(r)) : x;
  const wn = normalizeWeights ? transpose(transpose(w).map((c) => l2Normalize64(c))) : w;
  return matMul64(xn, wn).map((r) => r.map((v) => v * scale));
}

export function crossEntropy64(targets: number[], logits: number[], temperature = 1): number {
  const z = logSoftmax64(logits, temperature);
  return -targets.reduce((a, t, j) => a + t * z[j]!, 0);
}

export function reshape(flat: number[], rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
}

/** Central finite differences of a scalar function of a flat vector, step `h` relative to |x|. */
export function finiteDifferences(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((xi, i) => {
    const step = h * Math.max(1, Math.abs(xi));
    const up = x.slice();
    const down = x.slice();
    up[i] = xi + step;
    down[i] = xi - step;
    return (f(up) - f(down)) / (2 * step);
  });
}

/** `Σ out ⊙ r`: a scalar probe whose gradient is a full vector-Jacobian product with `r`. */
export function probe(out: number[], r: number[]): number {
  return out.reduce((a, v, i) => a + v * r[i]!, 0);
}
