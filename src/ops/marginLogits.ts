import * as tf from '@tensorflow/tfjs-core';
import { withCustomGrad } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import { integerAtLeast, positiveNumber, rankIs, tensorArg } from '../internal/validate';
import { oneHotFloat } from '../internal/oneHot';
import { squaredNormEpsilon } from '../internal/precision';
import { l2NormalizeBackward, l2NormalizeForward } from './l2Normalize';
import type { MarginGradient, TargetMargin } from './margins/targetMargin';

/** Options of {@link marginLogits}. */
export interface MarginLogitsOptions {
  /** The target transform ψ; ignored when no targets are given. */
  margin: TargetMargin;
  /** Logit scale `s`. */
  scale: number;
  /** `true`: logits use `cos θ`; `false`: they carry the embedding norm, `|x| cos θ`. */
  normalizeInputs: boolean;
  /** `true`: class centres are normalized; `false`: logits carry `|W_j|` (L-Softmax). */
  normalizeWeights: boolean;
  /** Sub-centres per class `K` (columns `c·K … c·K + K − 1`); the class cosine is their max. */
  subCenters: number;
  /** `'exact'` derivative of ψ, or `'straightThrough'` (ψ' = 1). */
  gradient: MarginGradient;
  /**
   * `'columns'` (default): `kernel` is `[D, C·K]`, class `j` in column `j` (the heads' layout).
   * `'rows'`: `kernel` is `[C·K, D]`, class `j` in row `j` — rows gathered from a larger table
   * (Partial FC) need no transpose, forward or backward.
   */
  kernelLayout?: 'columns' | 'rows';
}

/**
 * Logits of a margin-based softmax head, with one analytic custom gradient.
 *
 * With `c_j = x̂ · Ŵ_j` (the max over a class's sub-centres when `K > 1`), `y` the label and
 * `ρ = s · |x|^[!normalizeInputs] · |W_j|^[!normalizeWeights]`:
 *
 * `logit_j = ρ_j · c_j` for `j ≠ y`, `logit_y = ρ_y · f(c_y)`, `f(c) = (λ c + ψ(c)) / (1 + λ)`.
 *
 * Backward from `G = ∂L/∂logits`: `∂L/∂c = G ρ`, its target entry times `f'(c_y)`; it reaches `x̂`
 * and `Ŵ` through one matmul each (routed to the arg-max sub-centre), then each normalization's
 * backward `(g − v̂ (g · v̂)) / |v|`; when a norm is a factor of the logits it adds
 * `v̂ · Σ G ⊙ logits / |v|`. No `gather` (wasm cannot differentiate it), no `acos` on the gradient
 * path, and no autodiff through the norms.
 *
 * @param x `[N, D]` embeddings.
 * @param kernel `[D, C·K]` class centres (`[C·K, D]` with `kernelLayout: 'rows'`).
 * @param targets `[N, C]` one-hot float mask of the labels, or `null` for margin-free logits.
 * @param lambda Scalar λ ≥ 0 blending in the plain cosine (L-Softmax annealing), or `null` for 0.
 * @returns `[N, C]` logits.
 */
