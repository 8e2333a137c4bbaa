import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { knownKeys, nonNegativeNumber } from '../internal/validate';

/**
 * λ annealing of L-Softmax / SphereFace: `λ = max(min, base · (1 + gamma · t)^(−power))`, where `t`
 * counts training forward calls. The original SphereFace recipe is
 * `{base: 1000, gamma: 0.12, power: 1, min: 5}` (Liu et al. 2017, and its Caffe "margin_inner_product").
 */
export interface LambdaSchedule {
  base: number;
  gamma: number;
  power: number;
  min: number;
}

export function parseLambda(where: string, value: unknown): LambdaSchedule | null {
  if (value === undefined || value === null) return null;
  knownKeys(where, 'lambda', value, ['base', 'gamma', 'power', 'min']);
  const v = value as Partial<LambdaSchedule>;
  for (const key of ['base', 'gamma', 'power', 'min'] as const) {
    if (v[key] === undefined) {
      throw new MarginArgumentError(
        where,
        `lambda.${key}`,
        'a finite number >= 0 ({base, gamma, power, min} all given)',
        undefined,
      );
    }
  }
  return {
    base: nonNegativeNumber(where, 'lambda.base', v.base),
    gamma: nonNegativeNumber(where, 'lambda.gamma', v.gamma),
    power: nonNegativeNumber(where, 'lambda.power', v.power),
    min: nonNegativeNumber(where, 'lambda.min', v.min),
  };
}

/** λ for iteration count `t` (a scalar tensor), computed on the device: no sync. */
export function lambdaAt(schedule: LambdaSchedule, t: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.maximum(tf.mul(tf.pow(tf.add(tf.mul(t, schedule.gamma), 1), -schedule.power), schedule.base), schedule.min),
  ) as tf.Scalar;
}

/** λ for iteration `t` in plain numbers (for logs and tests). */
export function lambdaValue(schedule: LambdaSchedule, t: number): number {
  return Math.max(schedule.min, schedule.base * Math.pow(1 + schedule.gamma * t, -schedule.power));
}
