import * as tf from '@tensorflow/tfjs-core';

/**
 * One input's gradient: a tensor computed with the others, or a function that computes it only if
 * the backward pass needs that input (a loss's gradient with respect to its targets, say).
 */
export type InputGradient = tf.Tensor | (() => tf.Tensor);

/**
 * Marks a tensor of the backward pass's shared part (computed once, read by several lazy gradients)
 * to outlive it; it is disposed after the last lazy gradient that runs, or with the enclosing scope.
 */
export type KeepFunction = <T extends tf.Tensor>(t: T) => T;

/** The forward pass of a custom-gradient function: its value and the backward pass. */
export interface ForwardResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[], keep: KeepFunction) => InputGradient[];
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
            tf.tidy(() => gradFunc(dy, saved, (t) => t).map((g) => (typeof g === 'function' ? g() : g))),
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
        const kept: tf.Tensor[] = [];
        // dy and the saved tensors belong to the engine: never released here.
        const keep: KeepFunction = (t) => {
          if (t !== dy && !saved.includes(t) && !kept.includes(t)) kept.push(t);
          return t;
        };
        const grads = tf.tidy(() => {
          const all = gradFunc!(dy, saved, keep);
          thunks = all.map((g) => (typeof g === 'function' ? g : null));
          return [...all.filter((g): g is tf.Tensor => typeof g !== 'function'), ...kept];
        });
        // The shared tensors go after the last lazy gradient; if the backward pass skips one, the
        // engine's scope around it disposes them at its end.
        const shared = grads.splice(grads.length - kept.length, kept.length);
        const returned = new Set<tf.Tensor>();
        let pending = thunks.filter((t) => t !== null).length;
        const map: Record<string, () => tf.Tensor> = {};
        let next = 0;
        thunks.forEach((thunk, i) => {
          if (thunk !== null) {
            map[i] = () => {
              try {
                const result = thunk();
                returned.add(result);
                return result;
              } finally {
                if (--pending === 0) tf.dispose(shared.filter((t) => !returned.has(t)));
              }
            };
          } else {
            const g = grads[next++]!;
            map[i] = () => g;
          }
        });
        return map;
      },
    });
  };
}
