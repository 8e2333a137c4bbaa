import * as tf from '@tensorflow/tfjs';
import { losses, ops } from 'tfjs-margin';
import { setTensorflowFastPath, tensorflowFastPathActive } from '../../src/internal/eagerBackend';
import { assert, expectClose, expectThrows } from '../harness/assert';
import { randomLabels, uniform } from '../harness/random';
import { spec } from '../harness/registry';

/** Value and both gradients of a random projection of ArcFace's loss, with the fast path on or off. */
function arcFaceStep(fast: boolean, x: tf.Tensor2D, w: tf.Tensor2D, labels: tf.Tensor1D, rows: boolean): tf.Tensor[] {
  setTensorflowFastPath(fast);
  try {
    return tf.tidy(() => {
      const c = rows ? w.shape[0] : w.shape[1];
      const options = {
        margin: ops.margins.additiveAngularMargin(0.5),
        scale: 32,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact' as const,
        kernelLayout: rows ? ('rows' as const) : ('columns' as const),
      };
      const targets = tf.oneHot(labels, c).toFloat();
      const f = (a: tf.Tensor, k: tf.Tensor) =>
        tf.sum(
          losses.softmaxCrossEntropy(
            targets,
            ops.marginLogits(a as tf.Tensor2D, k as tf.Tensor2D, labels, null, options),
          ),
        );
      const [dx, dw] = tf.grads(f)([x, w]);
      return [f(x, w), dx!, dw!];
    });
  } finally {
    setTensorflowFastPath(true);
  }
}

/** Runs `f` counting the TensorFlow ops the fast path executes by name (tensorflow only). */
function countingEagerOps<T>(backendName: string, f: () => T): [T, Map<string, number>] {
  const counts = new Map<string, number>();
  if (backendName !== 'tensorflow') return [f(), counts];
  const backend = tf.backend() as unknown as Record<string, (name: string, ...rest: unknown[]) => unknown>;
  const originals = ['executeSingleOutput', 'executeMultipleOutputs'].map((key) => [key, backend[key]!] as const);
  for (const [key, original] of originals) {
    backend[key] = function (this: unknown, name: string, ...rest: unknown[]) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return original.call(this, name, ...rest);
    };
  }
  try {
    return [f(), counts];
  } finally {
    for (const [key, original] of originals) backend[key] = original;
  }
}

spec(
  'fastPath',
  "tensorflow's one-pass center norms (EuclideanNorm) and fused log-softmax give the generic path's logits and gradients, and are used",
  async (ctx) => {
    // Fails loudly if tfjs-node's eager ops stop being detected (the fast path would silently go).
    assert(
      tensorflowFastPathActive() === (ctx.backend === 'tensorflow'),
      `fast path active: ${tensorflowFastPathActive()} on ${ctx.backend}`,
    );
    const n = 5;
    const d = 6;
    const c = 7;
    const x = tf.tensor2d(uniform(81, n * d, -2, 2), [n, d]);
    const labels = tf.tensor1d(randomLabels(82, n, c), 'int32');
    for (const rows of [false, true]) {
      const w = tf.tensor2d(uniform(rows ? 84 : 83, d * c, -1, 1), rows ? [c, d] : [d, c]);
      const generic = arcFaceStep(false, x, w, labels, rows);
      const [fast, counts] = countingEagerOps(ctx.backend, () => arcFaceStep(true, x, w, labels, rows));
      if (ctx.backend === 'tensorflow') {
        for (const op of ['EuclideanNorm', 'LogSoftmax']) {
          assert((counts.get(op) ?? 0) > 0, `${rows ? 'rows' : 'columns'}: ${op} never ran`);
        }
      }
      const tol = { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 };
      const gtol = { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol };
      const layout = rows ? 'rows' : 'columns';
      await expectClose(fast[0]!, generic[0]!, tol, `${layout}: loss`);
      await expectClose(fast[1]!, generic[1]!, gtol, `${layout}: d/dx`);
      await expectClose(fast[2]!, generic[2]!, gtol, `${layout}: d/dW`);
      tf.dispose([w, ...generic, ...fast]);
    }
    tf.dispose([x, labels]);
  },
);

