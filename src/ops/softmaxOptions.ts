import * as tf from '@tensorflow/tfjs-core';
import { floatTensor, knownKeys, positiveNumber, rankAtLeast, resolveAxis } from '../internal/validate';

/** Options shared by {@link softmax} and {@link logSoftmax}. */
export interface SoftmaxOptions {
  /** The axis to normalize over; negative counts from the end. Default `-1`. */
  axis?: number;
  /** Divides the logits before normalizing: `> 1` smooths, `< 1` sharpens. Finite and `> 0`. Default `1`. */
  temperature?: number;
}

/** Validated softmax arguments. */
export interface ParsedSoftmax {
  x: tf.Tensor;
  axis: number;
  temperature: number;
}

export function parseSoftmaxArgs(where: string, logits: unknown, options: SoftmaxOptions | undefined): ParsedSoftmax {
  knownKeys(where, 'options', options, ['axis', 'temperature']);
  const x = floatTensor(where, 'logits', logits);
  rankAtLeast(where, 'logits', x, 1);
  const axis = resolveAxis(where, options?.axis ?? -1, x.rank);
  const temperature = positiveNumber(where, 'temperature', options?.temperature ?? 1);
  return { x, axis, temperature };
}
