import type { JsonValue } from '../checkpoint/trainingState';
import { stateNumber } from '../checkpoint/trainingState';
import { MarginArgumentError } from '../internal/errors';

/**
 * A seeded uniform stream on `[0, 1)`: call it for the next value. Its position is a 32-bit state
 * that `getTrainingState` reads and `setTrainingState` restores, so a checkpoint can carry it and a
 * resumed run draws exactly the numbers the uninterrupted one would have drawn.
 */
export interface SeededRandom {
  (): number;
  /** The stream's position (`{ state }`, a 32-bit unsigned integer). */
  getTrainingState(): JsonValue;
  /** Moves the stream to a position read by `getTrainingState`. */
  setTrainingState(state: JsonValue): void;
}

/**
 * A seeded uniform generator on `[0, 1)` (mulberry32, a 32-bit counter-based mixer): the same seed
 * gives the same stream on every platform, so samplers, splits and augmentation repeat exactly.
 * Not cryptographic. The sampler uses it; the examples and tests draw from it too. Register it with
 * `callbacks.checkpoint({ state: { … } })` and a resumed run continues the stream where it was.
 *
 * @param seed Any finite number; its low 32 bits are the state.
 * @returns A function returning the next value of the stream, with its position readable and settable.
 *
 * @example
 * ```ts
 * const next = data.seededRandom(42);
 * const draws = [next(), next(), next()]; // the same three numbers on every run
 * const position = next.getTrainingState();
 * const a = next();
 * next.setTrainingState(position);
 * const b = next(); // b === a
 * ```
 */
export function seededRandom(seed: number): SeededRandom {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new MarginArgumentError('data.seededRandom', 'seed', 'a finite number', seed);
  }
  let state = seed >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  next.getTrainingState = () => ({ state });
  next.setTrainingState = (saved: JsonValue) => {
    const value = stateNumber('data.seededRandom.setTrainingState', saved, 'state');
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new MarginArgumentError(
        'data.seededRandom.setTrainingState',
        'state',
        'a 32-bit unsigned integer state',
        value,
      );
    }
    state = value;
  };
  return next;
}
