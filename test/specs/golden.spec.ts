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
  curricularFace: layers.curricularFace as Factory,
  adaFace: layers.adaFace as Factory,
  magFace: layers.magFace as Factory,
  circleHead: layers.circleHead as Factory,
  adaCos: layers.adaCos as Factory,
};

interface TrainingCall {
  logits: number[];
  loss: number;
  gradEmbeddings: number[];
  gradKernel: number[];
  state: Record<string, number>;
}

/** The head's batch statistics, by the names the golden file records. */
async function stateOf(head: layers.MarginSoftmaxHead): Promise<Record<string, number>> {
  if (head instanceof layers.CurricularFace) return { t: await head.curriculum() };
  if (head instanceof layers.AdaFace) return head.normStatistics();
  if (head instanceof layers.AdaCos) return { scale: await head.currentScale() };
  return {};
}

/**
 * "Within 1e-5 relative" on float32 backends (cpu, wasm, tensorflow): each element within
 * 1e-5 · max|expected| of the reference; elsewhere the backend's own relative tolerance.
 */
function goldenTol(ctx: SpecContext, expected: number[]): { rtol: number; atol: number } {
  const rel = ['cpu', 'wasm', 'tensorflow'].includes(ctx.backend) ? 1e-5 : ctx.tol.gradRtol;
  return { rtol: rel, atol: rel * Math.max(...expected.map(Math.abs)) };
}

for (const c of golden.cases.filter((g) => 'trainingCalls' in g)) {
  spec('golden', `${c.reference}: ${c.name}, two training calls (state, logits, loss, gradients)`, async (ctx) => {
    const { N, D, columns } = c.shape;
    const head = FACTORIES[c.layer.factory]!(c.layer.args as never);
    headWithKernel(head, c.kernel, D, columns);
    const x = tf.tidy(() => tf.variable(tf.tensor2d(c.embeddings, [N, D])));
    const calls = (c as unknown as { trainingCalls: TrainingCall[] }).trainingCalls;
    await scope(async () => {
      const y = tf.tensor1d(c.labels, 'int32');
      const targets = tf.tensor2d(oneHot(c.labels, head.numClasses), [N, head.numClasses]);
      const kernel = head.trainableWeights[0]!.read() as tf.Variable;
      for (const [i, call] of calls.entries()) {
        let logits: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = head.apply([x, y], { training: true }) as tf.Tensor;
          logits = tf.keep(tf.clone(out));
          // The head's own loss terms (MagFace's norm regularizer) join as model.fit adds them.
          return tf.addN([tf.mean(losses.softmaxCrossEntropy(targets, out)), ...head.calculateLosses()]) as tf.Scalar;
        }, [x, kernel]);
        const state = await stateOf(head);
        for (const [key, expected] of Object.entries(call.state)) {
          await expectClose([state[key]!], [expected], goldenTol(ctx, [expected]), `${key} after call ${i + 1}`);
        }
        await expectClose(logits!, call.logits, goldenTol(ctx, call.logits), `logits of call ${i + 1}`);
        await expectClose(value, [call.loss], goldenTol(ctx, [call.loss]), `mean loss of call ${i + 1}`);
        await expectClose(
          grads[x.name]!,
          call.gradEmbeddings,
          goldenTol(ctx, call.gradEmbeddings),
          `∂/∂x, call ${i + 1}`,
        );
        await expectClose(grads[kernel.name]!, call.gradKernel, goldenTol(ctx, call.gradKernel), `∂/∂W, call ${i + 1}`);
        tf.dispose([logits!, value, ...Object.values(grads)]);
      }
    });
    x.dispose();
    head.dispose();
  });
}

interface PlainCase {
  name: string;
  reference: string;
  layer: { factory: string; args: unknown };
  shape: { N: number; D: number; columns: number };
  embeddings: number[];
  kernel: number[];
  labels: number[];
  logits: number[];
  loss: number;
  gradEmbeddings: number[];
  gradKernel: number[];
}

for (const c of golden.cases.filter((g) => !('trainingCalls' in g)) as unknown as PlainCase[]) {
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