spec(
  'fastPath',
  "tensorflow's fused sparse cross-entropy gives the generic path's loss and gradient, and is used",
  async (ctx) => {
    const n = 6;
    const c = 9;
    const logits = tf.tensor2d(uniform(85, n * c, -30, 30), [n, c]);
    const labels = tf.tensor1d(randomLabels(86, n, c), 'int32');
    const weights = tf.tensor1d(uniform(87, n, 0.5, 2));
    const run = (fast: boolean): tf.Tensor[] => {
      setTensorflowFastPath(fast);
      try {
        const f = (z: tf.Tensor) => tf.sum(tf.mul(losses.sparseSoftmaxCrossEntropy(labels, z), weights));
        return tf.tidy(() => [losses.sparseSoftmaxCrossEntropy(labels, logits), tf.grad(f)(logits)]);
      } finally {
        setTensorflowFastPath(true);
      }
    };
    const generic = run(false);
    const [fast, counts] = countingEagerOps(ctx.backend, () => run(true));
    if (ctx.backend === 'tensorflow') {
      assert(
        counts.get('SparseSoftmaxCrossEntropyWithLogits') === 2,
        `SparseSoftmaxCrossEntropyWithLogits ran ${counts.get('SparseSoftmaxCrossEntropyWithLogits') ?? 0} times, not 2`,
      );
    }
    await expectClose(fast[0]!, generic[0]!, { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 }, 'loss');
    await expectClose(fast[1]!, generic[1]!, { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol }, 'd/dlogits');
    if (ctx.backend === 'tensorflow') {
      // The fused kernel rejects an out-of-range label even when the check is off: as the check would.
      const outOfRange = tf.tensor1d([0, c, 1, 2, 3, 4], 'int32');
      expectThrows(
        () => losses.sparseSoftmaxCrossEntropy(outOfRange, logits, { checkLabels: false }),
        /losses\.sparseSoftmaxCrossEntropy: argument 'labels' must be class indices in \[0, 9\), but received 9/,
      );
      outOfRange.dispose();
    }
    tf.dispose([logits, labels, weights, ...generic, ...fast]);
  },
);

spec(
  'fastPath',
  'a loss computes the gradient of its targets only when the backward pass reaches them',
  async (ctx) => {
    const t = tf.tensor2d([0.2, 0.8, 0, 1, 0, 0], [2, 3]);
    const x = tf.tensor2d([1, -2, 0.5, 3, 0, -1], [2, 3]);
    const loss = (targets: tf.Tensor, logits: tf.Tensor) => tf.sum(losses.softmaxCrossEntropy(targets, logits));
    // Only the logits: the targets' gradient (an [N, C] product) must not run. (tf.profile returns
    // the same object every call: count before profiling again.)
    const products = async (f: () => void) => (await tf.profile(f)).kernels.filter((k) => k.name === 'Multiply').length;
    const logitsOnly = await products(() => tf.dispose(tf.grad((z: tf.Tensor) => loss(t, z))(x)));
    const both = await products(() => tf.dispose(tf.grads((a: tf.Tensor, z: tf.Tensor) => loss(a, z))([t, x])));
    assert(both > logitsOnly, `${ctx.backend}: the targets' gradient ran although only the logits were differentiated`);
    // And when asked for, it is −log softmax(x), per element.
    const [dt] = tf.grads((a: tf.Tensor) => loss(a, x))([t]);
    const expected = tf.tidy(() => tf.neg(ops.logSoftmax(x)));
    await expectClose(dt!, expected, { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 }, 'd/dtargets');
    tf.dispose([t, x, dt!, expected]);
  },
);

/**
 * `[D, C·K]` → `[D, C]`: the sum of each class's sub-center columns. Which of two tied sub-centers
 * takes a sample's gradient depends on the last bit of their cosines, and that bit depends on where a
 * column falls in a vectorised kernel (a SIMD lane or the remainder loop, the transposed or the plain
 * layout): it may differ between the fast and the generic path on one machine and not on another.
 * The class's total is defined either way, as tied centers are equal.
 */
function perClassSum(dw: tf.Tensor, classes: number, k: number): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.reshape(dw, [dw.shape[0]!, classes, k]), 2));
}

/** For every class, how many of its `K` columns of `dW` have any nonzero entry. */
async function routedCenters(dw: tf.Tensor, classes: number, k: number): Promise<number[]> {
  const nonzero = tf.tidy(() =>
    tf.sum(tf.cast(tf.greater(tf.max(tf.abs(tf.reshape(dw, [-1, classes, k])), 0), 0), 'int32'), 1),
  );
  const counts = Array.from(await nonzero.data());
  nonzero.dispose();
  return counts;
}

