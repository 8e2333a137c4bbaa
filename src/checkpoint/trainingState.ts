import { MarginArgumentError } from '../internal/errors';

/** A JSON value: what a training state is made of (numbers, strings, booleans, null, arrays, objects). */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Something whose position in training a checkpoint saves and a resume restores: a schedule's step,
 * a margin warm-up, a seeded random stream, a data cursor of your own. `getTrainingState` returns a
 * JSON value (copied into the checkpoint); `setTrainingState` takes one back and must leave the object
 * exactly where it was when the value was taken, so the resumed run continues bit for bit.
 */
export interface TrainingState {
  /** The current position, as a JSON value the checkpoint copies. */
  getTrainingState(): JsonValue;
  /** Moves back to a position read by `getTrainingState` (from an object built with the same arguments). */
  setTrainingState(state: JsonValue): void;
}

/** Whether `value` implements {@link TrainingState}.
 *
 * @example
 * ```ts
 * checkpoint.hasTrainingState(data.seededRandom(1)); // true
 * checkpoint.hasTrainingState({}); // false
 * ```
 */
export function hasTrainingState(value: unknown): value is TrainingState {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const candidate = value as Partial<TrainingState>;
  return typeof candidate.getTrainingState === 'function' && typeof candidate.setTrainingState === 'function';
}

/** Reads a state object's field as a number, with an error naming the owner when it is missing. */
export function stateNumber(where: string, state: JsonValue, key: string): number {
  const value = typeof state === 'object' && state !== null && !Array.isArray(state) ? state[key] : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MarginArgumentError(
      where,
      'state',
      `an object with a finite number '${key}' (from getTrainingState)`,
      state,
    );
  }
  return value;
}
