/**
 * Browser side of the test matrix, bundled by test/browser/bundle.mjs with 'tfjs-margin' resolved to
 * the package's built dist/index.js. Runs every spec on one backend and reports plain results.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as margin from 'tfjs-margin';
import { specs } from '../specs/index';
import { runSpec } from '../harness/run';
import { TOLERANCES, type BackendName, type DigitSet } from '../harness/registry';

export interface BrowserResult {
  id: string;
  ok: boolean;
  message: string;
  ms: number;
}

interface PlainDigits {
  images: number[];
  labels: number[];
  count: number;
}

const toSet = (d: PlainDigits): DigitSet => ({
  images: Float32Array.from(d.images),
  labels: Int32Array.from(d.labels),
  count: d.count,
});

async function start(backend: BackendName): Promise<string> {
  const env = tf.env();
  if (backend === 'webgl' || backend === 'webgl-f16') {
    env.set('WEBGL_CPU_FORWARD', false);
    env.set('WEBGL_FORCE_F16_TEXTURES', backend === 'webgl-f16');
    if (!(await tf.setBackend('webgl'))) throw new Error('webgl backend did not start');
    const info = `WEBGL_VERSION=${env.getNumber('WEBGL_VERSION')} F16=${env.getBool('WEBGL_FORCE_F16_TEXTURES')} CPU_FORWARD=${env.getBool('WEBGL_CPU_FORWARD')}`;
    if (env.getNumber('WEBGL_VERSION') !== 2) throw new Error(`expected WebGL2, got ${info}`);
    return info;
  }
  if (backend === 'webgpu') {
    env.set('WEBGPU_CPU_FORWARD', false);
    if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu backend did not start');
    return 'webgpu';
  }
  throw new Error(`backend ${backend} is not a browser backend`);
}

async function run(
  backend: BackendName,
  digits: { train: PlainDigits; test: PlainDigits },
  only?: string[],
): Promise<{ info: string; results: BrowserResult[] }> {
  const info = await start(backend);
  await tf.ready();
  const ctx = {
    backend,
    tol: TOLERANCES[backend],
    halfPrecision: backend === 'webgl-f16',
    digits: { train: toSet(digits.train), test: toSet(digits.test) },
  };
  const results: BrowserResult[] = [];
  for (const s of specs) {
    if (s.backends !== null && !s.backends.includes(backend)) continue;
    if (only !== undefined && !only.includes(s.id)) continue;
    const t0 = performance.now();
    try {
      await runSpec(s, ctx);
      results.push({ id: s.id, ok: true, message: '', ms: performance.now() - t0 });
    } catch (err) {
      const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
      results.push({ id: s.id, ok: false, message, ms: performance.now() - t0 });
    }
  }
  return { info: `${tf.getBackend()} ${info}`, results };
}

// tf and the package are exposed for debugging sessions (scripts/probe-browser.mjs).
(globalThis as unknown as { tfjsMarginTests: unknown }).tfjsMarginTests = {
  run,
  ids: specs.map((s) => s.id),
  start,
  tf,
  margin,
};
