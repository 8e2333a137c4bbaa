import { canReadSync } from '../internal/syncRead';
import { checkLabelValues } from './validateLabels';
import { scaleInRange, subCentersInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import { withCustomGrad } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import { booleanArg, rankIs, tensorArg } from '../internal/validate';
import { oneHotFloat } from '../internal/oneHot';
import { replaceEntries } from '../internal/replaceEntries';
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
  /**
   * Read int32 label targets back to check they are in `[0, C)` (default `true`: one read of `N`
   * values, skipped on webgpu where synchronous reads are unsafe — use `ops.validateLabels` there).
   * The heads and `PartialFC` check their labels themselves and pass `false`.
   */
  checkTargets?: boolean;
}

/**
 * Logits of a margin-based softmax head, with one analytic custom gradient.
 *
 * With `c_j = x̂ · Ŵ_j` (the max over a class's sub-centres when `K > 1`), `y` the label and
 * `ρ = s · |x|^[!normalizeInputs] · |W_j|^[!normalizeWeights]`:
 *
 * `logit_j = ρ_j · c_j` for `j ≠ y`, `logit_y = ρ_y · f(c_y)`, `f(c) = (λ c + ψ(c)) / (1 + λ)`.
 *
 * The `[N, C]` work is kept to what the matrix products force. The scale and `|x|` ride on the
 * `[N, D]` side (`A = s·x̂` or `s·x`), so `Z = (A W) ⊙ invw` is `ρ ⊙ c` after one column scaling; the
 * target entries are read with a gather and written with one scatter (`O(N)`), not through one-hot
 * mask arithmetic. Backward from `G = ∂L/∂logits`: `H = G` with target entries times `f'(c_y)`,
 * routed to the arg-max sub-centre, times `invw`; `∂L/∂x̂ = s·H Wᵀ` and `∂L/∂W = Aᵀ H` carry
 * everything linear, the weight normalization adds `−W ⊙ invw² ⊙ colsum(H ⊙ Z)` and the norm
 * factors `|x|`, `|W_y|` add per-sample terms `∝ f(c_y) − f'(c_y) c_y` (`O(N·D)`). No `gather`
 * gradient (wasm lacks one), no `acos` on the gradient path, no autodiff through the norms.
 *
 * Numeric domain: `A W` is formed before the column normalization, so when the logits carry `|x|`
 * (`normalizeInputs: false`) `s · max|x| · max|W| · D` must stay within float32 (3.4e38); the heads
 * bound their embeddings for this (L-Softmax, SphereFace: entries up to 1e30).
 *
 * @param x `[N, D]` embeddings.
 * @param kernel `[D, C·K]` class centres (`[C·K, D]` with `kernelLayout: 'rows'`).
 * @param targets The labels: int32 `[N]` class indices (the fast path the heads use), or a float32
 *   `[N, C]` one-hot mask (each row exactly one 1); `null` for margin-free logits. Int32 labels are
 *   checked to be in `[0, C)` unless `options.checkTargets` is `false`. Labels are not differentiable.
 * @param lambda Scalar λ ≥ 0 blending in the plain cosine (L-Softmax annealing), or `null` for 0.
 * @returns `[N, C]` logits.
 */
