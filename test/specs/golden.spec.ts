import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';
import { expectClose, scope } from '../harness/assert';
import { spec, type SpecContext } from '../harness/registry';
import golden from '../golden/vectors.json';
import { headWithKernel, oneHot } from './headCases';

type Factory = (args: never) => layers.MarginSoftmaxHead;
const FACTORIES: Record<string, Factory> = {
  largeMarginSoftmax: layers.largeMarginSoftmax as Factory,
  sphereFace: layers.sphereFace as Factory,
  cosFace: layers.cosFace as Factory,
  arcFace: layers.arcFace as Factory,
  combinedMargin: layers.combinedMargin as Factory,
  subCenterArcFace: layers.subCenterArcFace as Factory,
};

/**
 * "Within 1e-5 relative" on float32 backends (cpu, wasm, tensorflow): each element within
 * 1e-5 · max|expected| of the reference; elsewhere the backend's own relative tolerance.
 */
function goldenTol(ctx: SpecContext, expected: number[]): { rtol: number; atol: number } {
  const rel = ['cpu', 'wasm', 'tensorflow'].includes(ctx.backend) ? 1e-5 : ctx.tol.gradRtol;
  return { rtol: rel, atol: rel * Math.max(...expected.map(Math.abs)) };
}

for (const c of golden.cases) {
  spec('golden', `${c.reference}: ${c.name}`, async (ctx) => {
    const { N, D, columns } = c.shape;
    const head = FACTORIES[c.layer.factory]!(c.layer.args as never);
    headWithKernel(head, c.kernel, D, columns);
    const x = tf.tidy(() => tf.variable(tf.tensor2d(c.embeddings, [N, D])));
    await scope(async () => {
      const y = tf.tensor1d(c.labels, 'int32');
      const targets = tf.tensor2d(oneHot(c.labels, head.numClasses), [N, head.numClasses]);
      await expectClose(head.apply([x, y]) as tf.Tensor, c.logits, goldenTol(ctx, c.logits), 'logits');
      const kernel = head.trainableWeights[0]!.read() as tf.Variable;
      const { value, grads } = tf.variableGrads(
        () => tf.mean(losses.softmaxCrossEntropy(targets, head.apply([x, y]) as tf.Tensor)) as tf.Scalar,
        [x, kernel],
      );
      await expectClose(value, [c.loss], goldenTol(ctx, [c.loss]), 'mean loss');
      await expectClose(
        grads[x.name]!,
        c.gradEmbeddings,
        goldenTol(ctx, c.gradEmbeddings),
        'gradient w.r.t. embeddings',
      );
      await expectClose(grads[kernel.name]!, c.gradKernel, goldenTol(ctx, c.gradKernel), 'gradient w.r.t. kernel');
    });
    x.dispose();
    head.dispose();
  });
}
