import * as tf from '@tensorflow/tfjs';
import { losses } from 'tfjs-margin';
import { FUSED_CROSS_ENTROPY } from '../../src/losses/fusedCrossEntropy';
import { setTensorflowFastPath, tensorflowFastPathActive } from '../../src/internal/eagerBackend';
import { assert, expectClose } from '../harness/assert';
import { randomLabels, uniform } from '../harness/random';
import { spec } from '../harness/registry';

/** Value, ∂/∂targets and ∂/∂logits of Σ r ⊙ L(t, x) for a random r, with the fast path on or off. */
function lossAndGrads(fast: boolean, t: tf.Tensor2D, x: tf.Tensor2D, r: tf.Tensor1D): tf.Tensor[] {
  setTensorflowFastPath(fast);
  try {
    return tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(losses.softmaxCrossEntropy(a, b), r));
      const [dt, dx] = tf.grads(f)([t, x]);
      return [losses.softmaxCrossEntropy(t, x), dt!, dx!];
    });
  } finally {
    setTensorflowFastPath(true);
  }
}

spec(
  'fastPath',
  "tensorflow's fused cross-entropy kernel gives the generic path's value and both gradients (one-hot, distributions, unnormalized soft targets)",
  async (ctx) => {
    // Fails loudly if tfjs-node's eager ops stop being detected (the fast path would silently go).
    assert(
      tensorflowFastPathActive() === (ctx.backend === 'tensorflow'),
      `fast path active: ${tensorflowFastPathActive()} on ${ctx.backend}`,
    );
    const n = 6;
    const c = 9;
    const x = tf.tensor2d(uniform(71, n * c, -40, 40), [n, c]); // logits at ArcFace's scale
    const r = tf.tensor1d(uniform(72, n, 0.5, 2));
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(randomLabels(73, n, c), 'int32'), c).toFloat()) as tf.Tensor2D;
    const soft = tf.tidy(() => {
      const u = tf.tensor2d(uniform(74, n * c, 0, 1), [n, c]);
      return tf.div(u, tf.sum(u, 1, true));
    }) as tf.Tensor2D;
    const unnormalized = tf.tensor2d(uniform(75, n * c, 0, 0.4), [n, c]);
    for (const [name, t] of [
      ['one-hot', oneHot],
      ['distributions', soft],
      ['unnormalized', unnormalized],
    ] as const) {
      const generic = lossAndGrads(false, t, x, r);
      const fast = lossAndGrads(true, t, x, r);
      const tol = { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 };
      await expectClose(fast[0]!, generic[0]!, tol, `${name}: loss`);
      await expectClose(fast[1]!, generic[1]!, tol, `${name}: d/dtargets`);
      await expectClose(fast[2]!, generic[2]!, tol, `${name}: d/dlogits`);
      tf.dispose([...generic, ...fast]);
    }
    if (ctx.backend === 'tensorflow') {
      const profile = await tf.profile(() => {
        tf.tidy(() => {
          tf.grad((b: tf.Tensor) => tf.sum(losses.softmaxCrossEntropy(oneHot, b)))(x);
        });
      });
      const names = profile.kernels.map((k) => k.name);
      assert(names.includes(FUSED_CROSS_ENTROPY), `the fused kernel did not run: ${names.join(', ')}`);
    }
    tf.dispose([x, r, oneHot, soft, unnormalized]);
  },
);
