import { ClassSampler } from '../../src/layers/centers/classSampler';

/** Checks one sample: S sorted distinct ids in [0, C), every label among them, each label's position right. */
function checkSample(c: number, labels: number[], s: number, sampler: ClassSampler): Int32Array {
  const { indices, local } = sampler.sample(labels, s);
  expect(indices.length).toBe(s);
  for (let i = 0; i < indices.length; i++) {
    expect(indices[i]).toBeGreaterThanOrEqual(0);
    expect(indices[i]).toBeLessThan(c);
    if (i > 0) expect(indices[i]).toBeGreaterThan(indices[i - 1]!);
  }
  labels.forEach((label, i) => expect(indices[local[i]!]).toBe(label));
  return indices;
}

describe('ClassSampler (Partial FC, host)', () => {
  it('draws S sorted distinct classes containing every label, in both regimes (S ≤ C/2 and above)', () => {
    const sampler = new ClassSampler(50, 1);
    for (const s of [5, 12, 25, 26, 40, 49, 50]) {
      for (let rep = 0; rep < 20; rep++) checkSample(50, [3, 3, 49, 0, 17], s, sampler);
    }
  });

  it('repeats under a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from(new ClassSampler(1000, seed).sample([1, 2, 3], 100).indices);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('picks the non-batch classes uniformly (chi-square over 4,000 draws, both regimes)', () => {
    const c = 40;
    const labels = [0, 1];
    for (const s of [10, 30]) {
      const sampler = new ClassSampler(c, 11);
      const counts = new Array<number>(c).fill(0);
      const draws = 4000;
      for (let k = 0; k < draws; k++) for (const i of sampler.sample(labels, s).indices) counts[i]!++;
      expect(counts[0]).toBe(draws);
      expect(counts[1]).toBe(draws);
      const expected = (draws * (s - labels.length)) / (c - labels.length);
      const chi2 = counts.slice(2).reduce((a, n) => a + (n - expected) ** 2 / expected, 0);
      // 37 degrees of freedom (ignoring the fixed-size dependence, which only lowers it): p = 0.001 at 69.3.
      expect(chi2).toBeLessThan(69.3);
    }
  });

  it('costs O(S), not O(C), per draw at S ≪ C', () => {
    const sampler = new ClassSampler(50_000_000, 3);
    checkSample(50_000_000, [7, 49_999_999], 1000, sampler);
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) sampler.sample([7, 49_999_999], 1000);
    // 200 scans of 50M classes would take seconds; 200 draws of 1,000 take milliseconds.
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
