import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { l2Normalize } from '../ops/l2Normalize';
import {
  checkLayerKeys,
  formatTag,
  type Kwargs,
  type LayerArgs,
  registerLayer,
  singleInput,
  singleShape,
} from './layerConfig';

/** Arguments of {@link L2Normalization}. */
export interface L2NormalizationArgs extends LayerArgs {
  /** Axis to normalize along. Default `-1`. */
  axis?: number;
}

/**
 * Projects vectors onto the unit sphere: `y = x / sqrt(max(Σ x², ε))` along `axis`, safe at the zero
 * vector (see {@link ops.l2Normalize}). The usual last layer of an embedding network.
 */
export class L2Normalization extends tfl.layers.Layer {
  static className = 'TfjsMarginL2Normalization';
  readonly axis: number;

  constructor(args: L2NormalizationArgs = {}) {
    checkLayerKeys('L2Normalization', args, ['axis']);
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new MarginArgumentError('L2Normalization', 'axis', 'an integer', axis);
    this.axis = axis;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return singleShape('L2Normalization', inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return l2Normalize(singleInput('L2Normalization', inputs), { axis: this.axis });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...formatTag(), axis: this.axis };
  }
}
registerLayer(L2Normalization);

/** Creates an {@link L2Normalization} layer.
 *
 * @example
 * ```ts
 * const unit = layers.l2Normalization().apply(tf.tensor2d([[3, 4]])) as tf.Tensor;
 * unit.print(); // [[0.6, 0.8]]
 * ```
 */
export function l2Normalization(args: L2NormalizationArgs = {}): L2Normalization {
  return new L2Normalization(args);
}
