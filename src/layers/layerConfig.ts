import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { version } from '../version';

/** The base-layer arguments every tfjs layer accepts (`name`, `trainable`, `inputShape`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** The keyword arguments tfjs passes to `Layer.call` (`training`, `mask`, ...). */
export type Kwargs = Parameters<tfl.layers.Layer['call']>[1];

/** Keys of {@link LayerArgs}, accepted by every layer of this package. */
const BASE_LAYER_KEYS = [
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
  // Added by tfjs-layers' deserializer on load.
  'customObjects',
  'tfjsMarginFormat',
] as const;

/**
 * The layer-config format this version writes and reads. Bump it when a saved config would load
 * differently; older formats keep loading, newer ones are refused with a clear error rather than
 * misread.
 */
export const CONFIG_FORMAT = 1;

/** The format tag every layer of this package adds to its `getConfig()`. */
export function formatTag(): { tfjsMarginFormat: number } {
  return { tfjsMarginFormat: CONFIG_FORMAT };
}

/**
 * Rejects configuration keys a layer does not know: a typo in code, or a model.json written by a
 * different version. Runs in the constructor, so it guards both `new` and `loadLayersModel`.
 */
export function checkLayerKeys(className: string, args: unknown, own: readonly string[]): void {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new MarginArgumentError(className, 'args', 'a configuration object', args);
  }
  const format = (args as Record<string, unknown>)['tfjsMarginFormat'];
  if (
    format !== undefined &&
    (typeof format !== 'number' || !Number.isInteger(format) || format < 1 || format > CONFIG_FORMAT)
  ) {
    throw new MarginArgumentError(
      className,
      'tfjsMarginFormat',
      `an integer in [1, ${CONFIG_FORMAT}] (tfjs-margin ${version} reads config formats up to ${CONFIG_FORMAT}; ` +
        'the model was saved by a newer tfjs-margin: upgrade to load it)',
      format,
    );
  }
  const allowed = new Set<string>([...BASE_LAYER_KEYS, ...own]);
  for (const key of Object.keys(args)) {
    if (!allowed.has(key)) {
      throw new MarginArgumentError(
        className,
        key,
        `absent: known keys are {${own.join(', ')}} and the base layer's`,
        `unknown key '${key}' = ${JSON.stringify((args as Record<string, unknown>)[key])}`,
      );
    }
  }
}

/** The single input tensor of a layer call, rejecting lists (these layers take one input). */
export function singleInput(className: string, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new MarginArgumentError(className, 'inputs', 'a single tensor', `a list of ${inputs.length} tensors`);
    }
    return inputs[0]!;
  }
  return inputs;
}

/** The single input shape of a layer, rejecting lists. */
export function singleShape(className: string, inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  if (Array.isArray(inputShape[0])) {
    const shapes = inputShape as tfl.Shape[];
    if (shapes.length !== 1) {
      throw new MarginArgumentError(className, 'inputShape', 'a single input shape', `${shapes.length} shapes`);
    }
    return shapes[0]!;
  }
  return inputShape as tfl.Shape;
}

/** Registers a layer class for `loadLayersModel` under its literal `className`. */
export function registerLayer<T extends tf.serialization.SerializableConstructor<tf.serialization.Serializable>>(
  cls: T,
): T {
  tf.serialization.registerClass(cls, 'tfjs-margin');
  return cls;
}
