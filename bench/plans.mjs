// What each backend measures. Every head at the target shape (N=256, D=512, C=10k), the
// autodiff variant beside it, and a shape sweep of ArcFace vs the floor where the backend is fast
// enough (the cpu backend runs ~1 GFLOP/s: one step at C=100k takes over a minute there).
import { HEADS } from './core.mjs';

const TARGET = { n: 256, d: 512, c: 10000 };

function sweep(cs) {
  const out = [];
  for (const n of [64, 256]) for (const d of [128, 512]) for (const c of cs) out.push({ n, d, c });
  return out;
}

export function planFor(backend, quick) {
  // normFace and normalizedLinear: the weight normalization without a margin; floorWide: the matmul
  // floor of subCenterArcFace's C·K columns.
  const all = [...HEADS, 'normFace', 'normalizedLinear', 'floorWide', 'autodiff'];
  if (quick)
    return [{ shape: { n: 64, d: 128, c: 1000 }, variants: ['cosFace', 'arcFace', 'autodiff'], steps: 2, reps: 2 }];
  switch (backend) {
    case 'tensorflow':
      return [
        { shape: TARGET, variants: all, steps: 3, reps: 5 },
        ...sweep([1000, 10000, 100000])
          .filter((s) => !(s.n === TARGET.n && s.d === TARGET.d && s.c === TARGET.c))
          .map((shape) => ({ shape, variants: ['arcFace'], steps: shape.c >= 100000 ? 2 : 3, reps: 3 })),
      ];
    case 'wasm':
      return [
        { shape: TARGET, variants: all, steps: 2, reps: 3 },
        ...sweep([1000]).map((shape) => ({ shape, variants: ['arcFace'], steps: 3, reps: 3 })),
      ];
    case 'cpu':
      return [{ shape: TARGET, variants: ['cosFace', 'arcFace', 'autodiff'], steps: 1, reps: 3 }];
    case 'webgpu':
      // SwiftShader's WebGPU takes 15–30 s per step at the target shape: the floor and two heads there,
      // every variant at a small shape.
      return [
        { shape: TARGET, variants: ['cosFace', 'arcFace'], steps: 1, reps: 1, warmup: 1 },
        { shape: { n: 64, d: 128, c: 1000 }, variants: all, steps: 3, reps: 3 },
      ];
    default: // webgl in Chromium (SwiftShader: a software GPU)
      return [
        { shape: TARGET, variants: all, steps: 1, reps: 2 },
        { shape: { n: 64, d: 128, c: 1000 }, variants: ['arcFace'], steps: 3, reps: 3 },
      ];
  }
}
