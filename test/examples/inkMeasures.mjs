// Measures of ink images shared by the example probes.

/** Soft intersection over union of two ink images (1 = ink): Σ min / Σ max. */
export function softIou(a, b) {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += Math.min(a[i], b[i]);
    union += Math.max(a[i], b[i]);
  }
  return inter / union;
}
