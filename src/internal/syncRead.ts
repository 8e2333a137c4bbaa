import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend can read a device tensor synchronously without harm. tfjs-webgpu's
 * `dataSync` goes through an OffscreenCanvas: slow on real GPUs, and under SwiftShader it returns
 * zeros or loses the device. There, value checks are async (`validateInputs`, `ops.validateLabels`).
 */
export function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}
