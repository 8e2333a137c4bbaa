import * as tf from '@tensorflow/tfjs-core';

/**
 * One input's gradient: a tensor computed with the others, or a function that computes it only if
 * the backward pass needs that input (a loss's gradient with respect to its targets, say).
 */
export type InputGradient = tf.Tensor | (() => tf.Tensor);

/** The forward pass of a custom-gradient function: its value and the backward pass. */
export interface ForwardResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => InputGradient[];
}

type SaveFunction = (tensors: tf.Tensor[]) => void;

/** The engine method `tf.customGrad` itself calls; its backward map is read lazily, one input at a time. */
interface KernelFuncEngine {
  runKernelFunc(invocation: {
    forwardFunc: (backend: unknown, save: SaveFunction) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

function kernelFuncEngine(): KernelFuncEngine | null {
  const engine = tf.engine() as unknown as Partial<KernelFuncEngine>;
  return typeof engine.runKernelFunc === 'function' ? (engine as KernelFuncEngine) : null;
}

/**
 * A typed `tf.customGrad` for functions of a fixed list of tensors. `gradFunc` returns one gradient per
 * input, in order; a gradient given as a function runs only when the backward pass reaches that input.
 * tfjs's own `customGrad` evaluates every input's gradient; the engine's tape asks for each one through
 * a thunk, which is what this passes it (where the engine lacks that method, every thunk runs eagerly,
 * as `tf.customGrad` would).
 */
export function withCustomGrad(
  forward: (inputs: tf.Tensor[], save: SaveFunction) => ForwardResult,
): (...inputs: tf.Tensor[]) => tf.Tensor {
  return (...inputs: tf.Tensor[]) => {
    const engine = kernelFuncEngine();

    if (engine === null) {
      const wrapped = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const { value, gradFunc } = forward(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as SaveFunction);
        return {
          value,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
            tf.tidy(() => gradFunc(dy, saved).map((g) => (typeof g === 'function' ? g() : g))),
        };
      });
      return wrapped(...inputs);
    }
    let gradFunc: ForwardResult['gradFunc'] | null = null;
    const inputMap: Record<string, tf.Tensor> = {};
    inputs.forEach((t, i) => {
      if (!(t instanceof tf.Tensor)) throw new Error('withCustomGrad: every input must be a tensor');
      inputMap[i] = t;
    });
    return engine.runKernelFunc({
      inputs: inputMap,
      forwardFunc: (_backend, save) => {
        const result = forward(inputs, save);
        gradFunc = result.gradFunc;
        return result.value;
      },
      backwardsFunc: (dy, saved) => {
        // The eager gradients run in a tidy: without it, every intermediate of the backward pass
        // stayed allocated until the whole tape was processed (raising peak memory). The engine runs
        // each thunk in its own tidy.
        let thunks: Array<(() => tf.Tensor) | null> = [];
        const grads = tf.tidy(() => {
          const all = gradFunc!(dy, saved);
          thunks = all.map((g) => (typeof g === 'function' ? g : null));
          return all.filter((g): g is tf.Tensor => typeof g !== 'function');
        });
        const map: Record<string, () => tf.Tensor> = {};
        let next = 0;
        thunks.forEach((thunk, i) => {
          if (thunk !== null) map[i] = thunk;
          else {
            const g = grads[next++]!;
            map[i] = () => g;
          }
        });
        return map;
      },
    });
  };
}