export function marginLogits(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  targets: tf.Tensor2D | null,
  lambda: tf.Scalar | null,
  options: MarginLogitsOptions,
): tf.Tensor2D {
  checkMarginLogitsArgs(x, kernel, targets, lambda, options);
  const { margin, scale, normalizeInputs, normalizeWeights, subCenters: k, gradient } = options;
  const epsilon = squaredNormEpsilon(1e-12);
  const n = x.shape[0];
  const rows = options.kernelLayout === 'rows';
  const classes = (rows ? kernel.shape[0] : kernel.shape[1]) / k;
  const hasTargets = targets !== null;
  const hasLambda = lambda !== null;

  const f = withCustomGrad((inputs, save) => {
    const [xIn, wIn] = inputs as [tf.Tensor2D, tf.Tensor2D];
    const mask = hasTargets ? (inputs[2] as tf.Tensor2D) : null;
    const lam = hasLambda ? (inputs[hasTargets ? 3 : 2] as tf.Scalar) : null;
    const [xn, invx] = l2NormalizeForward(xIn, 1, epsilon);
    // Ŵ is never built: cos = (x̂ W) ⊙ invw scales the [N, C] product, cheaper than the [D, C] kernel.
    const invw = tf.tidy(() =>
      rows
        ? tf.reshape(tf.rsqrt(tf.maximum(tf.sum(tf.square(wIn), 1), epsilon)), [1, -1])
        : tf.rsqrt(tf.maximum(tf.sum(tf.square(wIn), 0, true), epsilon)),
    );
    type Forward = {
      out: tf.Tensor;
      cosAll: tf.Tensor;
      derivative?: tf.Tensor;
      route?: tf.Tensor;
      normTerm?: tf.Tensor;
    };
    const forward = tf.tidy((): Forward => {
      const cosAll = tf.mul(tf.matMul(xn, wIn, false, rows), invw);
      let cos: tf.Tensor = cosAll;
      let route: tf.Tensor | undefined;
      if (k > 1) {
        const grouped = tf.reshape(cosAll, [n, classes, k]);
        cos = tf.max(grouped, 2);
        route = tf.reshape(oneHotFloat(tf.reshape(tf.argMax(grouped, 2), [-1]) as tf.Tensor1D, k), [n, classes, k]);
      }
      let adjusted: tf.Tensor = cos;
      let derivative: tf.Tensor | undefined;
      if (mask !== null) {
        const cTarget = tf.sum(tf.mul(cos, mask), 1);
        const t = margin.apply(tf.clipByValue(cTarget, -1, 1), gradient);
        let target = t.value;
        derivative = t.derivative ?? undefined;
        if (lam !== null) {
          const denominator = tf.add(lam, 1);
          target = tf.div(tf.add(tf.mul(lam, cTarget), target), denominator);
          derivative = tf.div(tf.add(lam, derivative ?? 1), denominator);
        }
        adjusted = tf.add(cos, tf.mul(mask, tf.expandDims(tf.sub(target, cTarget), 1)));
      }
      const scaleByNorms = (v: tf.Tensor): tf.Tensor => {
        let out = v;
        if (!normalizeInputs) out = tf.div(out, invx);
        if (!normalizeWeights) out = tf.div(out, invw);
        return scale !== 1 ? tf.mul(out, scale) : out;
      };
      const out = scaleByNorms(adjusted);
      // ∂logit/∂|v| is the logit over |v|; straight-through takes it from the margin-free logits.
      const normTerm =
        normalizeInputs && normalizeWeights
          ? undefined
          : gradient === 'straightThrough' && adjusted !== cos
            ? scaleByNorms(cos)
            : out;
      return { out, cosAll, derivative, route, normTerm };
    });
    const logits = forward.out;
    const fPrime = forward.derivative ?? null;
    const routing = forward.route ?? null;
    const normLogits = forward.normTerm ?? null;
    save([
      xn,
      invx,
      wIn,
      invw,
      forward.cosAll,
      ...(normLogits !== null ? [normLogits] : []),
      ...(mask !== null ? [mask] : []),
      ...(fPrime !== null ? [fPrime] : []),
      ...(routing !== null ? [routing] : []),
    ]);
    return {
      value: logits,
      gradFunc: (dy, saved) => {
        const [sxn, sinvx, sw, sinvw, sCos] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        let i = 5;
        const sLogits = normLogits !== null ? saved[i++]! : null;
        const sMask = mask !== null ? saved[i++]! : null;
        const sPrime = fPrime !== null ? saved[i++]! : null;
        const sRoute = routing !== null ? saved[i++]! : null;
        // g = ∂L/∂cos (routed to the arg-max sub-centre), then gs = g ⊙ invw = ∂L/∂(x̂ W).
        let g: tf.Tensor = scale !== 1 ? tf.mul(dy, scale) : dy;
        if (!normalizeInputs) g = tf.div(g, sinvx);
        if (!normalizeWeights) g = tf.div(g, sinvw);
        if (sMask !== null && sPrime !== null) {
          const gTarget = tf.sum(tf.mul(g, sMask), 1);
          g = tf.add(g, tf.mul(sMask, tf.expandDims(tf.mul(gTarget, tf.sub(sPrime, 1)), 1)));
        }
        if (sRoute !== null) g = tf.reshape(tf.mul(tf.expandDims(g, 2), sRoute), [n, classes * k]);
        const gs = tf.mul(g, sinvw);
        let dx = l2NormalizeBackward(tf.matMul(gs, sw, false, !rows), sxn, sinvx, 1);
        // ∂L/∂W = x̂ᵀ gs − W ⊙ invw² ⊙ colsum(g ⊙ cos) [− colsum(∂L/∂logits ⊙ logits) when |W_j| is a factor].
        let colTerm = tf.sum(tf.mul(g, sCos), 0, true);
        if (sLogits !== null) {
          const gl = tf.mul(dy, sLogits);
          if (!normalizeInputs) dx = tf.add(dx, tf.mul(sxn, tf.mul(tf.sum(gl, 1, true), sinvx)));
          if (!normalizeWeights) colTerm = tf.sub(colTerm, tf.sum(gl, 0, true));
        }
        const shrink = tf.mul(tf.square(sinvw), colTerm);
        const dw = rows
          ? tf.sub(tf.matMul(gs, sxn, true, false), tf.mul(sw, tf.reshape(shrink, [-1, 1])))
          : tf.sub(tf.matMul(sxn, gs, true, false), tf.mul(sw, shrink));
        // Labels and λ are not differentiable; build their zero gradients from shapes, since the
        // forward inputs themselves may already be disposed when the backward pass runs.
        const grads: tf.Tensor[] = [dx, dw];
        if (hasTargets) grads.push(tf.zeros([n, classes]));
        if (hasLambda) grads.push(tf.zeros([]));
        return grads;
      },
    };
  });
  const args: tf.Tensor[] = [x, kernel];
  if (targets !== null) args.push(targets);
  if (lambda !== null) args.push(lambda);
  return f(...args) as tf.Tensor2D;
}

