import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { losses, ops } from 'tfjs-margin';
import { assert, expectAllFinite, expectClose } from '../harness/assert';
import { spec, type SpecContext } from '../harness/registry';
import { adaScaler64, frozenWeights, type HeadConfig, headLogits64 } from '../reference/heads';
import { finiteDifferences, l2Normalize64, logSoftmax64, probe, reshape, softmax64 } from '../reference/numerics';
import { HEAD_CASES } from './headCases';

/**
 * Property-based tests (fast-check): random shapes (every dimension may be 1), values over many
 * orders of magnitude, duplicate and extreme labels, zero and near-parallel vectors. Every op, loss
 * and head stays finite and matches its float64 reference within a bound derived from the backend's
 * precision; gradients too. The seed is fixed, so a failure reproduces; fast-check prints the
 * counterexample and the path to replay it.
 */
export const PROPERTY_SEED = 20261124;

/** Runs per property: Node backends are cheap; browsers compile a shader per new shape. */
function numRuns(ctx: SpecContext): number {
  return ctx.backend === 'cpu' || ctx.backend === 'wasm' || ctx.backend === 'tensorflow' ? 40 : 15;
}

/** Unit roundoff of the backend's storage. */
function unitRoundoff(ctx: SpecContext): number {
  return ctx.halfPrecision ? 2 ** -11 : 2 ** -24;
}

/**
 * Largest magnitude each family is tested at. Max-subtracted softmax handles anything float32 holds;
 * norms square their input, so float32 overflows `Σ x²` beyond ~1e19 (tested to 1e15); half floats
 * hold 65504 (the library pre-scales norms there, tested to 1e4) .
 */
function maxExponent(ctx: SpecContext, family: 'softmax' | 'norm'): number {
  if (ctx.halfPrecision) return family === 'softmax' ? 3 : 4;
  return family === 'softmax' ? 30 : 15;
}

/** Smallest magnitude exponent: half floats go subnormal below 6e-5. */
function minExponent(ctx: SpecContext): number {
  return ctx.halfPrecision ? -3 : -20;
}

/** A matrix of `rows × cols` values in ±[0, 10^e], rounded to float32 (what the backend stores). */
function matrix(rows: number, cols: number, ctx: SpecContext, family: 'softmax' | 'norm'): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.integer({ min: minExponent(ctx), max: maxExponent(ctx, family) }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: rows * cols, maxLength: rows * cols }),
    )
    .map(([e, vs]) => vs.map((v) => Math.fround(v * 10 ** e)));
}

const dims = (max: number) => fc.integer({ min: 1, max });

async function check<T>(ctx: SpecContext, arb: fc.Arbitrary<T>, body: (v: T) => Promise<void>): Promise<void> {
  try {
    await assertProperty(ctx, arb, body);
  } catch (err) {
    // The browser runner reports only `message`: carry the failing assertion along.
    const c = (err as { cause?: unknown }).cause;
    const cause = c instanceof Error ? `\nCause: ${c.message}` : '';
    throw new Error(`${err instanceof Error ? err.message : String(err)}${cause}`);
  }
}

async function assertProperty<T>(ctx: SpecContext, arb: fc.Arbitrary<T>, body: (v: T) => Promise<void>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      tf.engine().startScope();
      try {
        await body(v);
      } finally {
        tf.engine().endScope();
      }
    }),
    { seed: PROPERTY_SEED, numRuns: numRuns(ctx), endOnFailure: true },
  );
}

const rowsOf = (m: number[], cols: number) => reshape(m, m.length / cols, cols);
const maxAbs = (v: number[]) => v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);

spec('properties', 'softmax and logSoftmax: finite and float64-exact at any magnitude and temperature', async (ctx) => {
  const arb = fc.tuple(dims(5), dims(8)).chain(([n, c]) =>
    fc.record({
      n: fc.constant(n),
      c: fc.constant(c),
      x: matrix(n, c, ctx, 'softmax'),
      temperature: fc.constantFrom(1, 0.05, 30),
    }),
  );
  await check(ctx, arb, async ({ n, c, x, temperature }) => {
    const t = tf.tensor2d(x, [n, c]);
    const u = unitRoundoff(ctx);
    // x − max is exact to a few ulps of max|x|/T; exp and log add a few more.
    const slack = 8 * u * (maxAbs(x) / temperature);
    const rows = rowsOf(x, c);
    const p = ops.softmax(t, { temperature });
    await expectAllFinite(p, 'softmax');
    await expectClose(
      p,
      rows.flatMap((r) => softmax64(r, temperature)),
      { rtol: ctx.tol.rtol + slack, atol: ctx.tol.atol },
      'softmax',
    );
    const z = ops.logSoftmax(t, { temperature });
    await expectAllFinite(z, 'logSoftmax');
    await expectClose(
      z,
      rows.flatMap((r) => logSoftmax64(r, temperature)),
      { rtol: ctx.tol.rtol, atol: ctx.tol.atol + slack },
      'logSoftmax',
    );
  });
});

