import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { booleanArg, positiveNumber } from '../internal/validate';
import { softmax } from '../ops/softmax';
import {
  checkLayerKeys,
  formatTag,
  type Kwargs,
  type LayerArgs,
  registerLayer,
  singleInput,
  singleShape,
} from './layerConfig';

/** Arguments of {@link TemperatureSoftmax}. */
export interface TemperatureSoftmaxArgs extends LayerArgs {
  /** Temperature τ (initial value when learnable). Finite, `> 0`. Default `1`. */
  temperature?: number;
  /** Learn τ, stored as the weight `log_temperature` (`τ = exp(w)`, so it stays positive). Default `false`. */
  learnable?: boolean;
}

/**
 * Softmax over the last axis at temperature τ: `p_i = exp((x_i − max x)/τ) / Σ_k exp((x_k − max x)/τ)`
 * (Hinton et al. 2015). A learnable τ is parametrized as `exp(w)` so it can never reach 0 or below.
 */
export class TemperatureSoftmax extends tfl.layers.Layer {
  static className = 'TfjsMarginTemperatureSoftmax';
  readonly temperature: number;
  readonly learnable: boolean;
  private logTemperature: tfl.LayerVariable | null = null;

  constructor(args: TemperatureSoftmaxArgs = {}) {
    checkLayerKeys('TemperatureSoftmax', args, ['temperature', 'learnable']);
    super(args);
    this.temperature = positiveNumber('TemperatureSoftmax', 'temperature', args.temperature ?? 1);
    this.learnable = booleanArg('TemperatureSoftmax', 'learnable', args.learnable ?? false);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    singleShape('TemperatureSoftmax', inputShape);
    if (this.learnable) {
      const init = tfl.initializers.constant({ value: Math.log(this.temperature) });
      this.logTemperature = this.addWeight('log_temperature', [], 'float32', init);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return singleShape('TemperatureSoftmax', inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput('TemperatureSoftmax', inputs);
      if (this.logTemperature === null) return softmax(x, { temperature: this.temperature });
      return softmax(tf.mul(x, tf.exp(tf.neg(this.logTemperature.read()))));
    });
  }

  /** The current temperature (reads the weight when learnable). */
  async currentTemperature(): Promise<number> {
    if (this.logTemperature === null) return this.temperature;
    return Math.exp((await this.logTemperature.read().data())[0]!);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...formatTag(), temperature: this.temperature, learnable: this.learnable };
  }
}
registerLayer(TemperatureSoftmax);

/** Creates a {@link TemperatureSoftmax} layer: `softmax(x / τ)`, τ fixed or learnable.
 *
 * @example
 * ```ts
 * const probabilities = layers.temperatureSoftmax({ temperature: 2 }).apply(tf.tensor2d([[0, 2]])) as tf.Tensor;
 * probabilities.print(); // softmax([0, 1]) = [[0.2689, 0.7311]]
 * ```
 */
export function temperatureSoftmax(args: TemperatureSoftmaxArgs = {}): TemperatureSoftmax {
  return new TemperatureSoftmax(args);
}
