import * as tf from '@tensorflow/tfjs-core';

interface EngineState {
  state?: { kernelDepth?: number };
}

/**
 * Runs `fn` with the gradient tape paused, as tfjs pauses it inside a kernel: nothing it computes
 * is recorded, so its results are constants to any gradient being taken around it. Masks and indices
 * picked by comparisons (kernels without a gradient in tfjs, which would otherwise stop the backward
 * pass with "gradient function not found") and stabilizers such as a log-sum-exp's maximum go here.
 */
export function offTape<T extends tf.TensorContainer>(fn: () => T): T {
  const engine = tf.engine() as unknown as EngineState;
  const state = engine.state;
  if (state === undefined || typeof state.kernelDepth !== 'number') return tf.tidy(fn);
  state.kernelDepth++;
  try {
    return tf.tidy(fn);
  } finally {
    state.kernelDepth--;
  }
}

/** `fn(x)` as a constant: computed with the tape paused (see {@link offTape}), no gradient flows back. */
export function constantOf<T extends tf.Tensor>(x: tf.Tensor, fn: (value: tf.Tensor) => T): T {
  return offTape(() => fn(x));
}

/** `x` without a gradient (TensorFlow's `stop_gradient`): a copy made with the tape paused. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return offTape(() => tf.clone(x));
}