/** Shapes, dtypes and options of {@link marginLogits}; values are the caller's to check. */
function checkMarginLogitsArgs(
  x: unknown,
  kernel: unknown,
  targets: unknown,
  lambda: unknown,
  options: MarginLogitsOptions,
): void {
  const where = 'ops.marginLogits';
  const xt = tensorArg(where, 'x', x);
  const w = tensorArg(where, 'kernel', kernel);
  for (const [name, t] of [
    ['x', xt],
    ['kernel', w],
  ] as const) {
    if (t.dtype !== 'float32') throw new MarginArgumentError(where, name, 'a float32 tensor', t);
  }
  rankIs(where, 'x', xt, 2, '[N, D]');
  const rowLayout = options?.kernelLayout === 'rows';
  rankIs(where, 'kernel', w, 2, rowLayout ? '[C·K, D]' : '[D, C·K]');
  if (typeof options !== 'object' || options === null) {
    throw new MarginArgumentError(where, 'options', 'an options object', options);
  }
  const k = integerAtLeast(where, 'options.subCenters', options.subCenters, 1);
  positiveNumber(where, 'options.scale', options.scale);
  if (options.gradient !== 'exact' && options.gradient !== 'straightThrough') {
    throw new MarginArgumentError(where, 'options.gradient', "'exact' or 'straightThrough'", options.gradient);
  }
  if (typeof options.margin !== 'object' || options.margin === null || typeof options.margin.apply !== 'function') {
    throw new MarginArgumentError(where, 'options.margin', 'a target margin from ops.margins', options.margin);
  }
  if (options.kernelLayout !== undefined && options.kernelLayout !== 'columns' && !rowLayout) {
    throw new MarginArgumentError(where, 'options.kernelLayout', "'columns' or 'rows'", options.kernelLayout);
  }
  const [n, d] = xt.shape as [number, number];
  const [depth, width] = (rowLayout ? [w.shape[1], w.shape[0]] : w.shape) as [number, number];
  if (depth !== d || width % k !== 0) {
    const expected = rowLayout ? `a [C·${k}, ${d}] tensor` : `a [${d}, C·${k}] tensor`;
    throw new MarginArgumentError(where, 'kernel', `${expected} (D of 'x', K = subCenters)`, w);
  }
  if (targets !== null) {
    const t = tensorArg(where, 'targets', targets);
    const c = width / k;
    if (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== c || t.dtype !== 'float32') {
      throw new MarginArgumentError(where, 'targets', `a float32 one-hot tensor of shape [${n}, ${c}] or null`, t);
    }
  }
  if (lambda !== null) {
    const l = tensorArg(where, 'lambda', lambda);
    if (l.rank !== 0) throw new MarginArgumentError(where, 'lambda', 'a scalar tensor or null', l);
  }
}