spec(
  'fastPath',
  "tensorflow's transposed sub-center routing gives the generic path's logits and gradients, ties included, and is used",
  async (ctx) => {
    const n = 4;
    const d = 5;
    const c = 6;
    const k = 3;
    const random = uniform(90, d * c * k, -1, 1);
    // Every class's sub-centers 0 and 2 equal: each max is reached twice wherever they win, and only
    // one may take the gradient. With random values the matmul may round the two apart.
    const tied = random.map((v, i) => (i % k === 2 ? random[i - 2]! : v));
    // Ties that hold to the last bit on any machine: entries in {−1, 0, 1} with four nonzeros per
    // embedding row and per center column, so |x| = |W_j| = 2, x̂ = ±½, s x̂ = ±8, every product is an
    // integer and every partial sum exact in any order.
    const pattern = (seed: number, rows: number, cols: number, byColumn: boolean): number[] => {
      const out = new Array<number>(rows * cols).fill(0);
      const signs = uniform(seed, rows * cols, -1, 1);
      const lines = byColumn ? cols : rows;
      for (let line = 0; line < lines; line++) {
        const zero = line % d;
        for (let e = 0; e < d; e++) {
          if (e === zero) continue;
          const i = byColumn ? e * cols + line : line * cols + e;
          out[i] = signs[i]! < 0 ? -1 : 1;
        }
      }
      return out;
    };
    const exactCenters = pattern(97, d, c * k, true);
    const exactTied = exactCenters.map((v, i) => ((i % (c * k)) % k === 2 ? exactCenters[i - 2]! : v));
    const options = {
      margin: ops.margins.additiveAngularMargin(0.5),
      scale: 16,
      normalizeInputs: true,
      normalizeWeights: true,
      subCenters: k,
      gradient: 'exact' as const,
    };
    const cases = [
      { name: 'distinct', x: uniform(88, n * d, -2, 2), w: random, ties: false, exactTies: false },
      { name: 'tied', x: uniform(88, n * d, -2, 2), w: tied, ties: true, exactTies: false },
      { name: 'exactly tied', x: pattern(98, n, d, false), w: exactTied, ties: true, exactTies: true },
    ];
    for (const cs of cases) {
      const name = cs.name;
      const x = tf.tensor2d(cs.x, [n, d]);
      const labels = tf.tensor1d(randomLabels(89, n, c), 'int32');
      const w = tf.tensor2d(cs.w, [d, c * k]);
      const weights = tf.tensor2d(uniform(91, n * c, -1, 1), [n, c]);
      const run = (fast: boolean, rows?: number): tf.Tensor[] => {
        setTensorflowFastPath(fast);
        try {
          return tf.tidy(() => {
            const pick = (t: tf.Tensor) => (rows === undefined ? t : tf.slice(t, [rows, 0], [1, -1]));
            const xs = pick(x) as tf.Tensor2D;
            const ls = (rows === undefined ? labels : tf.slice(labels, [rows], [1])) as tf.Tensor1D;
            const ws = pick(weights);
            const f = (a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, ls, null, options), ws));
            const [dx, dw] = tf.grads(f)([xs, w]);
            return [ops.marginLogits(xs, w, ls, null, options), dx!, dw!];
          });
        } finally {
          setTensorflowFastPath(true);
        }
      };
      const generic = run(false);
      let fast: tf.Tensor[] = [];
      const profile = await tf.profile(() => {
        fast = run(true);
      });
      const transposes = profile.kernels.filter((kernel) => kernel.name === 'Transpose').length;
      if (ctx.backend === 'tensorflow') {
        // Two forward passes (value, gradient) each try the transposed route; without ties the backward
        // transposes back too, with ties both fall back. Rounding may break the random ties apart.
        const expected = cs.exactTies ? [2] : cs.ties ? [2, 3] : [3];
        assert(
          expected.includes(transposes),
          `${name}: ${transposes} Transpose kernels, expected ${expected.join(' or ')}`,
        );
      }
      const tol = { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol };
      await expectClose(fast[0]!, generic[0]!, { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 }, `${name}: logits`);
      await expectClose(fast[1]!, generic[1]!, tol, `${name}: d/dx`);
      if (cs.ties) {
        const [fastSum, genericSum] = [perClassSum(fast[2]!, c, k), perClassSum(generic[2]!, c, k)];
        await expectClose(fastSum, genericSum, tol, `${name}: d/dW summed over each class's sub-centers`);
        tf.dispose([fastSum, genericSum]);
        // Each sample's gradient goes to exactly one sub-center of each class, on both paths (the
        // weights on the logits are nonzero, so no class has none).
        for (let row = 0; row < n; row++) {
          for (const fastPath of [false, true]) {
            const one = run(fastPath, row);
            const counts = await routedCenters(one[2]!, c, k);
            assert(
              counts.every((count) => count === 1),
              `${name}, sample ${row}, ${fastPath ? 'fast' : 'generic'} path: sub-centers taking the gradient per class ${counts.join(',')}, expected 1 each`,
            );
            tf.dispose(one);
          }
        }
      } else {
        await expectClose(fast[2]!, generic[2]!, tol, `${name}: d/dW`);
      }
      tf.dispose([x, labels, w, weights, ...generic, ...fast]);
    }
  },
);

