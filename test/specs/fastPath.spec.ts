import * as tf from '@tensorflow/tfjs';
import { losses, ops } from 'tfjs-margin';
import { setTensorflowFastPath, tensorflowFastPathActive } from '../../src/internal/eagerBackend';
import { assert, expectClose } from '../harness/assert';
import { randomLabels, uniform } from '../harness/random';
import { spec } from '../harness/registry';

/** Value and both gradients of a random projection of ArcFace's loss, with the fast path on or off. */
function arcFaceStep(fast: boolean, x: tf.Tensor2D, w: tf.Tensor2D, labels: tf.Tensor1D, rows: boolean): tf.Tensor[] {
  setTensorflowFastPath(fast);
  try {
    return tf.tidy(() => {
      const c = rows ? w.shape[0] : w.shape[1];
      const options = {
        margin: ops.margins.additiveAngularMargin(0.5),
        scale: 32,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact' as const,
        kernelLayout: rows ? ('rows' as const) : ('columns' as const),
      };
      const targets = tf.oneHot(labels, c).toFloat();
      const f = (a: tf.Tensor, k: tf.Tensor) =>
        tf.sum(
          losses.softmaxCrossEntropy(
            targets,
            ops.marginLogits(a as tf.Tensor2D, k as tf.Tensor2D, labels, null, options),
          ),
        );
      const [dx, dw] = tf.grads(f)([x, w]);
      return [f(x, w), dx!, dw!];
    });
  } finally {
    setTensorflowFastPath(true);
  }
}

spec(
  'fastPath',
  "tensorflow's one-pass center norms (EuclideanNorm) give the generic path's logits and gradients, and are used",
  async (ctx) => {
    // Fails loudly if tfjs-node's eager ops stop being detected (the fast path would silently go).
    assert(
      tensorflowFastPathActive() === (ctx.backend === 'tensorflow'),
      `fast path active: ${tensorflowFastPathActive()} on ${ctx.backend}`,
    );
    const n = 5;
    const d = 6;
    const c = 7;
    const x = tf.tensor2d(uniform(81, n * d, -2, 2), [n, d]);
    const labels = tf.tensor1d(randomLabels(82, n, c), 'int32');
    for (const rows of [false, true]) {
      const w = tf.tensor2d(uniform(rows ? 84 : 83, d * c, -1, 1), rows ? [c, d] : [d, c]);
      const generic = arcFaceStep(false, x, w, labels, rows);
      let norms = 0;
      const backend = tf.backend() as unknown as {
        executeSingleOutput?: (name: string, ...rest: unknown[]) => unknown;
      };
      const original = backend.executeSingleOutput;
      if (ctx.backend === 'tensorflow') {
        backend.executeSingleOutput = function (this: unknown, name: string, ...rest: unknown[]) {
          if (name === 'EuclideanNorm') norms++;
          return original!.call(this, name, ...rest);
        };
      }
      let fast: tf.Tensor[];
      try {
        fast = arcFaceStep(true, x, w, labels, rows);
      } finally {
        if (ctx.backend === 'tensorflow') backend.executeSingleOutput = original;
      }
      if (ctx.backend === 'tensorflow') assert(norms > 0, `${rows ? 'rows' : 'columns'}: EuclideanNorm never ran`);
      const tol = { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 };
      const gtol = { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol };
      const layout = rows ? 'rows' : 'columns';
      await expectClose(fast[0]!, generic[0]!, tol, `${layout}: loss`);
      await expectClose(fast[1]!, generic[1]!, gtol, `${layout}: d/dx`);
      await expectClose(fast[2]!, generic[2]!, gtol, `${layout}: d/dW`);
      tf.dispose([w, ...generic, ...fast]);
    }
    tf.dispose([x, labels]);
  },
);
