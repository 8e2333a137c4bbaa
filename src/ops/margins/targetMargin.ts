import type * as tf from '@tensorflow/tfjs-core';

/** How a head's backward pass treats its margin transform. */
export type MarginGradient = 'exact' | 'straightThrough';

/** ψ evaluated at the target cosines, with its derivative for the backward pass. */
export interface TargetValues {
  /** `ψ(c)`, shape `[N]`. */
  value: tf.Tensor;
  /** `dψ/dc`, shape `[N]`; `null` means exactly 1 (an additive cosine margin, or straight-through). */
  derivative: tf.Tensor | null;
  /**
   * `∂ψ/∂‖x‖`, shape `[N]`, for a margin that depends differentiably on the embedding norm
   * (MagFace); absent or `null` when the norm is only read (AdaFace) or not used.
   */
  normDerivative?: tf.Tensor | null;
}

/** Per-sample facts a margin may use besides the target cosine. */
export interface MarginContext {
  /** `|x|`, the embeddings' norms, `[N]` (not differentiated through): AdaFace's image-quality proxy. */
  norms: tf.Tensor;
}

/**
 * The target-logit transform of a margin head: maps the cosine `c = cos θ_y` between an embedding
 * and its class center to `ψ(c)`, which replaces `c` in the target logit. Implementations are pure,
 * run inside a tidy, receive `c` clamped to `[−1, 1]`, and use no `acos` on any gradient path: the
 * derivative is analytic and returned alongside.
 */
export interface TargetMargin {
  /**
   * `ψ(c)` and, for `'exact'`, `ψ'(c)`; `c` is `[N]`, clamped to `[−1, 1]`. `context` carries
   * per-sample facts (`ops.marginLogits` always passes it; margins that need none ignore it).
   */
  apply(c: tf.Tensor, gradient: MarginGradient, context?: MarginContext): TargetValues;
}

/** What {@link HardNegatives.apply} returns for a batch. */
export interface HardNegativeValues {
  /** `[N]`: non-target cosines above their sample's threshold are hard. */
  threshold: tf.Tensor;
  /** Scalar weight `t`: a hard cosine `c` becomes `c (t + c)`. */
  t: tf.Tensor;
}

/** What {@link NegativeTransform.apply} returns: `[N, C]` values and slopes. */
export interface NegativeValues {
  /** The transformed cosines `φ(c)`, `[N, C]`; the target entries are overwritten afterwards. */
  value: tf.Tensor;
  /** `dφ/dc`, `[N, C]` (with any detached factor held constant). */
  slope: tf.Tensor;
}

/**
 * An elementwise transform `φ` of every non-target cosine (class-level Circle loss): logit
 * `s φ(c_j)` for `j ≠ y`. Pure, runs inside a tidy, gets the `[N, C]` cosines.
 */
export interface NegativeTransform {
  /** `φ` and its slope at the `[N, C]` cosines `c` (clamped to `[−1, 1]` up to rounding). */
  apply(c: tf.Tensor): NegativeValues;
}

/**
 * A batch-adaptive logit scale (AdaCos): given the logits at the current scale `s` and the target
 * cosines, returns the scale `s'` the call uses (a scalar, not differentiated through). The logits
 * become `s' c`; the head stores `s'` for the next call.
 */
export interface DynamicScale {
  /**
   * The call's scale `s'` (a scalar); a head may store it as state here.
   *
   * @param logits `[N, C]` logits `s c` at the scale in use, before any margin.
   * @param cTarget `[N]` target cosines, clamped to `[−1, 1]`.
   * @param nonTarget `logits` with each target entry replaced by a large negative number.
   */
  apply(logits: tf.Tensor, cTarget: tf.Tensor, nonTarget: () => tf.Tensor): tf.Scalar;
}

/**
 * A transform of the non-target logits (CurricularFace): for each sample, non-target cosines above a
 * threshold computed from its target cosine become `c (t + c)`, with `t` not differentiated through.
 */
export interface HardNegatives {
  /** The thresholds and `t` for target cosines `cTarget` (`[N]`, clamped to `[−1, 1]`). */
  apply(cTarget: tf.Tensor): HardNegativeValues;
}
