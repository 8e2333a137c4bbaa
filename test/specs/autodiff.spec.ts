import * as tf from '@tensorflow/tfjs';
import { ops } from 'tfjs-margin';
import { expectClose, scope } from '../harness/assert';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { adaScaler64, cosines64, type HeadConfig } from '../reference/heads';
import { reshape, l2Normalize64, matMul64, transpose } from '../reference/numerics';
import { HEAD_CASES, oneHot } from './headCases';

const N = 6;
const D = 5;
const C = 4;
const LABELS = [0, 1, 2, 3, 1, 2];

/** Float64 target cosines: the piecewise branch (k, fallback) is a constant for autodiff. */
function targetCosines(x: number[], w: number[], k: number): number[] {
  const cols = transpose(reshape(w, D, C * k)).map((c) => l2Normalize64(c));
  const cos = matMul64(
    reshape(x, N, D).map((r) => l2Normalize64(r)),
    transpose(cols),
  );
  return cos.map((row, i) => Math.max(...row.slice(LABELS[i]! * k, LABELS[i]! * k + k)));
}

/** The head's forward in plain differentiable tfjs ops; tfjs autodiff gives its gradient. */
function autodiffLogits(
  cfg: HeadConfig,
  x: tf.Tensor,
  w: tf.Tensor,
  mask: tf.Tensor,
  c64: number[],
  data64: { x: number[]; w: number[] },
): tf.Tensor {
  const k = cfg.subCenters ?? 1;
  const m = cfg.margin ?? 0;
  const xNorm = tf.norm(x, 2, 1, true);
  const wNorm = tf.norm(w, 2, 0, true);
  const cosAll = tf.matMul(tf.div(x, xNorm), tf.div(w, wNorm));
  const cos = k > 1 ? tf.max(tf.reshape(cosAll, [N, C, k]), 2) : cosAll;
  const cT = tf.sum(tf.mul(cos, mask), 1);
  const theta = tf.acos(cT);
  let psi: tf.Tensor;
  switch (cfg.kind) {
    case 'cosface':
      psi = tf.sub(cT, m);
      break;
    case 'lsoftmax':
    case 'sphereface': {
      const kk = c64.map((c) => Math.floor((m * Math.acos(c)) / Math.PI));
      psi = tf.sub(
        tf.mul(tf.tensor1d(kk.map((v) => (-1) ** v)), tf.cos(tf.mul(theta, m))),
        tf.tensor1d(kk.map((v) => 2 * v)),
      );
      break;
    }
    case 'adaface': {
      // The norms are constants (the reference detaches them), from float64: no device read (webgpu).
      const norms = reshape(data64.x, N, D).map((r) => Math.hypot(...r));
      const g = tf.tensor1d(norms.map((v) => adaScaler64(cfg, v)));
      const eps = 1e-3;
      const shifted = tf.sub(tf.acos(tf.clipByValue(cT, -1 + eps, 1 - eps)), tf.mul(g, m));
      psi = tf.sub(tf.cos(tf.clipByValue(shifted, eps, Math.PI - eps)), tf.add(tf.mul(g, m), m));
      break;
    }
    case 'arcface':
    case 'subcenter':
    case 'curricularface': {
      const main = tf.cos(tf.add(theta, m));
      const useMain = c64.map((c) => (cfg.easyMargin ? c > 0 : Math.acos(c) <= Math.PI - m));
      const other = cfg.easyMargin ? cT : tf.sub(cT, m * Math.sin(m));
      psi = tf.where(tf.tensor1d(useMain, 'bool'), main, other);
      break;
    }
    case 'combined': {
      const m1 = cfg.m1 ?? 1;
      const m2 = cfg.m2 ?? 0;
      const m3 = cfg.m3 ?? 0;
      const useMain = c64.map((c) => m1 * Math.acos(c) + m2 <= Math.PI);
      psi = tf.where(
        tf.tensor1d(useMain, 'bool'),
        tf.sub(tf.cos(tf.add(tf.mul(theta, m1), m2)), m3),
        tf.sub(cT, m3 + m2 * Math.sin(m2)),
      );
      break;
    }
    case 'magface': {
      const slope = (cfg.upperMargin! - cfg.lowerMargin!) / (cfg.upperNorm! - cfg.lowerNorm!);
      const a = tf.clipByValue(tf.reshape(xNorm, [-1]), cfg.lowerNorm!, cfg.upperNorm!);
      const mt = tf.add(tf.mul(tf.sub(a, cfg.lowerNorm!), slope), cfg.lowerMargin!);
      const useMain = tf.tensor1d(
        c64.map((c) => c > 0),
        'bool',
      );
      psi = tf.where(useMain, tf.cos(tf.add(theta, mt)), cT);
      break;
    }
    case 'elasticarc':
      psi = tf.cos(tf.add(theta, m));
      break;
    case 'elasticcos':
      psi = tf.sub(cT, m);
      break;
    case 'adacos':
      psi = cT;
      break;
    case 'circle':
      psi = tf.mul(tf.tensor1d(c64.map((c) => Math.max(0, 1 + m - c))), tf.sub(cT, 1 - m));
      break;
  }
  let others = cos;
  if (cfg.kind === 'circle') {
    const cos64 = cosines64(reshape(data64.x, N, D), reshape(data64.w, D, C));
    const alphaN = tf.tensor2d(
      cos64.flat().map((c) => Math.max(0, c + m)),
      [N, C],
    );
    others = tf.mul(alphaN, tf.sub(cos, m));
  }
  if (cfg.kind === 'curricularface') {
    // Hard negatives (a constant mask from float64, no device read): c → c (t + c).
    const cols = transpose(reshape(data64.w, D, C)).map((col) => l2Normalize64(col));
    const cos64 = matMul64(
      reshape(data64.x, N, D).map((row) => l2Normalize64(row)),
      transpose(cols),
    );
    const hard = cos64.flatMap((row, i) =>
      row.map((c, j) => (j !== LABELS[i] && c > Math.cos(Math.acos(c64[i]!) + m) ? 1 : 0)),
    );
    const hardMask = tf.tensor2d(hard, [N, C]);
    others = tf.add(cos, tf.mul(hardMask, tf.sub(tf.mul(cos, tf.add(cos, cfg.t ?? 0)), cos)));
  }
  // The target entry of `others` is replaced by ψ (Circle transforms it too).
  const othersAtTarget = tf.sum(tf.mul(others, mask), 1);
  let logits = tf.mul(tf.add(others, tf.mul(mask, tf.expandDims(tf.sub(psi, othersAtTarget), 1))), cfg.scale);
  if (cfg.kind === 'lsoftmax' || cfg.kind === 'sphereface') logits = tf.mul(logits, xNorm);
  if (cfg.kind === 'lsoftmax') logits = tf.mul(logits, wNorm);
  return logits;
}