spec(
  'fastPath',
  "tensorflow's one-pass row norms give l2Normalize's generic values and gradients, huge and zero rows included",
  async (ctx) => {
    const d = 6;
    const rows = [
      uniform(92, d, -3, 3),
      new Array<number>(d).fill(0),
      uniform(93, d, -1e-7, 1e-7),
      uniform(94, d, -1, 1).map((v) => v * 1e30),
    ];
    for (const [name, picked] of [
      ['ordinary, zero and tiny rows', rows.slice(0, 3)],
      ['with a row whose squares overflow', rows],
    ] as const) {
      const x = tf.tensor2d(picked.flat(), [picked.length, d]);
      const r = tf.tensor2d(uniform(95, picked.length * d, -1, 1), [picked.length, d]);
      const run = (fast: boolean): tf.Tensor[] => {
        setTensorflowFastPath(fast);
        try {
          return tf.tidy(() => [
            ops.l2Normalize(x),
            tf.grad((a: tf.Tensor) => tf.sum(tf.mul(ops.l2Normalize(a), r)))(x),
          ]);
        } finally {
          setTensorflowFastPath(true);
        }
      };
      const generic = run(false);
      const [fast, counts] = countingEagerOps(ctx.backend, () => run(true));
      if (ctx.backend === 'tensorflow')
        assert((counts.get('EuclideanNorm') ?? 0) > 0, `${name}: EuclideanNorm never ran`);
      await expectClose(fast[0]!, generic[0]!, { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 }, `${name}: value`);
      await expectClose(fast[1]!, generic[1]!, { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol }, `${name}: gradient`);
      tf.dispose([x, r, ...generic, ...fast]);
    }
  },
);

spec('fastPath', 'ops.marginLogits computes only the gradients the backward pass asks for', async (ctx) => {
  const n = 4;
  const d = 5;
  const c = 6;
  const x = tf.tensor2d(uniform(96, n * d, -2, 2), [n, d]);
  const w = tf.tensor2d(uniform(97, d * c, -1, 1), [d, c]);
  const labels = tf.tensor1d(randomLabels(98, n, c), 'int32');
  const r = tf.tensor2d(uniform(99, n * c, -1, 1), [n, c]);
  const options = {
    margin: ops.margins.additiveAngularMargin(0.5),
    scale: 16,
    normalizeInputs: true,
    normalizeWeights: true,
    subCenters: 1,
    gradient: 'exact' as const,
  };
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, labels, null, options), r));
  // tf.profile returns the same object every call: count before profiling again.
  const matmuls = async (run: () => tf.Tensor[]) => {
    let grads: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      grads = run();
    });
    return { count: profile.kernels.filter((k) => k.name === 'BatchMatMul').length, grads };
  };
  const both = await matmuls(() => tf.grads(f)([x, w]));
  const onlyX = await matmuls(() => [tf.grad((a: tf.Tensor) => f(a, w))(x)]);
  const onlyW = await matmuls(() => [tf.grad((b: tf.Tensor) => f(x, b))(w)]);
  // One forward product, and one backward product per gradient asked for.
  assert(both.count === 3, `both gradients: ${both.count} matmuls, expected 3`);
  assert(onlyX.count === 2, `∂/∂x only: ${onlyX.count} matmuls, expected 2`);
  assert(onlyW.count === 2, `∂/∂W only: ${onlyW.count} matmuls, expected 2`);
  const tol = { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 10 };
  await expectClose(onlyX.grads[0]!, both.grads[0]!, tol, 'd/dx alone');
  await expectClose(onlyW.grads[0]!, both.grads[1]!, tol, 'd/dW alone');
  tf.dispose([x, w, labels, r, ...both.grads, ...onlyX.grads, ...onlyW.grads]);
});
