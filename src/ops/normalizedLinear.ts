import { scaleInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import { withCustomGrad } from '../internal/customGrad';
import { MarginArgumentError } from '../internal/errors';
import { squaredNormEpsilon } from '../internal/precision';
import { booleanArg, floatTensor, knownKeys, positiveNumber, rankIs } from '../internal/validate';
import { l2NormalizeBackward, l2NormalizeForward } from './l2Normalize';

/** Options of {@link normalizedLinear}. */
export interface NormalizedLinearOptions {
  /** Divide each input row by its L2 norm. Default `true`. */
  normalizeInputs?: boolean;
  /** Divide each kernel column (class center) by its L2 norm. Default `true`. */
  normalizeWeights?: boolean;
  /** Multiplies the logits: a positive number, or a scalar tensor (then it receives a gradient). Default `1`. */
  scale?: number | tf.Scalar;
  /** Lower bound on squared norms. Default `1e-12`. */
  epsilon?: number;
}

/**
 * Logits of a normalized fully connected layer, `s · (x / |x|) · (W_j / |W_j|) = s |…| cos θ_j`,
 * with one analytic backward pass through both normalizations and the matmul.
 *
 * - both normalized: NormFace / cosine softmax (Wang et al. 2017, "NormFace"), logits `s cos θ_j`;
 * - weights only: the "modified softmax" of SphereFace (Liu et al. 2017), logits `|x| cos θ_j`;
 * - neither: the plain product `s · x W`, whose float32 overflow (|x|·|W_j| beyond ~3e38) is IEEE's:
 *   an op never reads values back, so such inputs are the caller's to keep in range.
 *
 * Backward, with `g = s ∂L/∂out`: `∂L/∂x̂ = g Ŵᵀ`, `∂L/∂Ŵ = x̂ᵀ g`, each pulled through its
 * normalization by `(ĝ − v̂ Σ ĝ ⊙ v̂) / |v|`; `∂L/∂s = Σ ∂L/∂out ⊙ out / s`.
 *
 * @example
 * ```ts
 * const x = tf.tensor2d([[3, 4], [1, 0]]);
 * const kernel = tf.tensor2d([[1, 0, 1], [0, 1, 1]]); // [D = 2, C = 3]
 * ops.normalizedLinear(x, kernel, { scale: 2 }).print(); // 2·cos θ: [[1.2, 1.6, 1.98], [2, 0, 1.414]]
 * ```
 * @param x `[N, D]` inputs.
 * @param kernel `[D, C]` weights, one column per class.
 * @returns `[N, C]` logits.
 */
export function normalizedLinear(x: tf.Tensor, kernel: tf.Tensor, options: NormalizedLinearOptions = {}): tf.Tensor2D {
  const where = 'ops.normalizedLinear';
  knownKeys(where, 'options', options, ['normalizeInputs', 'normalizeWeights', 'scale', 'epsilon']);
  const normalizeInputs = booleanArg(where, 'normalizeInputs', options.normalizeInputs ?? true);
  const normalizeWeights = booleanArg(where, 'normalizeWeights', options.normalizeWeights ?? true);
  const epsilon = squaredNormEpsilon(positiveNumber(where, 'epsilon', options.epsilon ?? 1e-12));
  const scale = options.scale ?? 1;
  if (typeof scale === 'number') scaleInRange(where, scale);
  else if (!(scale instanceof tf.Tensor) || scale.rank !== 0) {
    throw new MarginArgumentError(where, 'scale', 'a number > 0 or a scalar tensor', scale);
  }
  const xs = floatTensor(where, 'x', x);
  const w = floatTensor(where, 'kernel', kernel);
  rankIs(where, 'x', xs, 2, '[N, D]');
  rankIs(where, 'kernel', w, 2, '[D, C]');
  if (xs.shape[1] !== w.shape[0]) {
    throw new MarginArgumentError(where, 'kernel', `a [${xs.shape[1]}, C] tensor (D of 'x')`, w);
  }
  const scaleTensor = typeof scale === 'number' ? null : scale;
  const scaleNumber = typeof scale === 'number' ? scale : 1;

  const f = withCustomGrad((inputs, save) => {
    const [xIn, wIn, sIn] = inputs;
    const [xn, invx] = normalizeInputs ? l2NormalizeForward(xIn!, 1, epsilon) : [xIn!, tf.scalar(1)];
    const [wn, invw] = normalizeWeights ? l2NormalizeForward(wIn!, 0, epsilon) : [wIn!, tf.scalar(1)];
    const out = tf.tidy(() => {
      const cos = tf.matMul(xn, wn);
      if (sIn !== undefined) return tf.mul(cos, sIn);
      return scaleNumber === 1 ? cos : tf.mul(cos, scaleNumber);
    });
    save(sIn === undefined ? [xn, invx, wn, invw] : [xn, invx, wn, invw, sIn, out]);
    return {
      value: out,
      gradFunc: (dy, saved) => {
        const [sxn, sinvx, swn, sinvw, ss, sout] = saved;
        const g = ss !== undefined ? tf.mul(dy, ss) : scaleNumber === 1 ? dy : tf.mul(dy, scaleNumber);
        const dxn = tf.matMul(g, swn!, false, true);
        const dwn = tf.matMul(sxn!, g, true, false);
        const dx = normalizeInputs ? l2NormalizeBackward(dxn, sxn!, sinvx!, 1) : dxn;
        const dw = normalizeWeights ? l2NormalizeBackward(dwn, swn!, sinvw!, 0) : dwn;
        if (ss === undefined) return [dx, dw];
        return [dx, dw, tf.div(tf.sum(tf.mul(dy, sout!)), ss)];
      },
    };
  });
  const out = (scaleTensor === null ? f(xs, w) : f(xs, w, scaleTensor)) as tf.Tensor2D;
  if (xs !== x) xs.dispose();
  if (w !== kernel) w.dispose();
  return out;
}
