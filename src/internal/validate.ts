import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from './errors';

/** Throws unless `value` is a finite number strictly greater than zero. */
export function positiveNumber(where: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MarginArgumentError(where, argument, 'a finite number > 0', value);
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0. */
export function nonNegativeNumber(where: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MarginArgumentError(where, argument, 'a finite number >= 0', value);
  }
  return value;
}

/** Throws unless `value` is an integer >= `min`. */
export function integerAtLeast(where: string, argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new MarginArgumentError(where, argument, `an integer >= ${min}`, value);
  }
  return value;
}

/** Throws unless `value` is an integer in `[min, max]`; `why` explains the upper bound. */
export function integerInRange(
  where: string,
  argument: string,
  value: unknown,
  min: number,
  max: number,
  why = '',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MarginArgumentError(where, argument, `an integer in [${min}, ${max}]${why}`, value);
  }
  return value;
}

/** Throws unless `value` is a finite number in `(0, max]`; `why` explains the upper bound. */
export function positiveNumberAtMost(where: string, argument: string, value: unknown, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new MarginArgumentError(where, argument, `a finite number in (0, ${max}]${why}`, value);
  }
  return value;
}

/** An optional initializer seed: `undefined`/`null` (random) or a finite number. */
export function optionalSeed(where: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MarginArgumentError(where, 'seed', 'a finite number, or omitted for a random initialization', value);
  }
  return value;
}

/** Throws unless `value` is a boolean. */
export function booleanArg(where: string, argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new MarginArgumentError(where, argument, 'a boolean', value);
  }
  return value;
}

/** Throws unless `value` is a number in `[lo, hi)`. */
export function numberInRange(where: string, argument: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value >= hi) {
    throw new MarginArgumentError(where, argument, `a number in [${lo}, ${hi})`, value);
  }
  return value;
}

/** Throws unless `value` is a tfjs Tensor. */
export function tensorArg(where: string, argument: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new MarginArgumentError(where, argument, 'a tf.Tensor', value);
  }
  if (value.isDisposed) {
    throw new MarginArgumentError(where, argument, 'a tensor that is not disposed', 'a disposed tensor');
  }
  return value;
}

/**
 * Throws unless `value` is a float tensor (float32); an int32 tensor is accepted and cast, since
 * logits written as integer literals are a common, harmless slip.
 */
export function floatTensor(where: string, argument: string, value: unknown): tf.Tensor {
  const t = tensorArg(where, argument, value);
  if (t.dtype === 'float32') return t;
  if (t.dtype === 'int32') return tf.cast(t, 'float32');
  throw new MarginArgumentError(where, argument, 'a float32 tensor', t);
}

/** Throws unless the tensor has the given rank. */
export function rankIs(where: string, argument: string, t: tf.Tensor, rank: number, meaning?: string): void {
  if (t.rank !== rank) {
    const what = meaning === undefined ? `a rank-${rank} tensor` : `a rank-${rank} tensor ${meaning}`;
    throw new MarginArgumentError(where, argument, what, t);
  }
}

/** Throws unless the tensor has rank >= `min`. */
export function rankAtLeast(where: string, argument: string, t: tf.Tensor, min: number): void {
  if (t.rank < min) {
    throw new MarginArgumentError(where, argument, `a tensor of rank >= ${min}`, t);
  }
}

/** Resolves a possibly negative axis against `rank`, throwing if it is out of range. */
export function resolveAxis(where: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new MarginArgumentError(
      where,
      'axis',
      `an integer in [${-rank}, ${rank - 1}] for a rank-${rank} input`,
      axis,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Throws if an options object carries keys this function does not know (usually a typo). */
export function knownKeys(where: string, argument: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MarginArgumentError(where, argument, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new MarginArgumentError(
        where,
        argument,
        `an object with keys among {${allowed.join(', ')}}`,
        `unknown key '${key}'`,
      );
    }
  }
}

/** The gradient mode of a margin: `'exact'` (the default) or `'straightThrough'`. */
export function gradientArg(where: string, value: unknown): 'exact' | 'straightThrough' {
  const g = value ?? 'exact';
  if (g !== 'exact' && g !== 'straightThrough') {
    throw new MarginArgumentError(where, 'gradient', "'exact' or 'straightThrough'", g);
  }
  return g;
}

/** Throws unless `value` is a number in `(0, 1]`: a sampling fraction or an EMA rate. */
export function unitFraction(where: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new MarginArgumentError(where, argument, 'a number in (0, 1]', value);
  }
  return value;
}
