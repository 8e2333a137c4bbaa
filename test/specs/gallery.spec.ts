import * as tf from '@tensorflow/tfjs';
import { gallery } from 'tfjs-margin';
import { assert } from '../harness/assert';
import { spec } from '../harness/registry';

/** A seeded uniform generator in [-1, 1). */
function generator(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

/** Brute-force float64 top-k identities by cosine (the reference). */
function bruteForce(rows: number[][], names: string[], query: number[], k: number) {
  const unit = (v: number[]) => {
    const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    return v.map((x) => x / n);
  };
  const q = unit(query);
  const best = new Map<string, number>();
  rows.forEach((r, i) => {
    const s = unit(r).reduce((a, x, j) => a + x * q[j]!, 0);
    if (!best.has(names[i]!) || s > best.get(names[i]!)!) best.set(names[i]!, s);
  });
  return [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
}

spec('gallery', 'search is exact against a float64 brute force (300 entries, 40 identities, top 5)', async (ctx) => {
  const rand = generator(5);
  const dim = 16;
  const rows = Array.from({ length: 300 }, () => Array.from({ length: dim }, rand));
  const names = rows.map((_, i) => `id${(i * 7) % 40}`);
  const queries = Array.from({ length: 25 }, () => Array.from({ length: dim }, rand));
  const g = gallery.create({ dim });
  try {
    for (const id of new Set(names))
      await g.add(
        id,
        rows.filter((_, i) => names[i] === id),
      );
    assert(g.size === 300 && g.identities().length === 40, `size ${g.size}, identities ${g.identities().length}`);
    const qt = tf.tensor2d(queries);
    const found = await g.search(qt, { k: 5 });
    qt.dispose();
    const tol = ctx.halfPrecision ? 2e-2 : ctx.backend === 'webgl' || ctx.backend === 'webgpu' ? 1e-4 : 1e-5;
    queries.forEach((q, r) => {
      const ref = bruteForce(rows, names, q, 5);
      found[r]!.forEach((m, j) => {
        assert(
          Math.abs(m.score - ref[j]![1]) <= tol,
          `query ${r} rank ${j}: score ${m.score}, reference ${ref[j]![1]}`,
        );
        // Names must agree unless the reference itself has a near tie at this rank.
        const tie = ref.some(([name, s], i) => i !== j && Math.abs(s - ref[j]![1]) <= 2 * tol && name === m.name);
        assert(m.name === ref[j]![0] || tie, `query ${r} rank ${j}: ${m.name}, reference ${ref[j]![0]}`);
      });
    });
  } finally {
    g.dispose();
  }
});

spec('gallery', 'remove, match with a calibrated threshold, JSON round trip, no tensor left', async () => {
  const g = gallery.create({ dim: 3 });
  await g.add('alice', [
    [1, 0, 0],
    [0.9, 0.1, 0],
  ]);
  await g.add('bob', [[0, 1, 0]]);
  await g.add('carol', [[0, 0, 1]]);
  // Same-identity pairs score 0.95-0.99, different ones 0-0.3: the threshold separates them.
  const threshold = g.calibrate({ scores: [0.99, 0.95, 0.3, 0.1, 0], isSame: [1, 1, 0, 0, 0], far: 0 });
  assert(threshold === 0.95, `threshold ${threshold}`);
  const decisions = await g.match([
    [0.98, 0.05, 0],
    [0.5, 0.5, 0.5],
  ]);
  assert(decisions[0]!.name === 'alice' && decisions[1]!.name === null, JSON.stringify(decisions));
  assert(decisions[1]!.nearest.length > 0, 'the nearest identity is still reported');
  assert(g.remove('bob') === 1 && !g.identities().includes('bob'), 'remove');
  const copy = gallery.fromJSON(JSON.parse(JSON.stringify(g.toJSON())));
  const a = await g.search([[0, 0.2, 1]], { k: 2 });
  const b = await copy.search([[0, 0.2, 1]], { k: 2 });
  assert(JSON.stringify(a) === JSON.stringify(b) && copy.threshold === 0.95, 'JSON round trip');
  assert(g.calibrate({ scores: [0.9, 0.8, 0.7, 0.6], isSame: [1, 0, 1, 0], precision: 0.6 }) === 0.7, 'precision');
  g.dispose();
  copy.dispose();
});

spec('gallery', 'bad input: dimension, NaN, zero row, empty gallery, unknown name, bad JSON', async () => {
  const g = gallery.create({ dim: 2 });
  const expectError = async (what: string, pattern: RegExp, f: () => unknown) => {
    let message = '';
    try {
      await f();
    } catch (e) {
      message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    assert(/^MarginArgumentError/.test(message) && pattern.test(message), `${what}: ${message || 'nothing thrown'}`);
  };
  await expectError('empty search', /gallery\.search.*empty gallery/, () => g.search([[1, 0]]));
  const wide = tf.zeros([1, 3]);
  await expectError('dimension', /gallery\.add: argument 'embeddings'.*\[n, 2\]/, () => g.add('a', wide));
  wide.dispose();
  await expectError('NaN', /finite values.*NaN at \[0, 1\]/, () => g.add('a', [[1, NaN]]));
  await expectError('zero', /nonzero rows.*zero vector at row 1/, () =>
    g.add('a', [
      [1, 0],
      [0, 0],
    ]),
  );
  await expectError('name', /argument 'name' must be a non-empty string/, () => g.add('', [[1, 0]]));
  await g.add('a', [[1, 0]]);
  await expectError('unknown name', /gallery\.remove: argument 'name'.*"zed"/, () => g.remove('zed'));
  await expectError('query width', /gallery\.search: argument 'queries'.*rows of length 2/, () =>
    g.search([[1, 0, 0]]),
  );
  await expectError('no threshold', /gallery\.match: argument 'threshold'/, () => g.match([[1, 0]]));
  await expectError('bad JSON', /gallery\.fromJSON: argument 'embeddings'/, () =>
    gallery.fromJSON({ ...g.toJSON(), embeddings: [1] }),
  );
  assert(g.size === 1, `failed adds left entries: ${g.size}`);
  g.dispose();
});