export function marginLogits(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  targets: tf.Tensor1D | tf.Tensor2D | null,
  lambda: tf.Scalar | null,
  options: MarginLogitsOptions,
): tf.Tensor2D {
  checkMarginLogitsArgs(x, kernel, targets, lambda, options);
  if (targets !== null && targets.rank === 1 && options.checkTargets !== false && canReadSync()) {
    const classes = (options.kernelLayout === 'rows' ? kernel.shape[0] : kernel.shape[1]) / options.subCenters;
    checkLabelValues('ops.marginLogits', targets.dataSync(), classes, targets.size, 'targets');
  }
  const { margin, scale, normalizeInputs, normalizeWeights, subCenters: k, gradient } = options;
  const epsilon = squaredNormEpsilon(1e-12);
  const n = x.shape[0];
  const rows = options.kernelLayout === 'rows';
  const classes = (rows ? kernel.shape[0] : kernel.shape[1]) / k;
  const exact = gradient === 'exact';

  const f = withCustomGrad((inputs, save) => {
    const [xIn, wIn] = inputs as [tf.Tensor2D, tf.Tensor2D];
    type Forward = {
      out: tf.Tensor;
      keep: Partial<Record<SavedName, tf.Tensor>>;
    };
    const forward = tf.tidy((): Forward => {
      const [xn, invx] = l2NormalizeForward(xIn, 1, epsilon);
      // invw is [1, C·K] in both layouts; Ŵ is never built (scaling the [N, C] product is cheaper).
      // Unnormalized weights (L-Softmax) need |W_j| only at the label columns: gathered per sample.
      const invColumnNorms = (v: tf.Tensor): tf.Tensor =>
        tf.rsqrt(
          tf.maximum(rows ? tf.reshape(tf.sum(tf.square(v), 1), [1, -1]) : tf.sum(tf.square(v), 0, true), epsilon),
        );
      const invw = normalizeWeights ? invColumnNorms(wIn) : null;
      const base = normalizeInputs ? xn : xIn;
      const a = scale !== 1 ? tf.mul(base, scale) : base;
      const product = tf.matMul(a, wIn, false, rows);
      // Z = ρ ⊙ c per column: with |W_j| a factor of ρ, |W_j| · invw_j = 1 and the product is already ρ c.
      const zAll = invw !== null ? tf.mul(product, invw) : product;
      const keep: Partial<Record<SavedName, tf.Tensor>> = { xn, invx, a, w: wIn };
      if (invw !== null) {
        keep.invw = invw;
        keep.zAll = zAll;
      }
      let z: tf.Tensor = zAll;
      if (k > 1) {
        // Max and first arg-max over each class's K adjacent columns from K [N, C] slices: TensorFlow's
        // max and argMax over an innermost axis of size K run ~4× slower than the whole slice-and-compare.
        const slices = tf.unstack(tf.reshape(zAll, [n, classes, k]), 2);
        // The index only grows with j, so "j where strictly greater" is a running maximum (no tf.where,
        // which tiles its scalar to [N, C]).
        let best: tf.Tensor = tf.zeros([n, classes]);
        z = slices[0]!;
        for (let j = 1; j < k; j++) {
          best = tf.maximum(best, tf.mul(tf.cast(tf.greater(slices[j]!, z), 'float32'), j));
          z = tf.maximum(z, slices[j]!);
        }
        const bestIndex = tf.reshape(tf.cast(best, 'int32'), [-1]) as tf.Tensor1D;
        keep.route = tf.reshape(oneHotFloat(bestIndex, k), [n, classes, k]);
      }
      if (targets === null) return { out: z, keep };
      const labels = (targets.rank === 1 ? targets : tf.argMax(targets, 1)) as tf.Tensor1D;
      const index = tf.stack([tf.range(0, n, 1, 'int32'), labels], 1);
      // ρ_y = s · |x|^[!normalizeInputs] · |W_y|^[!normalizeWeights]; c_y = Z_y / ρ_y.
      let rho: tf.Tensor = tf.fill([n], scale);
      if (!normalizeInputs) rho = tf.div(rho, tf.reshape(invx, [-1]));
      let wNormY: tf.Tensor | null = null;
      if (!normalizeWeights) {
        const invwY = tf.reshape(invColumnNorms(tf.gather(wIn, labels, rows ? 0 : 1)), [-1]);
        keep.invwY = invwY;
        wNormY = tf.reciprocal(invwY);
        rho = tf.mul(rho, wNormY);
      }
      const cTarget = tf.clipByValue(tf.div(tf.gatherND(z, index), rho), -1, 1);
      const t = margin.apply(cTarget, gradient);
      let value = t.value;
      let derivative: tf.Tensor | null = t.derivative;
      if (lambda !== null) {
        const denominator = tf.add(lambda, 1);
        value = tf.div(tf.add(tf.mul(lambda, cTarget), value), denominator);
        derivative = tf.div(tf.add(lambda, derivative ?? 1), denominator);
      }
      const out = replaceEntries(z, index, labels, tf.mul(rho, value));
      keep.index = index;
      keep.labels = labels;
      if (exact && derivative !== null) keep.derivative = derivative;
      if (exact && (!normalizeInputs || !normalizeWeights)) {
        // ρ (f − f'c): what the |x| and |W_y| factors of ρ add to the gradient. Straight-through
        // differentiates the target as ρ c, all of which the linear part carries: no share.
        keep.normShare = tf.mul(tf.sub(value, tf.mul(derivative ?? 1, cTarget)), rho);
      }
      return { out, keep };
    });
    const names = Object.keys(forward.keep) as SavedName[];
    save(names.map((name) => forward.keep[name]!));
    return {
      value: forward.out,
      gradFunc: (dy, saved) => {
        const get = (name: SavedName): tf.Tensor => saved[names.indexOf(name)]!;
        const has = (name: SavedName): boolean => names.includes(name);
        const index = has('index') ? get('index') : null;
        const xn = get('xn');
        const w = get('w');
        const invw = normalizeWeights ? get('invw') : null;
        const a = get('a');
        // H_c = ∂L/∂c ÷ ρ: the upstream gradient with target entries times f'(c_y).
        const dyTarget = index !== null && (has('derivative') || has('normShare')) ? tf.gatherND(dy, index) : null;
        let h: tf.Tensor = dy;
        if (dyTarget !== null && has('derivative')) {
          h = replaceEntries(dy, index!, get('labels') as tf.Tensor1D, tf.mul(dyTarget, get('derivative')));
        }
        if (k > 1) h = tf.reshape(tf.mul(tf.expandDims(h, 2), get('route')), [n, classes * k]);
        const share = dyTarget !== null && has('normShare') ? tf.mul(dyTarget, get('normShare')) : null;
        // Per-column factor q: ∂L/∂W = Aᵀ Hs − W ⊙ q (the weight norm's share). Computed first and in
        // its own tidy so that H ⊙ Z, then H itself, are released before the matmuls.
        const weightNormTerm = (): tf.Tensor => {
          if (invw !== null) return tf.mul(tf.square(invw), tf.sum(tf.mul(h, get('zAll')), 0, true));
          // Σ over each class's samples by one-hot mask and column sum (L-Softmax only). Not scatterND
          // or a [1, N] × [N, C] matMul: on WebGL both read the packed padding of the [N] vector,
          // which may hold Infinity, and turned untouched columns into NaN (tfjs 4.22, N = 1).
          // Every sample in column j's sum has |W_y| = |W_j|: κ_i = share_i · invw_j, and Ŵ_j = W_j invw_j,
          // so each sample brings share_i · invw_{y_i}².
          const onehot = oneHotFloat(get('labels') as tf.Tensor1D, classes);
          const perSample = tf.mul(share!, tf.square(get('invwY')));
          return tf.neg(tf.sum(tf.mul(onehot, tf.expandDims(perSample, 1)), 0, true));
        };
        const q = invw !== null || share !== null ? tf.tidy(weightNormTerm) : null;
        const hs = invw !== null ? tf.mul(h, invw) : h;
        if (hs !== h && h !== dy) h.dispose();
        // ∂L/∂x̂ = s · Hs Wᵀ; with |x| a factor of ρ the linear part is ∂L/∂x itself.
        const v = tf.matMul(hs, w, false, !rows);
        const sv = scale !== 1 ? tf.mul(v, scale) : v;
        let dx: tf.Tensor;
        if (normalizeInputs) dx = l2NormalizeBackward(sv, xn, get('invx'), 1);
        else dx = share !== null ? tf.add(sv, tf.mul(xn, tf.mul(tf.expandDims(share, 1), get('invx')))) : sv;
        const m = rows ? tf.matMul(hs, a, true, false) : tf.matMul(a, hs, true, false);
        let dw = m;
        if (q !== null) dw = rows ? tf.sub(m, tf.mul(w, tf.reshape(q, [-1, 1]))) : tf.sub(m, tf.mul(w, q));
        return [dx, dw];
      },
    };
  });
  return f(x, kernel) as tf.Tensor2D;
}