spec(
  'properties',
  'sparse cross-entropy: value and gradient at any magnitude, with duplicate and extreme labels',
  async (ctx) => {
    const arb = fc.tuple(dims(6), dims(7)).chain(([n, c]) =>
      fc.record({
        n: fc.constant(n),
        c: fc.constant(c),
        x: matrix(n, c, ctx, 'softmax'),
        labels: fc.array(fc.oneof(fc.constant(0), fc.constant(c - 1), fc.integer({ min: 0, max: c - 1 })), {
          minLength: n,
          maxLength: n,
        }),
      }),
    );
    await check(ctx, arb, async ({ n, c, x, labels }) => {
      const logits = tf.tensor2d(x, [n, c]);
      const y = tf.tensor1d(labels, 'int32');
      const slack = 8 * unitRoundoff(ctx) * maxAbs(x);
      const rows = rowsOf(x, c);
      const loss = losses.sparseSoftmaxCrossEntropy(y, logits);
      await expectAllFinite(loss, 'loss');
      await expectClose(
        loss,
        rows.map((r, i) => -logSoftmax64(r)[labels[i]!]!),
        { rtol: ctx.tol.rtol, atol: ctx.tol.atol + slack },
        'loss',
      );
      // ∂ mean loss / ∂ logits = (softmax − onehot) / N
      const g = tf.grad((l: tf.Tensor) => tf.mean(losses.sparseSoftmaxCrossEntropy(y, l)))(logits);
      await expectAllFinite(g, 'gradient');
      const expected = rows.flatMap((r, i) => softmax64(r).map((p, j) => (p - (j === labels[i] ? 1 : 0)) / n));
      await expectClose(g, expected, { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol + slack / n }, 'gradient');
    });
  },
);

spec('properties', 'l2Normalize: unit rows, zero rows exactly 0, finite gradients, tiny to huge', async (ctx) => {
  const arb = fc.tuple(dims(5), dims(8)).chain(([n, d]) =>
    fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      x: matrix(n, d, ctx, 'norm'),
      zeroRow: fc.integer({ min: -1, max: n - 1 }),
    }),
  );
  await check(ctx, arb, async ({ n, d, x, zeroRow }) => {
    const v = x.slice();
    if (zeroRow >= 0) v.fill(0, zeroRow * d, zeroRow * d + d);
    const t = tf.tensor2d(v, [n, d]);
    const epsilon = ctx.halfPrecision ? 6.2e-5 : 1e-12;
    const y = ops.l2Normalize(t);
    await expectAllFinite(y, 'value');
    const expected = rowsOf(v, d).flatMap((r) => l2Normalize64(r, epsilon));
    await expectClose(y, expected, { rtol: ctx.tol.rtol * 4, atol: ctx.tol.atol * 4 }, 'value');
    const r = tf.tensor2d(
      v.map((_, i) => Math.sin(i + 1)),
      [n, d],
    );
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(ops.l2Normalize(a), r)))(t);
    await expectAllFinite(g, 'gradient');
    // (r − ŷ (r · ŷ)) / max(|x|, √ε), the analytic float64 gradient.
    const rv = await r.data();
    const expectedGrad = rowsOf(v, d).flatMap((row, i) => {
      const norm = Math.max(Math.hypot(...row), Math.sqrt(epsilon));
      const yr = row.map((a) => a / norm);
      const dot = yr.reduce((s, a, j) => s + a * rv[i * d + j]!, 0);
      return yr.map((a, j) => (rv[i * d + j]! - a * dot) / norm);
    });
    const scaleOf = maxAbs(expectedGrad);
    await expectClose(
      g,
      expectedGrad,
      { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol * Math.max(1, scaleOf) },
      'gradient',
    );
  });
});

