import * as tfl from '@tensorflow/tfjs-layers';
import type { LossFunction } from '../internal/types';

const LABEL_LOSS = Symbol.for('tfjs-margin.labelLoss');

interface TargetChecks {
  feedOutputShapes: Array<Array<number | null>>;
  feedLossFns: unknown[];
  standardizeUserDataXY: (...args: unknown[]) => unknown;
}

let installed = false;

/** Whether `fn` is a loss that takes integer labels `[N]`/`[N, 1]` for an output of any width. */
export function isLabelLoss(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[LABEL_LOSS] === true;
}

/**
 * Marks a compile-ready loss as taking integer labels as its targets, whatever the width of the
 * model's output, and lets `model.fit` / `model.evaluate` accept them. tfjs-layers checks that the
 * targets have the output's shape, and exempts only its own `sparseCategoricalCrossentropy`
 * (targets `[N, 1]`); the first marked loss wraps that check so that outputs compiled with a marked
 * loss are checked against `[N, 1]` too (`[N]` is expanded to it by tfjs). Other losses are untouched.
 */
export function labelLoss(fn: LossFunction): LossFunction {
  Object.defineProperty(fn, LABEL_LOSS, { value: true });
  if (!installed) {
    installed = true;
    const proto = tfl.LayersModel.prototype as unknown as TargetChecks;
    const original = proto.standardizeUserDataXY;
    proto.standardizeUserDataXY = function (this: TargetChecks, ...args: unknown[]) {
      const fns = this.feedLossFns;
      if (!Array.isArray(fns) || !fns.some(isLabelLoss)) return original.apply(this, args);
      const shapes = this.feedOutputShapes;
      this.feedOutputShapes = shapes.map((s, i) => (isLabelLoss(fns[i]) ? [s[0] ?? null, 1] : s));
      try {
        return original.apply(this, args);
      } finally {
        this.feedOutputShapes = shapes;
      }
    };
  }
  return fn;
}
