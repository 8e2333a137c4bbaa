import { canReadSync } from '../internal/syncRead';
import { checkLabelValues } from './validateLabels';
import { scaleInRange, subCentersInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import { fusedEuclideanNorm, tensorflowFastPathActive } from '../internal/eagerBackend';
import { withCustomGrad, type InputGradient, type KeepFunction } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import { booleanArg, rankIs, tensorArg } from '../internal/validate';
import { oneHotFloat } from '../internal/oneHot';
import { replaceEntries } from '../internal/replaceEntries';
import { squaredNormEpsilon } from '../internal/precision';
import { l2NormalizeBackward, l2NormalizeForward } from './l2Normalize';
import type {
  DynamicScale,
  HardNegatives,
  MarginGradient,
  NegativeTransform,
  TargetMargin,
} from './margins/targetMargin';

/** Options of {@link marginLogits}. */
export interface MarginLogitsOptions {
  /** The target transform ψ; ignored when no targets are given. */
  margin: TargetMargin;
  /**
   * A transform of the hard non-target logits (CurricularFace, `ops.margins.curricularHardNegatives`);
   * needs both sides normalized. Ignored when no targets are given.
   */
  hardNegatives?: HardNegatives;
  /**
   * An elementwise transform of every non-target cosine (class-level Circle loss,
   * `ops.margins.circleNegatives`); needs both sides normalized. Ignored when no targets are given.
   */
  negatives?: NegativeTransform;
  /**
   * A batch-adaptive scale (AdaCos): the call's scale is computed from the logits at `scale`;
   * needs both sides normalized. Ignored when no targets are given.
   */
  dynamicScale?: DynamicScale;
  /** Logit scale `s`: a number, or a scalar tensor (a head's stored adaptive scale). */
  scale: number | tf.Scalar;
  /** `true`: logits use `cos θ`; `false`: they carry the embedding norm, `|x| cos θ`. */
  normalizeInputs: boolean;
  /** `true`: class centers are normalized; `false`: logits carry `|W_j|` (L-Softmax). */
  normalizeWeights: boolean;
  /** Sub-centers per class `K` (columns `c·K … c·K + K − 1`); the class cosine is their max. */
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
 * With `c_j = x̂ · Ŵ_j` (the max over a class's sub-centers when `K > 1`), `y` the label and
 * `ρ = s · |x|^[!normalizeInputs] · |W_j|^[!normalizeWeights]`:
 *
 * `logit_j = ρ_j · c_j` for `j ≠ y`, `logit_y = ρ_y · f(c_y)`, `f(c) = (λ c + ψ(c)) / (1 + λ)`.
 *
 * The `[N, C]` work is kept to what the matrix products force. The scale and `|x|` ride on the
 * `[N, D]` side (`A = s·x̂` or `s·x`), so `Z = (A W) ⊙ invw` is `ρ ⊙ c` after one column scaling; the
 * target entries are read with a gather and written with one scatter (`O(N)`), not through one-hot
 * mask arithmetic. Backward from `G = ∂L/∂logits`: `H = G` with target entries times `f'(c_y)`,
 * routed to the arg-max sub-center, times `invw`; `∂L/∂x̂ = s·H Wᵀ` and `∂L/∂W = Aᵀ H` carry
 * everything linear, the weight normalization adds `−W ⊙ invw² ⊙ colsum(H ⊙ Z)` and the norm
 * factors `|x|`, `|W_y|` add per-sample terms `∝ f(c_y) − f'(c_y) c_y` (`O(N·D)`). No `gather`
 * gradient (wasm lacks one), no `acos` on the gradient path, no autodiff through the norms.
 *
 * Numeric domain: `A W` is formed before the column normalization, so when the logits carry `|x|`
 * (`normalizeInputs: false`) `s · max|x| · max|W| · D` must stay within float32 (3.4e38); the heads
 * bound their embeddings for this (L-Softmax, SphereFace: entries up to 1e30).
 *
 * @example
 * ```ts
 * const x = tf.tensor2d([[1, 0], [0.6, 0.8]]);
 * const kernel = tf.tensor2d([[1, 0, -1], [0, 1, 0]]); // [D = 2, C = 3]
 * const labels = tf.tensor1d([0, 1], 'int32');
 * const logits = ops.marginLogits(x, kernel, labels, null, {
 *   margin: ops.margins.additiveAngularMargin(0.5),
 *   scale: 64,
 *   normalizeInputs: true,
 *   normalizeWeights: true,
 *   subCenters: 1,
 *   gradient: 'exact',
 * });
 * logits.print(); // ArcFace: 64·cos(θ_y + 0.5) at each label, 64·cos θ_j elsewhere
 * ```
 * @param x `[N, D]` embeddings.
 * @param kernel `[D, C·K]` class centers (`[C·K, D]` with `kernelLayout: 'rows'`).
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
  const plan = planOf(x, kernel, options);
  if (targets !== null && targets.rank === 1 && options.checkTargets !== false && canReadSync()) {
    checkLabelValues('ops.marginLogits', targets.dataSync(), plan.classes, targets.size, 'targets');
  }
  const f = withCustomGrad(([xIn, wIn], save) => {
    let saved: Saved | null = null;
    const [logits, ...tensors] = tf.tidy(() => {
      const product = cosineProduct(xIn as tf.Tensor2D, wIn as tf.Tensor2D, plan);
      const routed = routeSubCenters(product.zAll, plan);
      const target = targets === null ? null : targetLogits(routed.z, targets, lambda, wIn!, product, plan);
      saved = new Saved(product, routed.route, target, typeof plan.scale === 'number' ? null : plan.scale);
      return [target?.logits ?? routed.z, ...saved.tensors];
    });
    save(tensors);
    const layout = saved!;
    return {
      value: logits!,
      gradFunc: (dy, kept, keep) => backward(dy, layout.unpack(kept), plan, keep),
    };
  });
  return f(x, kernel) as tf.Tensor2D;
}

/**
 * Package-internal options: `kernelDecay` λ adds `λ W` to the kernel's gradient (L2 weight decay of
 * the centers, folded into the weight-norm term `W ⊙ q` at no `[C, D]` cost). Partial FC uses it; the
 * value is unchanged, so the public op does not offer it.
 */
export interface MarginLogitsInternalOptions extends MarginLogitsOptions {
  kernelDecay?: number;
}

/** The call's constants. */
interface Plan extends MarginLogitsInternalOptions {
  n: number;
  classes: number;
  k: number;
  rows: boolean;
  exact: boolean;
  epsilon: number;
}

function planOf(x: tf.Tensor2D, kernel: tf.Tensor2D, options: MarginLogitsOptions): Plan {
  const rows = options.kernelLayout === 'rows';
  const k = options.subCenters;
  return {
    ...options,
    n: x.shape[0],
    classes: (rows ? kernel.shape[0] : kernel.shape[1]) / k,
    k,
    rows,
    exact: options.gradient === 'exact',
    epsilon: squaredNormEpsilon(1e-12),
    kernelDecay: (options as MarginLogitsInternalOptions).kernelDecay ?? 0,
  };
}

/** `1 / |W_j|` as `[1, C·K]` in both layouts. */
function inverseCenterNorms(w: tf.Tensor, plan: Plan): tf.Tensor {
  const norms = fusedEuclideanNorm(w, plan.rows ? 1 : 0, !plan.rows);
  if (norms !== null) {
    // 1 / max(|W|, √ε) = rsqrt(max(|W|², ε)) up to rounding, one pass over W instead of two.
    return tf.reciprocal(tf.maximum(plan.rows ? tf.reshape(norms, [1, -1]) : norms, Math.sqrt(plan.epsilon)));
  }
  const squares = plan.rows ? tf.reshape(tf.sum(tf.square(w), 1), [1, -1]) : tf.sum(tf.square(w), 0, true);
  return tf.rsqrt(tf.maximum(squares, plan.epsilon));
}

/** Step 1, norms and the cosine product: `Z = (A W) ⊙ invw = ρ ⊙ c` per column. */
interface Product {
  xn: tf.Tensor;
  invx: tf.Tensor;
  w: tf.Tensor;
  /** `A = s·x̂` or `s·x`: the `[N, D]` side carries the scale and `|x|`. */
  a: tf.Tensor;
  /** `[1, C·K]`, or `null` when the centers are not normalized (L-Softmax). */
  invw: tf.Tensor | null;
  zAll: tf.Tensor;
}

function cosineProduct(x: tf.Tensor2D, w: tf.Tensor2D, plan: Plan): Product {
  const [xn, invx] = l2NormalizeForward(x, 1, plan.epsilon);
  // Ŵ is never built: scaling the [N, C] product by invw is cheaper.
  const invw = plan.normalizeWeights ? inverseCenterNorms(w, plan) : null;
  const base = plan.normalizeInputs ? xn : x;
  const a = plan.scale !== 1 ? tf.mul(base, plan.scale) : base;
  const product = tf.matMul(a, w, false, plan.rows);
  // With |W_j| a factor of ρ (L-Softmax), |W_j| · invw_j = 1 and the product already is ρ c.
  const zAll = invw !== null ? tf.mul(product, invw) : product;
  return { xn, invx, w, a, invw, zAll };
}

/** A sub-center route: `[N, C, K]` one-hot of each class's arg-max, or `[N, K, C]` when `transposed`. */
interface Route {
  mask: tf.Tensor;
  transposed: boolean;
}

/**
 * Step 2, sub-center routing: each class's value is the max over its `K` adjacent columns, and
 * `route` (`null` for `K = 1`) sends its gradient to the first arg-max. Both paths apply that rule
 * to the cosines they computed; a vectorised kernel may round two equal centers' cosines apart
 * depending on the column's place (SIMD lane or remainder), so the route between near-ties is not
 * portable, while the class's total gradient is.
 */
function routeSubCenters(zAll: tf.Tensor, plan: Plan): { z: tf.Tensor; route: Route | null } {
  const { n, classes, k } = plan;
  if (k === 1) return { z: zAll, route: null };
  // The tie count below sums C·K zeros and ones per row in float32: exact below 2^24.
  if (tensorflowFastPathActive() && classes * k < 2 ** 24) {
    const fast = routeTransposed(zAll, plan);
    if (fast !== null) return fast;
  }
  // K [N, C] slices: TensorFlow's max and argMax over an innermost axis of size K run ~4× slower than
  // the whole slice-and-compare.
  const slices = tf.unstack(tf.reshape(zAll, [n, classes, k]), 2);
  // The index only grows with j, so "j where strictly greater" is a running maximum (no tf.where,
  // which tiles its scalar to [N, C]).
  let best: tf.Tensor = tf.zeros([n, classes]);
  let z = slices[0]!;
  for (let j = 1; j < k; j++) {
    best = tf.maximum(best, tf.mul(tf.cast(tf.greater(slices[j]!, z), 'float32'), j));
    z = tf.maximum(z, slices[j]!);
  }
  const bestIndex = tf.reshape(tf.cast(best, 'int32'), [-1]) as tf.Tensor1D;
  return { z, route: { mask: tf.reshape(oneHotFloat(bestIndex, k), [n, classes, k]), transposed: false } };
}

/**
 * The tensorflow fast path of step 2: with the sub-centers moved to the middle axis (`[N, K, C]`, one
 * transpose) the max over them and the route are single whole-tensor ops (a reduction over the
 * innermost axis of size K is the slow case), and the route is `zAll == max`. `null` when a class's
 * maximum is reached by two sub-centers (ties): only the first may take the gradient, which the
 * generic path handles.
 */
function routeTransposed(zAll: tf.Tensor, plan: Plan): { z: tf.Tensor; route: Route } | null {
  const { n, classes, k } = plan;
  const byCenter = tf.transpose(tf.reshape(zAll, [n, classes, k]), [0, 2, 1]);
  const z = tf.max(byCenter, 1);
  const mask = tf.cast(tf.equal(byCenter, tf.expandDims(z, 1)), 'float32');
  // Each class has one maximal sub-center unless two are equal, so a row without ties counts exactly C
  // maxima. (A row holding a NaN may count fewer, but its gradient is NaN throughout anyway.)
  const most = tf.max(tf.sum(tf.reshape(mask, [n, k * classes]), 1));
  const ties = most.dataSync()[0]! > classes;
  if (ties) {
    tf.dispose([byCenter, z, mask, most]);
    return null;
  }
  return { z, route: { mask, transposed: true } };
}

/** Step 3, the target transform: `logit_y = ρ_y f(c_y)`, and what the backward pass needs of it. */
interface Target {
  logits: tf.Tensor;
  index: tf.Tensor;
  labels: tf.Tensor1D;
  /** `1 / |W_y|` per sample, when the centers are not normalized. */
  invwY: tf.Tensor | null;
  /** `f'(c_y)`; `null` when it is 1 or the gradient is straight-through. */
  derivative: tf.Tensor | null;
  /** `ρ (f − f'c)`: what the `|x|` and `|W_y|` factors of ρ add to the gradient; else `null`. */
  normShare: tf.Tensor | null;
  /** `[N, C]` slope of the hard-negative or non-target transform, or `null` without one. */
  hardSlope: tf.Tensor | null;
  /** `s' / s` of a dynamic scale, or `null`. */
  ratio: tf.Tensor | null;
  /** `ρ_y ∂f/∂‖x‖` of a norm-dependent margin (MagFace), or `null`. */
  normSlope: tf.Tensor | null;
}

function targetLogits(
  zIn: tf.Tensor,
  targets: tf.Tensor1D | tf.Tensor2D,
  lambda: tf.Scalar | null,
  w: tf.Tensor,
  product: Product,
  plan: Plan,
): Target {
  const { n, scale, normalizeInputs, normalizeWeights } = plan;
  let z = zIn;
  const labels = (targets.rank === 1 ? targets : tf.argMax(targets, 1)) as tf.Tensor1D;
  const index = tf.stack([tf.range(0, n, 1, 'int32'), labels], 1);
  // ρ_y = s · |x|^[!normalizeInputs] · |W_y|^[!normalizeWeights]; c_y = Z_y / ρ_y.
  let rho: tf.Tensor = typeof scale === 'number' ? tf.fill([n], scale) : tf.mul(tf.ones([n]), scale);
  if (!normalizeInputs) rho = tf.div(rho, tf.reshape(product.invx, [-1]));
  let invwY: tf.Tensor | null = null;
  if (!normalizeWeights) {
    invwY = tf.reshape(inverseCenterNorms(tf.gather(w, labels, plan.rows ? 0 : 1), plan), [-1]);
    rho = tf.mul(rho, tf.reciprocal(invwY));
  }
  const cTarget = tf.clipByValue(tf.div(tf.gatherND(z, index), rho), -1, 1);
  let ratio: tf.Tensor | null = null;
  let scaleNow: number | tf.Tensor = scale;
  if (plan.dynamicScale !== undefined) {
    const next = plan.dynamicScale.apply(z, cTarget, () => replaceEntries(z, index, labels, tf.fill([n], -3e4)));
    ratio = tf.div(next, scale);
    scaleNow = next;
    z = tf.mul(z, ratio);
    rho = tf.mul(rho, ratio);
  }
  const norms = tf.reciprocal(tf.reshape(product.invx, [-1]));
  const t = plan.margin.apply(cTarget, plan.gradient, { norms });
  let value = t.value;
  let derivative: tf.Tensor | null = t.derivative;
  let normDerivative = plan.exact ? (t.normDerivative ?? null) : null;
  if (lambda !== null) {
    const denominator = tf.add(lambda, 1);
    value = tf.div(tf.add(tf.mul(lambda, cTarget), value), denominator);
    derivative = tf.div(tf.add(lambda, derivative ?? 1), denominator);
    if (normDerivative !== null) normDerivative = tf.div(normDerivative, denominator);
  }
  // Straight-through differentiates the target as ρ c, all of which the linear part carries.
  const normShare =
    plan.exact && (!normalizeInputs || !normalizeWeights)
      ? tf.mul(tf.sub(value, tf.mul(derivative ?? 1, cTarget)), rho)
      : null;
  const hard =
    plan.hardNegatives !== undefined
      ? hardNegativeLogits(z, cTarget, scaleNow, plan.hardNegatives)
      : plan.negatives !== undefined
        ? negativeLogits(z, scaleNow, plan.negatives)
        : null;
  return {
    logits: replaceEntries(hard?.logits ?? z, index, labels, tf.mul(rho, value)),
    index,
    labels,
    invwY,
    derivative: plan.exact ? derivative : null,
    normShare,
    hardSlope: hard?.slope ?? null,
    ratio,
    normSlope: normDerivative === null ? null : tf.mul(rho, normDerivative),
  };
}

/**
 * Step 3b, hard negatives (CurricularFace): non-target `c_j` above the sample's threshold become
 * `c_j (t + c_j)`. With `ρ = s` on both sides, `Z' = where(hard, Z (t + c), Z)`, and the backward pass
 * multiplies the upstream gradient by the slope `where(hard, t + 2c, 1)`. The target entry may test as
 * hard here; its value is replaced by the margin's and its gradient by `f'(c_y)` afterwards.
 */
function hardNegativeLogits(
  z: tf.Tensor,
  cTarget: tf.Tensor,
  scale: number | tf.Tensor,
  negatives: HardNegatives,
): { logits: tf.Tensor; slope: tf.Tensor } {
  const { threshold, t } = negatives.apply(cTarget);
  const hard = tf.greater(z, tf.expandDims(tf.mul(threshold, scale), 1));
  const c = tf.div(z, scale);
  return {
    logits: tf.where(hard, tf.mul(z, tf.add(c, t)), z),
    slope: tf.where(hard, tf.add(tf.mul(c, 2), t), tf.scalar(1)),
  };
}

/**
 * Step 3c, an elementwise non-target transform (Circle): `Z' = s φ(Z / s)`, and the backward pass
 * multiplies the upstream gradient by `φ'`. The target entries are replaced afterwards, as above.
 */
function negativeLogits(
  z: tf.Tensor,
  scale: number | tf.Tensor,
  negatives: NegativeTransform,
): { logits: tf.Tensor; slope: tf.Tensor } {
  const { value, slope } = negatives.apply(tf.div(z, scale));
  return { logits: tf.mul(value, scale), slope };
}

/** What the backward pass reads, saved positionally: the fixed four, then those present. */
interface SavedTensors {
  xn: tf.Tensor;
  invx: tf.Tensor;
  a: tf.Tensor;
  w: tf.Tensor;
  /** The scale when it is a tensor (a head's state: read at forward time). */
  scale: tf.Tensor | null;
  invw: tf.Tensor | null;
  zAll: tf.Tensor | null;
  route: Route | null;
  target: Omit<Target, 'logits'> | null;
}

class Saved {
  readonly tensors: tf.Tensor[];
  private readonly present: boolean[];
  private readonly routeTransposed: boolean;

  constructor(product: Product, route: Route | null, target: Target | null, scale: tf.Tensor | null) {
    this.routeTransposed = route?.transposed ?? false;
    const optional = [
      scale,
      product.invw,
      product.invw !== null ? product.zAll : null,
      route?.mask ?? null,
      target?.index ?? null,
      target?.labels ?? null,
      target?.invwY ?? null,
      target?.derivative ?? null,
      target?.normShare ?? null,
      target?.hardSlope ?? null,
      target?.ratio ?? null,
      target?.normSlope ?? null,
    ];
    this.present = optional.map((t) => t !== null);
    this.tensors = [product.xn, product.invx, product.a, product.w, ...optional.filter((t) => t !== null)];
  }

  unpack(saved: tf.Tensor[]): SavedTensors {
    const [xn, invx, a, w, ...rest] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
    let next = 0;
    const [scale, invw, zAll, route, index, labels, invwY, derivative, normShare, hardSlope, ratio, normSlope] =
      this.present.map((here) => (here ? rest[next++]! : null));
    return {
      xn,
      invx,
      a,
      w,
      scale: scale ?? null,
      invw: invw ?? null,
      zAll: zAll ?? null,
      route: route == null ? null : { mask: route, transposed: this.routeTransposed },
      target:
        index == null
          ? null
          : {
              index,
              labels: labels as tf.Tensor1D,
              invwY: invwY ?? null,
              derivative: derivative ?? null,
              normShare: normShare ?? null,
              hardSlope: hardSlope ?? null,
              ratio: ratio ?? null,
              normSlope: normSlope ?? null,
            },
    };
  }
}
/**
 * Step 4, the backward pass from `G = ∂L/∂logits`: `H = G` with target entries times `f'(c_y)`,
 * routed to the arg-max sub-center, times `invw`; the matmuls carry everything linear, the weight
 * normalization and the norm factors of ρ add `O(N·D + D·C)` terms.
 */
function backward(dy: tf.Tensor, saved: SavedTensors, plan: Plan, keep: KeepFunction): InputGradient[] {
  const { n, classes, k, rows, normalizeInputs } = plan;
  const { xn, w, invw, target } = saved;
  // A dynamic scale s' multiplies every logit by s'/s: the linear parts and the weight-norm share scale with it.
  const ratio = target?.ratio ?? null;
  const forwardScale = saved.scale ?? plan.scale;
  const scale = ratio === null ? forwardScale : keep(tf.mul(ratio, forwardScale));
  const a = ratio === null ? saved.a : keep(tf.mul(saved.a, ratio));
  const dyTarget =
    target !== null &&
    (target.derivative !== null || target.normShare !== null || target.hardSlope !== null || target.normSlope !== null)
      ? keep(tf.gatherND(dy, target.index))
      : null;
  let h: tf.Tensor = target?.hardSlope != null ? tf.mul(dy, target.hardSlope) : dy;
  if (dyTarget !== null && (target!.derivative !== null || target!.hardSlope !== null)) {
    // f'(c_y) at the targets; with hard negatives also when f' = 1, as the slope may have scaled them.
    const derivative = target!.derivative;
    h = replaceEntries(h, target!.index, target!.labels, derivative === null ? dyTarget : tf.mul(dyTarget, derivative));
  }
  const route = saved.route;
  if (route !== null) {
    h = route.transposed
      ? tf.reshape(tf.transpose(tf.mul(tf.expandDims(h, 1), route.mask), [0, 2, 1]), [n, classes * k])
      : tf.reshape(tf.mul(tf.expandDims(h, 2), route.mask), [n, classes * k]);
  }
  const share = dyTarget !== null && target!.normShare !== null ? keep(tf.mul(dyTarget, target!.normShare)) : null;
  // Hs = H ⊙ invw is all the two gradients share: each is computed only if the backward pass reaches
  // its input (a head on frozen features skips ∂L/∂x and its matmul; a frozen kernel skips ∂L/∂W).
  const hs = keep(invw !== null ? tf.mul(h, invw) : h);
  if (hs !== h && h !== dy) h.dispose();
  const dx = (): tf.Tensor => {
    // ∂L/∂x̂ = s · Hs Wᵀ; with |x| a factor of ρ the linear part is ∂L/∂x itself.
    const v = tf.matMul(hs, w, false, !rows);
    const sv = scale !== 1 ? tf.mul(v, scale) : v;
    let grad: tf.Tensor;
    if (normalizeInputs) grad = l2NormalizeBackward(sv, xn, saved.invx, 1);
    else grad = share !== null ? tf.add(sv, tf.mul(xn, tf.mul(tf.expandDims(share, 1), saved.invx))) : sv;
    // A margin that depends on ‖x‖ (MagFace): ∂‖x‖/∂x = x̂.
    if (target?.normSlope != null) {
      grad = tf.add(grad, tf.mul(xn, tf.expandDims(tf.mul(dyTarget!, target.normSlope), 1)));
    }
    return grad;
  };
  const dw = (): tf.Tensor => {
    // Per-column factor q: ∂L/∂W = Aᵀ Hs − W ⊙ q (the weight norm's share), in its own tidy so that
    // Hs ⊙ Z is released before the matmul.
    let q = invw !== null || share !== null ? tf.tidy(() => weightNormFactor(hs, saved, share, plan)) : null;
    if (q !== null && ratio !== null) q = tf.mul(q, ratio);
    const linear = rows ? tf.matMul(hs, a, true, false) : tf.matMul(a, hs, true, false);
    const decay = plan.kernelDecay ?? 0;
    if (q !== null && decay > 0) q = tf.sub(q, decay);
    if (q !== null) return rows ? tf.sub(linear, tf.mul(w, tf.reshape(q, [-1, 1]))) : tf.sub(linear, tf.mul(w, q));
    return decay > 0 ? tf.add(linear, tf.mul(w, decay)) : linear;
  };
  return [dx, dw];
}

/**
 * `q` of the weight norm's share `W ⊙ q`, `[1, C·K]`: `invw² colsum(H ⊙ Z) = invw colsum(Hs ⊙ Z)` for
 * normalized centers; for L-Softmax (unnormalized, `|W_y|` a factor of the target logit) the per-sample
 * norm terms summed into their label columns.
 */
function weightNormFactor(hs: tf.Tensor, saved: SavedTensors, share: tf.Tensor | null, plan: Plan): tf.Tensor {
  const { invw, target } = saved;
  if (invw !== null) return tf.mul(invw, tf.sum(tf.mul(hs, saved.zAll!), 0, true));
  // Σ over each class's samples by one-hot mask and column sum (L-Softmax only). Not scatterND or a
  // [1, N] × [N, C] matMul: on WebGL both read the packed padding of the [N] vector, which may hold
  // Infinity, and turned untouched columns into NaN (tfjs 4.22, N = 1). Every sample in column j's sum
  // has |W_y| = |W_j|: κ_i = share_i · invw_j, and Ŵ_j = W_j invw_j, so each brings share_i · invw_{y_i}².
  const onehot = oneHotFloat(target!.labels, plan.classes);
  const perSample = tf.mul(share!, tf.square(target!.invwY!));
  return tf.neg(tf.sum(tf.mul(onehot, tf.expandDims(perSample, 1)), 0, true));
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
  const k = subCentersInRange(where, 'options.subCenters', options.subCenters);
  if (options.checkTargets !== undefined) booleanArg(where, 'options.checkTargets', options.checkTargets);
  if (options.scale instanceof tf.Tensor) {
    if (options.scale.rank !== 0 || options.scale.dtype !== 'float32') {
      throw new MarginArgumentError(
        where,
        'options.scale',
        'a positive number or a float32 scalar tensor',
        options.scale,
      );
    }
  } else scaleInRange(where, options.scale, 'options.scale');
  if (options.gradient !== 'exact' && options.gradient !== 'straightThrough') {
    throw new MarginArgumentError(where, 'options.gradient', "'exact' or 'straightThrough'", options.gradient);
  }
  if (typeof options.margin !== 'object' || options.margin === null || typeof options.margin.apply !== 'function') {
    throw new MarginArgumentError(where, 'options.margin', 'a target margin from ops.margins', options.margin);
  }
  for (const [key, expected] of [
    ['hardNegatives', 'hard negatives from ops.margins'],
    ['negatives', 'a non-target transform from ops.margins'],
    ['dynamicScale', "a dynamic scale (an object with 'apply')"],
  ] as const) {
    const hook = options[key] as unknown;
    if (hook === undefined) continue;
    if (typeof hook !== 'object' || hook === null || typeof (hook as { apply?: unknown }).apply !== 'function') {
      throw new MarginArgumentError(where, `options.${key}`, expected, hook);
    }
    if (options.normalizeInputs !== true || options.normalizeWeights !== true) {
      throw new MarginArgumentError(
        where,
        `options.${key}`,
        'used with normalizeInputs and normalizeWeights both true',
        hook,
      );
    }
  }
  if (options.hardNegatives !== undefined && options.negatives !== undefined) {
    throw new MarginArgumentError(where, 'options.negatives', 'absent when options.hardNegatives is given', 'both');
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
