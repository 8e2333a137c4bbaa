import { MarginArgumentError } from '../internal/errors';

/**
 * A seeded uniform generator on `[0, 1)` (mulberry32, a 32-bit counter-based mixer): the same seed
 * gives the same stream on every platform, so samplers, splits and augmentation repeat exactly.
 * Not cryptographic. The sampler uses it; the examples and tests draw from it too.
 *
 * @param seed Any finite number; its low 32 bits are the state.
 * @returns A function returning the next value of the stream.
 *
 * @example
 * ```ts
 * const next = data.seededRandom(42);
 * const draws = [next(), next(), next()]; // the same three numbers on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new MarginArgumentError('data.seededRandom', 'seed', 'a finite number', seed);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
