import { seededRandom } from '../../src/data/seededRandom';

/** The package's seeded generator, so every backend sees the same test data. */
export const rng = seededRandom;

/** `n` uniform values in `[lo, hi)` from a seeded stream. */
export function uniform(seed: number, n: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** `n` integer labels in `[0, classes)`. */
export function randomLabels(seed: number, n: number, classes: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * classes));
}