/** Tensors the forward pass keeps for the backward pass. */
type SavedName =
  'xn' | 'invx' | 'a' | 'w' | 'invw' | 'invwY' | 'zAll' | 'route' | 'index' | 'labels' | 'derivative' | 'normShare';

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
  const k = subCentersInRange(where, 'options.subCenters', options.subCenters);
  if (options.checkTargets !== undefined) booleanArg(where, 'options.checkTargets', options.checkTargets);
  scaleInRange(where, options.scale, 'options.scale');
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
  if (k > 1 && options.normalizeWeights !== true) {
    throw new MarginArgumentError(
      where,
      'options.normalizeWeights',
      'true when subCenters > 1',
      options.normalizeWeights,
    );
  }
  if (targets !== null) {
    const t = tensorArg(where, 'targets', targets);
    const c = width / k;
    const labels = t.rank === 1 && t.shape[0] === n && t.dtype === 'int32';
    const oneHot = t.rank === 2 && t.shape[0] === n && t.shape[1] === c && t.dtype === 'float32';
    if (!labels && !oneHot) {
      throw new MarginArgumentError(
        where,
        'targets',
        `int32 labels of shape [${n}], a float32 one-hot tensor of shape [${n}, ${c}], or null`,
        t,
      );
    }
  }
  if (lambda !== null) {
    const l = tensorArg(where, 'lambda', lambda);
    if (l.rank !== 0) throw new MarginArgumentError(where, 'lambda', 'a scalar tensor or null', l);
  }
}
