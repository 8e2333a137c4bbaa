/** Seeded PRNG (mulberry32) so every backend sees the same test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
