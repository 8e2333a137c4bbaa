import * as tf from '@tensorflow/tfjs-core';
import { eagerBackend, typeAttr } from '../internal/eagerBackend';

/**
 * The ReLU family's gradients as one TensorFlow kernel each, where tfjs composes two to three
 * elementwise passes: `Relu` → `ReluGrad` (`dy · [x > 0]`, tfjs: `dy · step(x)`), `LeakyRelu` →
 * `LeakyReluGrad` (`x > 0 ? dy : α·dy`, tfjs: `where(x > 0, dy, α·dy)`). Same values, including at 0.
 * (`Relu6` keeps its stock gradient: TensorFlow's `Relu6Grad` passes nothing at exactly 6, tfjs's
 * passes `dy`.)
 */
export const FUSED_ACTIVATION_GRADS: ReadonlyArray<{ kernel: string; fused: string }> = [
  { kernel: 'Relu', fused: 'ReluGrad' },
  { kernel: 'LeakyRelu', fused: 'LeakyReluGrad' },
];

/**
 * A gradient config for `kernel` that runs TensorFlow's `fused` on tfjs-node with float32 inputs and
 * `stock` (the gradient it replaces) everywhere else: the registry is global, a backend is not.
 */
export function fusedActivationGrad(kernel: string, fused: string, stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: kernel,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const backend = eagerBackend();
      const dyTensor = dy as tf.Tensor;
      const x = saved[0];
      if (backend === null || x === undefined || x.dtype !== 'float32' || dyTensor.dtype !== 'float32') {
        return stock.gradFunc(dy, saved, attrs);
      }
      const extra =
        kernel === 'LeakyRelu'
          ? [{ name: 'alpha', type: backend.binding['TF_ATTR_FLOAT']!, value: Number(attrs['alpha'] ?? 0.2) }]
          : [];
      return { x: () => backend.executeSingleOutput(fused, [typeAttr(backend, 'T'), ...extra], [dyTensor, x]) };
    },
  };
}
