import { MarginArgumentError, receivedText, describe } from '../internal/errors';

/** Embeddings as rows: `number[][]`, an array of typed arrays, or what `await tensor.array()` returns. */
export type EmbeddingRows = ReadonlyArray<ArrayLike<number>>;

/** Same/different flags per pair: booleans, or numbers where 1 is same and 0 is different. */
export type PairFlags = ArrayLike<boolean | number>;

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    (Array.isArray(value) || ArrayBuffer.isView(value)) && typeof (value as { length: unknown }).length === 'number'
  );
}

/** Validates a 1-D list of finite numbers. */
export function finiteValues(where: string, argument: string, value: unknown, minLength = 1): Float64Array {
  if (!isArrayLike(value)) throw new MarginArgumentError(where, argument, 'an array of numbers', value);
  if (value.length < minLength) {
    throw new MarginArgumentError(where, argument, `an array of at least ${minLength} numbers`, value);
  }
  const out = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MarginArgumentError(where, argument, 'finite numbers', receivedText(`${describe(v)} at index ${i}`));
    }
    out[i] = v;
  }
  return out;
}

/** Validates same/different flags of the given length. */
export function pairFlags(where: string, argument: string, value: unknown, length: number): Uint8Array {
  if (!isArrayLike(value)) throw new MarginArgumentError(where, argument, 'an array of booleans or 0/1', value);
  if (value.length !== length) {
    throw new MarginArgumentError(
      where,
      argument,
      `${length} entries (one per pair)`,
      receivedText(`${value.length} entries`),
    );
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v = value[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v !== false && v !== 0) {
      throw new MarginArgumentError(where, argument, 'booleans or 0/1', receivedText(`${describe(v)} at index ${i}`));
    }
  }
  return out;
}

/** Throws unless the flags hold both same and different pairs. */
export function bothKinds(
  where: string,
  argument: string,
  flags: Uint8Array,
): { positives: number; negatives: number } {
  let positives = 0;
  for (const f of flags) positives += f;
  const negatives = flags.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new MarginArgumentError(
      where,
      argument,
      'both same (true) and different (false) pairs',
      receivedText(
        positives === 0
          ? `${flags.length} different pairs and no same pair`
          : `${flags.length} same pairs and no different pair`,
      ),
    );
  }
  return { positives, negatives };
}

/** A validated `[N, D]` matrix, row-major in float64. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Validates embeddings given as rows of equal length with finite values. */
export function embeddingRows(where: string, argument: string, value: unknown, minRows = 1): Matrix {
  if (!isArrayLike(value) || ArrayBuffer.isView(value)) {
    throw new MarginArgumentError(
      where,
      argument,
      'an array of rows (number[][], e.g. from `await tensor.array()`)',
      value,
    );
  }
  const rows = value.length;
  if (rows < minRows)
    throw new MarginArgumentError(where, argument, `at least ${minRows} rows`, receivedText(`${rows} rows`));
  const first = value[0];
  if (!isArrayLike(first) || first.length === 0) {
    throw new MarginArgumentError(where, argument, 'rows that are non-empty arrays of numbers', first);
  }
  const cols = first.length;
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = value[r];
    if (!isArrayLike(row) || row.length !== cols) {
      throw new MarginArgumentError(
        where,
        argument,
        `rows of equal length ${cols}`,
        receivedText(`row ${r} of ${isArrayLike(row) ? `length ${row.length}` : describe(row)}`),
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new MarginArgumentError(where, argument, 'finite values', receivedText(`${describe(v)} at [${r}, ${c}]`));
      }
      data[r * cols + c] = v;
    }
  }
  return { data, rows, cols };
}

/** Validates integer class labels, one per row. */
export function classLabels(where: string, argument: string, value: unknown, length: number): Int32Array {
  if (!isArrayLike(value)) throw new MarginArgumentError(where, argument, 'an array of integer labels', value);
  if (value.length !== length) {
    throw new MarginArgumentError(
      where,
      argument,
      `${length} labels (one per embedding)`,
      receivedText(`${value.length} labels`),
    );
  }
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      throw new MarginArgumentError(where, argument, 'integers >= 0', receivedText(`${describe(v)} at index ${i}`));
    }
    out[i] = v;
  }
  return out;
}

/** Row norms; throws on a zero row, whose direction (and so any angle or cosine) is undefined. */
export function rowNorms(where: string, argument: string, m: Matrix): Float64Array {
  const norms = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c]!;
      s += v * v;
    }
    const n = Math.sqrt(s);
    if (!(n > 0) || !Number.isFinite(n)) {
      throw new MarginArgumentError(
        where,
        argument,
        'rows with a non-zero, finite norm',
        receivedText(`row ${r} with norm ${n}`),
      );
    }
    norms[r] = n;
  }
  return norms;
}

/** Unit-length copy of the rows. */
export function normalizeRows(where: string, argument: string, m: Matrix): Matrix {
  const norms = rowNorms(where, argument, m);
  const data = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) data[r * m.cols + c] = m.data[r * m.cols + c]! / norms[r]!;
  }
  return { data, rows: m.rows, cols: m.cols };
}

/** Mean and population standard deviation (numpy's `std`, `ddof = 0`), as insightface reports folds. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

/** Lets an options bag through only when it is an object with known keys. */
export function optionsBag(where: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MarginArgumentError(where, 'options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new MarginArgumentError(
        where,
        'options',
        `an object with keys among ${allowed.join(', ')}`,
        receivedText(`key ${JSON.stringify(key)}`),
      );
    }
  }
  return options as Record<string, unknown>;
}
