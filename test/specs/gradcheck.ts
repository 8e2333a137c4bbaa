import * as tf from '@tensorflow/tfjs';
import { expectAllFinite, expectClose } from '../harness/assert';
import type { SpecContext } from '../harness/registry';
import { finiteDifferences, probe } from '../reference/numerics';

/**
 * Checks tfjs's gradient of `Σ f(inputs) ⊙ r` (the library's custom gradient) against float64 central
 * finite differences of the same probe on the float64 reference `ref`, for each input in `wrt`.
 */
export async function checkGradients(
  ctx: SpecContext,
  label: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  ref: (...xs: number[][]) => number[],
  inputs: { values: number[]; shape: number[] }[],
  r: number[],
  wrt: number[] = inputs.map((_, i) => i),
): Promise<void> {
  const gradTensors = tf.tidy(() => {
    const ts = inputs.map((x) => tf.tensor(x.values, x.shape));
    const rt = tf.tensor(r);
    const g = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(f(...xs), [-1]), rt)));
    return g(ts);
  });
  const grads = await Promise.all(gradTensors.map(async (t) => Array.from(await t.data())));
  tf.dispose(gradTensors);
  for (const i of wrt) {
    const fd = finiteDifferences((v) => {
      const args = inputs.map((x, j) => (j === i ? v : x.values));
      return probe(ref(...args), r);
    }, inputs[i]!.values);
    await expectAllFinite(grads[i]!, `${label}: gradient of input ${i}`);
    await expectClose(
      grads[i]!,
      fd,
      { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol },
      `${label}: gradient of input ${i} vs float64 finite differences`,
    );
  }
}

export function valueTol(ctx: SpecContext): { rtol: number; atol: number } {
  return { rtol: ctx.tol.rtol, atol: ctx.tol.atol };
}
