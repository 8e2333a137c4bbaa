import * as tf from '@tensorflow/tfjs-core';
import { expNonPositive } from '../internal/expNonPositive';
import { withCustomGrad } from '../internal/customGrad';
import { logSoftmaxForward } from '../ops/logSoftmax';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import type { LossFunction } from '../internal/types';
import { parseTargetsAndLogits } from './softmaxCrossEntropy';

/**
 * Per-sample margin softmax cross-entropy on cosines: with `c_y = Σ_j t_j c_j`,
 * `logits = s (c + t ⊙ (ψ(c_y) − c_y))`, `L = −Σ_j t_j log softmax(logits)_j`, and the fused analytic
 * backward `∂L/∂c = s (p − t)`, whose target entry is multiplied by `ψ'(c_y)`.
 */
export function marginCrossEntropyLoss(
  where: string,
  margin: TargetMargin,
  scale: number,
  gradient: MarginGradient,
): LossFunction {
  return (yTrue, yPred) => {
    const [targets, cosines] = parseTargetsAndLogits(where, yTrue, yPred);
    const f = withCustomGrad(([t, c], save) => {
      const out = tf.tidy(() => {
        const cT = tf.sum(tf.mul(t!, c!), -1);
        const psi = margin.apply(tf.clipByValue(cT, -1, 1), gradient);
        const logits = tf.mul(tf.add(c!, tf.mul(t!, tf.expandDims(tf.sub(psi.value, cT), -1))), scale);
        const z = logSoftmaxForward(logits, logits.rank - 1, 1);
        return { loss: tf.neg(tf.sum(tf.mul(t!, z), -1)), z, derivative: psi.derivative ?? undefined };
      });
      save(out.derivative === undefined ? [t!, out.z] : [t!, out.z, out.derivative]);
      return {
        value: out.loss,
        gradFunc: (dy, [ts, zs, dPsi]) => {
          const g = tf.expandDims(dy, -1);
          let dLogits = tf.mul(g, tf.sub(tf.mul(expNonPositive(zs!), tf.sum(ts!, -1, true)), ts!));
          if (dPsi !== undefined) {
            const gTarget = tf.sum(tf.mul(dLogits, ts!), -1);
            dLogits = tf.add(dLogits, tf.mul(ts!, tf.expandDims(tf.mul(gTarget, tf.sub(dPsi, 1)), -1)));
          }
          return [() => tf.zerosLike(ts!), tf.mul(dLogits, scale)];
        },
      };
    });
    const loss = f(targets, cosines);
    if (targets !== yTrue) targets.dispose();
    if (cosines !== yPred) cosines.dispose();
    return loss;
  };
}
