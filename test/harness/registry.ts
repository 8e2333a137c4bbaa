/**
 * One spec registry for every backend. Spec files call `spec(...)` at import time; the Jest
 * adapters (cpu, wasm, tensorflow) and the browser runner (webgl, webgl-f16, webgpu) run the same list.
 */
export type BackendName = 'cpu' | 'wasm' | 'tensorflow' | 'webgl' | 'webgl-f16' | 'webgpu';

export interface Tolerance {
  /** Relative and absolute tolerance for values. */
  rtol: number;
  atol: number;
  /** Relative and absolute tolerance for gradients (compared with float64 finite differences). */
  gradRtol: number;
  gradAtol: number;
}

/** A few real MNIST digits: `images` is `count × 784` floats in [0, 1]. */
export interface DigitSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface SpecContext {
  backend: BackendName;
  tol: Tolerance;
  /** True on half-float storage (webgl-f16). */
  halfPrecision: boolean;
  /** Real MNIST digits, the same on every backend: a training set and a held-out set. */
  digits: { train: DigitSet; test: DigitSet };
}

export interface Spec {
  id: string;
  fn: (ctx: SpecContext) => void | Promise<void>;
  /** Run the spec body twice and require `tf.memory().numTensors` unchanged by the second run. Default true. */
  leakCheck: boolean;
  /** The backends the spec is registered on (default: all six); a spec is never skipped at run time. */
  backends: readonly BackendName[] | null;
}

/** The Node backends: where a step costs milliseconds, not SwiftShader's hundreds. */
export const NODE_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow'];

export const specs: Spec[] = [];

export function spec(
  group: string,
  name: string,
  fn: (ctx: SpecContext) => void | Promise<void>,
  options: { leakCheck?: boolean; backends?: readonly BackendName[] } = {},
): void {
  const id = `${group} › ${name}`;
  if (specs.some((s) => s.id === id)) throw new Error(`duplicate spec id ${id}`);
  specs.push({ id, fn, leakCheck: options.leakCheck ?? true, backends: options.backends ?? null });
}

export const TOLERANCES: Record<BackendName, Tolerance> = {
  cpu: { rtol: 1e-5, atol: 1e-6, gradRtol: 2e-3, gradAtol: 1e-5 },
  wasm: { rtol: 1e-5, atol: 1e-6, gradRtol: 2e-3, gradAtol: 1e-5 },
  tensorflow: { rtol: 1e-5, atol: 1e-6, gradRtol: 2e-3, gradAtol: 1e-5 },
  webgl: { rtol: 2e-4, atol: 2e-5, gradRtol: 5e-3, gradAtol: 5e-5 },
  webgpu: { rtol: 2e-4, atol: 2e-5, gradRtol: 5e-3, gradAtol: 5e-5 },
  'webgl-f16': { rtol: 2e-2, atol: 4e-3, gradRtol: 6e-2, gradAtol: 1e-2 },
};

/**
 * The specs a run on `backend` selects: all registered on it, or (TFJS_MARGIN_SPECS=a,b while
 * developing; CI runs everything) those whose id contains any of the comma-separated substrings.
 */
export function selectedSpecs<T extends Pick<Spec, 'id' | 'backends'>>(all: T[], backend: BackendName): T[] {
  const registered = all.filter((s) => s.backends === null || s.backends.includes(backend));
  const only = process.env.TFJS_MARGIN_SPECS;
  if (!only) return registered;
  const parts = only.split(',').filter((p) => p.length > 0);
  return registered.filter((s) => parts.some((p) => s.id.includes(p)));
}
