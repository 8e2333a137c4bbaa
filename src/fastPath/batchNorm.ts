import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withCustomGrad } from '../internal/customGrad';
import { type EagerAttr, type EagerBackend, eagerBackend, typeAttr, valueAttr } from '../internal/eagerBackend';

/** The fields of tfjs-layers' `BatchNormalization` that its `call` reads. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma?: tfl.LayerVariable;
  beta?: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

type LayerCall = (
  this: tfl.layers.Layer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor;

function attrs(backend: EagerBackend, epsilon: number, training: boolean, withFactor: boolean): EagerAttr[] {
  const list: EagerAttr[] = [
    typeAttr(backend, 'T'),
    typeAttr(backend, 'U'),
    { name: 'epsilon', type: backend.binding['TF_ATTR_FLOAT']!, value: epsilon },
    valueAttr(backend, 'data_format', 'TF_ATTR_STRING', 'NHWC'),
    valueAttr(backend, 'is_training', 'TF_ATTR_BOOL', training),
  ];
  if (withFactor) list.push({ name: 'exponential_avg_factor', type: backend.binding['TF_ATTR_FLOAT']!, value: 1 });
  return list;
}

/** `x` as NHWC with the normalized axis last: `[N, C]` → `[N, 1, 1, C]`, `[N, W, C]` → `[N, 1, W, C]`. */
function asNHWC(x: tf.Tensor): tf.Tensor4D {
  if (x.rank === 4) return x as tf.Tensor4D;
  const c = x.shape[x.rank - 1]!;
  if (x.rank === 2) return tf.reshape(x, [x.shape[0]!, 1, 1, c]);
  return tf.reshape(x, [x.shape[0]!, 1, x.shape[1]!, c]);
}

/**
 * Batch normalization of an NHWC tensor over its first three axes in TensorFlow's
 * `FusedBatchNormV3`, with `FusedBatchNormGradV3` as the gradient for x, γ and β (one kernel each
 * way). In training, normalizes with the batch statistics and hands the batch mean and the biased
 * batch variance (what `tf.moments` gives, which tfjs-layers averages into the moving statistics)
 * to `onStatistics`; otherwise normalizes with `mean` and `variance`.
 */
function fusedBatchNorm(
  backend: EagerBackend,
  epsilon: number,
  training: boolean,
  onStatistics: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor) => tf.Tensor {
  const op = withCustomGrad(([x, scale, offset, mean, variance], save) => {
    const statisticsShape = mean!.shape;
    const outputs = backend.executeMultipleOutputs(
      'FusedBatchNormV3',
      attrs(backend, epsilon, training, true),
      [x!, scale!, offset!, mean!, variance!],
      6,
    );
    const [y, , , reserve1, reserve2, reserve3] = outputs;
    if (training) {
      // Reserve spaces 1 and 2 hold the batch mean and the biased batch variance (CPU kernel): the
      // moving statistics average them; output 2 is the unbiased variance.
      onStatistics(tf.keep(reserve1!.clone()) as tf.Tensor1D, tf.keep(reserve2!.clone()) as tf.Tensor1D);
      save([x!, scale!, reserve1!, reserve2!, reserve3!]);
    } else {
      // At inference the gradient kernel takes the population statistics in their place.
      save([x!, scale!, mean!, variance!, reserve3!]);
    }
    tf.dispose(outputs.filter((t) => t !== y && t !== reserve3 && (!training || (t !== reserve1 && t !== reserve2))));
    return {
      value: y!,
      gradFunc: (dy, saved) => {
        const [sx, sscale, r1, r2, r3] = saved;
        const grads = backend.executeMultipleOutputs(
          'FusedBatchNormGradV3',
          attrs(backend, epsilon, training, false),
          [dy, sx!, sscale!, r1!, r2!, r3!],
          5,
        );
        const [dx, dscale, doffset] = grads;
        tf.dispose(grads.slice(3));
        // No gradient for the statistics: zero-size placeholders in training, the moving statistics
        // (which tfjs-layers does not train) at inference.
        return [dx!, dscale!, doffset!, () => tf.zeros(statisticsShape), () => tf.zeros(statisticsShape)];
      },
    };
  });
  return op;
}

/** `moving ← moving − (moving − value)·(1 − momentum)`, the same ops as tfjs-layers. */
function movingAverage(variable: tfl.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

/**
 * tfjs-layers' `BatchNormalization.call` in fused kernels, or `null` where it does not apply: not on
 * tfjs-node, a float other than float32, a normalized axis other than the last, a rank outside 2–4.
 */
export function fusedBatchNormCall(
  layer: BatchNormLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): tf.Tensor | null {
  const backend = eagerBackend();
  const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  if (backend === null || input === undefined || input.dtype !== 'float32') return null;
  const rank = input.rank;
  const axis = layer.axis >= 0 ? layer.axis : layer.axis + rank;
  if (rank < 2 || rank > 4 || axis !== rank - 1) return null;
  const training = kwargs['training'] === true;
  let statistics: [tf.Tensor1D, tf.Tensor1D] | null = null;
  const y = tf.tidy(() => {
    const c = input.shape[axis]!;
    const gamma = layer.scale && layer.gamma ? layer.gamma.read() : tf.ones([c]);
    const beta = layer.center && layer.beta ? layer.beta.read() : tf.zeros([c]);
    // In training TensorFlow takes zero-size running statistics (it returns the batch's instead).
    const mean = training ? tf.tensor1d([]) : layer.movingMean.read();
    const variance = training ? tf.tensor1d([]) : layer.movingVariance.read();
    const op = fusedBatchNorm(backend, layer.epsilon, training, (m, v) => {
      statistics = [m, v];
    });
    return tf.reshape(op(asNHWC(input), gamma, beta, mean, variance), input.shape);
  });
  if (statistics !== null) {
    const [mean, variance] = statistics as [tf.Tensor1D, tf.Tensor1D];
    movingAverage(layer.movingMean, mean, layer.momentum);
    movingAverage(layer.movingVariance, variance, layer.momentum);
    tf.dispose([mean, variance]);
  }
  return y;
}

/** tfjs-layers' `BatchNormalization` prototype (the class is not exported by name). */
export function batchNormPrototype(): { call: LayerCall } {
  return Object.getPrototypeOf(tfl.layers.batchNormalization({})) as { call: LayerCall };
}

/** A `call` that runs the fused kernels where they apply and the stock `call` elsewhere. */
export function fusedBatchNormLayerCall(stock: LayerCall): LayerCall {
  return function (this: tfl.layers.Layer, inputs, kwargs) {
    return fusedBatchNormCall(this as unknown as BatchNormLayer, inputs, kwargs) ?? stock.call(this, inputs, kwargs);
  };
}
