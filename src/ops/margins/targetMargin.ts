import type * as tf from '@tensorflow/tfjs-core';

/** How a head's backward pass treats its margin transform. */
export type MarginGradient = 'exact' | 'straightThrough';

/** ψ evaluated at the target cosines, with its derivative for the backward pass. */
export interface TargetValues {
  /** `ψ(c)`, shape `[N]`. */
  value: tf.Tensor;
  /** `dψ/dc`, shape `[N]`; `null` means exactly 1 (an additive cosine margin, or straight-through). */
  derivative: tf.Tensor | null;
}

/**
 * The target-logit transform of a margin head: maps the cosine `c = cos θ_y` between an embedding
 * and its class center to `ψ(c)`, which replaces `c` in the target logit. Implementations are pure,
 * run inside a tidy, receive `c` clamped to `[−1, 1]`, and use no `acos` on any gradient path: the
 * derivative is analytic and returned alongside.
 */
export interface TargetMargin {
  /** `ψ(c)` and, for `'exact'`, `ψ'(c)`; `c` is `[N]`, clamped to `[−1, 1]`. */
  apply(c: tf.Tensor, gradient: MarginGradient): TargetValues;
}
