import { integerMarginInRange } from '../../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import type { TargetMargin } from './targetMargin';

/**
 * Chebyshev polynomials at `c`: returns `[T_m(c), U_{m−1}(c)]`, so `cos(mθ) = T_m(cos θ)` and
 * `d T_m / dc = m · U_{m−1}(c)`. Three-term recurrences, exact for the small integer `m` in use.
 *
 * @example
 * ```ts
 * const [t, u] = ops.margins.chebyshev(tf.tensor1d([0.5]), 3);
 * t.print(); // T_3(0.5) = 4·0.125 − 3·0.5 = [-1]
 * u.print(); // U_2(0.5) = 4·0.25 − 1 = [0]
 * ```
 */
export function chebyshev(c: tf.Tensor, m: number): [tf.Tensor, tf.Tensor] {
  let tPrev: tf.Tensor = tf.onesLike(c);
  let t: tf.Tensor = c;
  let uPrev: tf.Tensor = tf.onesLike(c); // U_0
  let u: tf.Tensor = tf.mul(c, 2); // U_1
  if (m === 1) return [c, uPrev];
  const twoC = tf.mul(c, 2);
  for (let n = 1; n < m; n++) {
    const tNext = tf.sub(tf.mul(twoC, t), tPrev);
    tPrev = t;
    t = tNext;
    if (n < m - 1) {
      const uNext = tf.sub(tf.mul(twoC, u), uPrev);
      uPrev = u;
      u = uNext;
    }
  }
  return [t, m === 2 ? tf.mul(c, 2) : u];
}

/**
 * L-Softmax / A-Softmax target (Liu et al. 2016, "Large-Margin Softmax Loss for Convolutional Neural
 * Networks", eq. 6–7; Liu et al. 2017, "SphereFace"): `ψ(θ) = (−1)^k cos(mθ) − 2k` on
 * `θ ∈ [kπ/m, (k+1)π/m]`, integer `m ≥ 1`, which is continuous and decreasing on `[0, π]`.
 *
 * `cos(mθ) = T_m(c)` (Chebyshev); `k = #{j ∈ 1..m−1 : c ≤ cos(jπ/m)} = min(floor(mθ/π), m − 1)` from thresholds on
 * `c`, with no `acos`; `ψ'(c) = (−1)^k m U_{m−1}(c)` (k is piecewise constant).
 *
 * @example
 * ```ts
 * const psi = ops.margins.multiplicativeAngularMargin(2);
 * const { value, derivative } = psi.apply(tf.tensor1d([1, 0]), 'exact');
 * value.print(); // ψ(0°) = 1, ψ(90°) = −cos(180°) − 2 = [1, -1]
 * derivative?.print();
 * ```
 */
export function multiplicativeAngularMargin(m: number): TargetMargin {
  integerMarginInRange('ops.margins.multiplicativeAngularMargin', 'm', m);
  // j = m would count c = −1 (θ = π) as k = m, flipping the sign of ψ' there; θ = π belongs to k = m − 1.
  const thresholds = Array.from({ length: m - 1 }, (_, j) => Math.cos(((j + 1) * Math.PI) / m));
  return {
    apply: (c, gradient) => {
      let k: tf.Tensor = tf.zerosLike(c);
      for (const threshold of thresholds) k = tf.add(k, tf.cast(tf.lessEqual(c, threshold), 'float32'));
      // (−1)^k for integer-valued k: 1 − 2 (k mod 2)
      const sign = tf.sub(1, tf.mul(tf.mod(k, 2), 2));
      const [tm, um1] = chebyshev(c, m);
      const value = tf.sub(tf.mul(sign, tm), tf.mul(k, 2));
      return { value, derivative: gradient === 'exact' ? tf.mul(tf.mul(sign, um1), m) : null };
    },
  };
}
