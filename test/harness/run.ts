import * as tf from '@tensorflow/tfjs';
import type { Spec, SpecContext } from './registry';

/**
 * Runs one spec: a warm-up call (kernels compile, lazy weights build), then a second call that must
 * leave `tf.memory().numTensors` exactly where it found it.
 */
export async function runSpec(s: Spec, ctx: SpecContext): Promise<void> {
  await s.fn(ctx);
  if (!s.leakCheck) return;
  const before = tf.memory().numTensors;
  await s.fn(ctx);
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`leak check: numTensors went from ${before} to ${after} over the second run of the spec`);
  }
}