spec(
  'properties',
  'cosineSimilarity: near-parallel and opposite rows stay in [−1, 1] and float64-close',
  async (ctx) => {
    const arb = fc.tuple(dims(4), fc.integer({ min: 2, max: 8 })).chain(([n, d]) =>
      fc.record({
        n: fc.constant(n),
        d: fc.constant(d),
        a: matrix(n, d, ctx, 'norm'),
        delta: fc.constantFrom(0, 1e-6, 1e-3, 1),
        sign: fc.constantFrom(1, -1),
      }),
    );
    await check(ctx, arb, async ({ n, d, a, delta, sign }) => {
      const b = a.map((v, i) => Math.fround(sign * v * (1 + delta * Math.sin(3 * i + 1))));
      const cos = ops.cosineSimilarity(tf.tensor2d(a, [n, d]), tf.tensor2d(b, [n, d]));
      const values = Array.from(await cos.data());
      const slack = 4 * d * unitRoundoff(ctx);
      assert(
        values.every((v) => Number.isFinite(v) && Math.abs(v) <= 1 + slack),
        `cosines out of [−1, 1]: ${values.join(', ')}`,
      );
      // Half floats raise the squared-norm epsilon to 6.2e-5: shorter vectors are not scaled to unit length.
      const epsilon = ctx.halfPrecision ? 6.2e-5 : 1e-12;
      const an = rowsOf(a, d).map((r) => l2Normalize64(r, epsilon));
      const bn = rowsOf(b, d).map((r) => l2Normalize64(r, epsilon));
      const expected = an.flatMap((ra) => bn.map((rb) => ra.reduce((s, v, j) => s + v * rb[j]!, 0)));
      await expectClose(values, expected, { rtol: 0, atol: ctx.tol.atol + slack }, 'cosines');
    });
  },
);

