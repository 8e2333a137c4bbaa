import * as tf from '@tensorflow/tfjs';

/** Thrown by the assertions below; carries a readable message for both Jest and the browser runner. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * Reads values asynchronously: WebGPU's synchronous readback goes through an OffscreenCanvas that
 * returns zeros under headless SwiftShader, so tests never use `dataSync`.
 */
export async function values(x: tf.Tensor | ArrayLike<number> | number): Promise<number[]> {
  if (typeof x === 'number') return [x];
  if (x instanceof tf.Tensor) return Array.from(await x.data());
  return Array.from(x);
}

/**
 * Like `tf.tidy` for async bodies: every tensor created inside is disposed when the body settles.
 * Tests run one at a time, so no foreign tensors land in the scope while it awaits.
 */
export async function scope(body: () => Promise<void>): Promise<void> {
  tf.engine().startScope();
  try {
    await body();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Elementwise `|a − e| <= atol + rtol·|e|`; NaN or ±Infinity in `actual` always fails unless `expected`
 * holds the same non-finite value at that place.
 */
export async function expectClose(
  actual: tf.Tensor | ArrayLike<number> | number,
  expected: tf.Tensor | ArrayLike<number> | number,
  tol: { rtol: number; atol: number },
  label: string,
): Promise<void> {
  const a = await values(actual);
  const e = await values(expected);
  assert(a.length === e.length, `${label}: length ${a.length} != expected ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    const ei = e[i]!;
    if (!Number.isFinite(ei) || !Number.isFinite(ai)) {
      if (Object.is(ai, ei)) continue;
      throw new AssertionError(`${label}: element ${i} is ${ai}, expected ${ei}`);
    }
    const excess = Math.abs(ai - ei) - (tol.atol + tol.rtol * Math.abs(ei));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    const show = (xs: number[]) =>
      `[${xs
        .slice(0, 8)
        .map((v) => v.toPrecision(7))
        .join(', ')}${xs.length > 8 ? ', …' : ''}]`;
    throw new AssertionError(
      `${label}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${tol.rtol}, atol ${tol.atol})\n` +
        `  actual   ${show(a)}\n  expected ${show(e)}`,
    );
  }
}

export async function expectAllFinite(x: tf.Tensor | ArrayLike<number>, label: string): Promise<void> {
  const v = await values(x);
  const bad = v.findIndex((z) => !Number.isFinite(z));
  assert(bad < 0, `${label}: element ${bad} is ${v[bad]} (expected every element finite)`);
}

/** Requires `fn` to throw an error whose message matches every pattern. */
export function expectThrows(fn: () => unknown, ...patterns: RegExp[]): void {
  let message: string | null = null;
  try {
    fn();
  } catch (err) {
    message = err instanceof Error ? err.message : String(err);
  }
  assert(message !== null, `expected an error matching ${patterns.join(' and ')}, but nothing was thrown`);
  for (const p of patterns) {
    assert(p.test(message), `error message ${JSON.stringify(message)} does not match ${p}`);
  }
}

export async function expectRejects(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  let message: string | null = null;
  try {
    await fn();
  } catch (err) {
    message = err instanceof Error ? err.message : String(err);
  }
  assert(message !== null, `expected a rejection matching ${patterns.join(' and ')}, but it resolved`);
  for (const p of patterns) assert(p.test(message), `error message ${JSON.stringify(message)} does not match ${p}`);
}

/**
 * A value check (labels out of range, NaN embeddings): synchronous where the backend can read
 * synchronously, through the async validator on webgpu, which cannot (see src/internal/syncRead.ts).
 */
export async function expectValueError(
  backend: string,
  sync: () => unknown,
  asyncCheck: () => Promise<unknown>,
  ...patterns: RegExp[]
): Promise<void> {
  await expectRejects(asyncCheck, ...patterns);
  if (backend !== 'webgpu') expectThrows(sync, ...patterns);
}
