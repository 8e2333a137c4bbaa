import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../../internal/errors';
import { cosSin, sinForDerivative, sinOf } from './shared';
import type { TargetMargin } from './targetMargin';

/** Which margin ElasticFace makes elastic: ArcFace's angular one or CosFace's cosine one. */
export type ElasticKind = 'arc' | 'cos';

/**
 * ElasticFace target (Boutros, Damer, Kirchbuchner & Kuijper, CVPRW 2022, "ElasticFace: Elastic
 * Margin Loss for Deep Face Recognition") for given per-sample margins `m_i` (the head draws them from
 * `N(m, σ)` on each training call):
 *
 * - `'arc'` (ElasticFace-Arc): `ψ_i(θ) = cos(θ + m_i) = c cos m_i − sin θ sin m_i`, with
 *   `ψ' = cos m_i + c sin m_i / sin θ`. As in the paper, there is no fallback beyond `θ = π − m_i`.
 * - `'cos'` (ElasticFace-Cos): `ψ_i(c) = c − m_i`, `ψ' = 1`.
 *
 * `margins` is a number (every sample) or a `[N]` tensor, in radians for `'arc'`, cosine units for
 * `'cos'`; they are not differentiated through.
 *
 * @example
 * ```ts
 * const psi = ops.margins.elasticMargin('cos', tf.tensor1d([0.3, 0.4]));
 * psi.apply(tf.tensor1d([0.9, 0.9]), 'exact').value.print(); // [0.6, 0.5]
 * ```
 */
export function elasticMargin(kind: ElasticKind, margins: number | tf.Tensor): TargetMargin {
  const where = 'ops.margins.elasticMargin';
  if (kind !== 'arc' && kind !== 'cos') throw new MarginArgumentError(where, 'kind', "'arc' or 'cos'", kind);
  if (typeof margins === 'number' ? !Number.isFinite(margins) : !(margins instanceof tf.Tensor && margins.rank === 1)) {
    throw new MarginArgumentError(where, 'margins', 'a finite number or a [N] tensor', margins);
  }
  return {
    apply: (c, gradient) => {
      if (margins instanceof tf.Tensor && margins.shape[0] !== c.shape[0]) {
        throw new MarginArgumentError(where, 'margins', `a [${c.shape[0]}] tensor (one per sample)`, margins);
      }
      if (kind === 'cos') return { value: tf.sub(c, margins), derivative: null };
      const [cosM, sinM] = cosSin(margins);
      const value = tf.sub(tf.mul(c, cosM), tf.mul(sinOf(c), sinM));
      if (gradient !== 'exact') return { value, derivative: null };
      return { value, derivative: tf.add(cosM, tf.div(tf.mul(c, sinM), sinForDerivative(c))) };
    },
  };
}