for (const hc of HEAD_CASES) {
  const k = hc.cfg.subCenters ?? 1;
  spec('properties', `${hc.name}: logits and gradients over random shapes, labels and zero embeddings`, async (ctx) => {
    const arb = fc.tuple(dims(4), fc.integer({ min: 2, max: 6 }), dims(5)).chain(([n, d, c]) =>
      fc.record({
        n: fc.constant(n),
        d: fc.constant(d),
        c: fc.constant(c),
        x: matrix(n, d, ctx, 'norm'),
        w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d * c * k, maxLength: d * c * k }),
        labels: fc.array(fc.oneof(fc.constant(0), fc.constant(c - 1), fc.integer({ min: 0, max: c - 1 })), {
          minLength: n,
          maxLength: n,
        }),
        zeroRow: fc.integer({ min: -1, max: n - 1 }),
      }),
    );
    await check(ctx, arb, async ({ n, d, c, x, w: wRaw, labels, zeroRow }) => {
      // L-Softmax logits carry |x|: keep them in range of the loss; angular heads see only x̂.
      const scaleDown = hc.cfg.kind === 'lsoftmax' || hc.cfg.kind === 'sphereface' ? 1 / Math.max(1, maxAbs(x)) : 1;
      const xv = x.map((v) => Math.fround(v * scaleDown));
      if (zeroRow >= 0) xv.fill(0, zeroRow * d, zeroRow * d + d);
      const w = wRaw.map((v) => Math.fround(v + (Math.abs(v) < 1e-3 ? 0.5 : 0)));
      const mask = labels.flatMap((y) => Array.from({ length: c }, (_, j) => (j === y ? 1 : 0)));
      const columns = c * k;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor2d(mask, [n, c]), null, hc.op());
      const ref = (xs: number[], ws: number[]) =>
        headLogits64(reshape(xs, n, d), reshape(ws, d, columns), labels, hc.cfg).flat();
      const xt = tf.tensor2d(xv, [n, d]);
      const wt = tf.tensor2d(w, [d, columns]);
      const logits = f(xt, wt);
      await expectAllFinite(logits, 'logits');
      const s = hc.cfg.scale;
      const xn = rowsOf(xv, d).map((row) => l2Normalize64(row));
      const wn = reshape(w, d, columns);
      const colNorm = Array.from({ length: columns }, (_, j) => Math.hypot(...wn.map((row) => row[j]!)));
      const cosOf = (i: number, j: number) => xn[i]!.reduce((acc, v, q) => acc + (v * wn[q]![j]!) / colNorm[j]!, 0);
      const targetCos = (i: number) => Math.max(...Array.from({ length: k }, (_, q) => cosOf(i, labels[i]! * k + q)));
      // Rows whose target cosine sits within rounding of a jump of ψ (easyMargin at cos θ = 0,
      // ArcFace's fallback at θ = π − m) may land on either side: their values are not compared.
      const jumps = marginJumps(hc.cfg);
      const delta = ctx.halfPrecision ? 2e-3 : 1e-5;
      // CurricularFace: a non-target cosine within rounding of its threshold cos(θ_y + m) may land on
      // either side of the hard-negative switch.
      const nearHardSwitch = (i: number) =>
        hc.cfg.kind === 'curricularface' &&
        Array.from({ length: c }, (_, j) => j).some(
          (j) =>
            j !== labels[i] &&
            Math.abs(cosOf(i, j) - Math.cos(Math.acos(Math.min(1, targetCos(i))) + (hc.cfg.margin ?? 0))) <= delta,
        );
      const compared = Array.from({ length: n }, (_, i) => i).filter(
        (i) => jumps.every((jc) => Math.abs(targetCos(i) - jc) > delta) && !nearHardSwitch(i),
      );
      const actualLogits = Array.from(await logits.data());
      const expectedLogits = ref(xv, w);
      const pick = (v: number[]) => compared.flatMap((i) => v.slice(i * c, i * c + c));
      await expectClose(
        pick(actualLogits),
        pick(expectedLogits),
        { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 20 * s * Math.max(1, hc.cfg.margin ?? 1) },
        'logits',
      );
      const r = Array.from({ length: n * c }, (_, i) => Math.cos(2 * i + 1));
      const rt = tf.tensor1d(r);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(a, b), [-1]), rt)))([
        xt,
        wt,
      ]);
      await expectAllFinite(gx!, 'gradient of x');
      await expectAllFinite(gw!, 'gradient of kernel');
      // Exact gradients are compared where they are well conditioned: away from the zero vector and
      // from cos θ_y → ±1 (ArcFace's ψ' has 1/sin θ) and, for sub-centers, from near-ties in the max.
      let wellConditioned = zeroRow < 0 && xv.some((v) => v !== 0);
      for (let i = 0; i < n && wellConditioned; i++) {
        for (let cls = 0; cls < c; cls++) {
          const cs = Array.from({ length: k }, (_, q) => cosOf(i, cls * k + q)).sort((a, b) => b - a);
          if (Math.abs(cs[0]!) > 0.98 || (k > 1 && cs[0]! - cs[1]! < 1e-3)) wellConditioned = false;
        }
        if (Math.hypot(...xv.slice(i * d, i * d + d)) < 1e-3) wellConditioned = false;
      }
      // AdaFace's norms are not differentiated through (the reference detaches them); float64 finite
      // differences see them wherever ĝ is not saturated, so compare only where it is.
      if (hc.cfg.kind === 'adaface') {
        for (let i = 0; i < n; i++) {
          if (Math.abs(adaScaler64(hc.cfg, Math.hypot(...xv.slice(i * d, i * d + d)))) < 1) wellConditioned = false;
        }
      }
      if (!wellConditioned || compared.length < n || ctx.halfPrecision) return;
      const frozen = frozenWeights(hc.cfg, reshape(xv, n, d), reshape(w, d, columns));
      const ref0 = (xs: number[], ws: number[]) =>
        headLogits64(reshape(xs, n, d), reshape(ws, d, columns), labels, frozen).flat();
      const fdX = finiteDifferences((v) => probe(ref0(v, w), r), xv);
      const fdW = finiteDifferences((v) => probe(ref0(xv, v), r), w);
      const gtol = { rtol: ctx.tol.gradRtol * 5, atol: ctx.tol.gradAtol * 10 * s };
      await expectClose(gx!, fdX, { ...gtol, atol: gtol.atol * Math.max(1, maxAbs(fdX)) }, 'gradient of x vs FD');
      await expectClose(gw!, fdW, { ...gtol, atol: gtol.atol * Math.max(1, maxAbs(fdW)) }, 'gradient of kernel vs FD');
    });
  });
}

/** Target cosines where a head's ψ jumps (discontinuities of the papers' definitions). */
function marginJumps(cfg: HeadConfig): number[] {
  const jumps: number[] = [];
  if (cfg.easyMargin === true) jumps.push(0);
  if (cfg.kind === 'arcface' || cfg.kind === 'subcenter' || cfg.kind === 'curricularface')
    jumps.push(Math.cos(Math.PI - (cfg.margin ?? 0)));
  if (cfg.kind === 'combined') jumps.push(Math.cos((Math.PI - (cfg.m2 ?? 0)) / (cfg.m1 ?? 1)));
  return jumps;
}