for (const hc of HEAD_CASES) {
  spec(`heads.${hc.name}`, 'analytic gradient equals tfjs autodiff of the same forward', async (ctx) => {
    const k = hc.cfg.subCenters ?? 1;
    // Away from cos θ = ±1, where acos has no finite derivative.
    const x = uniform(1000, N * D, -1, 1);
    const w = uniform(1001, D * C * k, -1, 1);
    const c64 = targetCosines(x, w, k);
    await scope(async () => {
      const xt = tf.tensor2d(x, [N, D]);
      const wt = tf.tensor2d(w, [D, C * k]);
      const mask = tf.tensor2d(oneHot(LABELS, C), [N, C]);
      const r = tf.tensor2d(uniform(1002, N * C), [N, C]);
      const probe = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([xt, wt]);
      const [ax, aw] = probe((a, b) => ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, mask, null, hc.op()));
      const [dx, dw] = probe((a, b) => autodiffLogits(hc.cfg, a, b, mask, c64, { x, w }));
      // Both sides are float32 on the device: absolute error is relative to the gradient's scale
      // (1e-5 on the float32 Node backends, the backend's value tolerance on GPUs).
      const rel = ['cpu', 'wasm', 'tensorflow'].includes(ctx.backend) ? 1e-5 : ctx.tol.rtol;
      const tolFor = async (t: tf.Tensor) => ({
        rtol: ctx.tol.gradRtol,
        atol: Math.max(ctx.tol.gradAtol * hc.cfg.scale, rel * Math.max(...Array.from(await t.data(), Math.abs))),
      });
      await expectClose(ax!, dx!, await tolFor(dx!), 'dx: analytic vs autodiff');
      await expectClose(aw!, dw!, await tolFor(dw!), 'dW: analytic vs autodiff');
    });
  });
}
