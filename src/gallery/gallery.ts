import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError, receivedText } from '../internal/errors';
import { integerAtLeast, knownKeys } from '../internal/validate';
import { tarAtFar } from '../metrics/roc';

/** Embeddings given to a gallery: a `[n, D]` tensor or rows (`number[][]`, typed arrays). */
export type EmbeddingInput = tf.Tensor | ArrayLike<ArrayLike<number>>;

/** One ranked identity. */
export interface GalleryMatch {
  name: string;
  /** Cosine similarity of the query to the identity's closest enrolled embedding. */
  score: number;
}

/** The open-set decision for one query. */
export interface GalleryDecision {
  /** The best identity, or `null` ("unknown") when its score is below the threshold. */
  name: string | null;
  /** The best identity whatever the threshold. */
  nearest: string;
  score: number;
}

/** A gallery as plain data: what `toJSON` writes and `gallery.fromJSON` reads (IndexedDB-friendly). */
export interface GalleryJSON {
  format: 'tfjs-margin-gallery';
  version: 1;
  dim: number;
  /** The identity of each entry. */
  names: string[];
  /** The entries' unit embeddings, row after row (`names.length × dim` numbers). */
  embeddings: number[];
  threshold: number | null;
}

/** How {@link Gallery.calibrate} picks the threshold. */
export interface CalibrationOptions {
  /** Cosine similarities of labelled pairs. */
  scores: ArrayLike<number>;
  /** 1 (or true) where the pair is the same identity. */
  isSame: ArrayLike<number | boolean>;
  /** Target false accept rate: the threshold of `metrics.tarAtFar` (give this or `precision`). */
  far?: number;
  /** Target precision of "same" decisions: the lowest threshold reaching it. */
  precision?: number;
}

const WHERE = 'gallery';

/**
 * An identity gallery (tensorflow-similarity's `index` / `lookup` / `calibrate` / `match`,
 * pytorch-metric-learning's `InferenceModel`): enrolled unit embeddings with identity names, exact
 * top-k search by cosine similarity (one `[Q, M]` matrix product on the backend, then `tf.topk`), a
 * calibrated threshold and the open-set decision. Create one with `gallery.create({dim})`.
 *
 * The entries live on the host (`Float32Array`) and, while searched, as one `[M, D]` tensor rebuilt
 * after a change; `dispose()` releases it.
 */
export class Gallery {
  readonly dim: number;
  private data: Float32Array;
  private labels: string[] = [];
  /** Entries per identity, kept in step with `labels`. */
  private counts = new Map<string, number>();
  private matrix: tf.Tensor2D | null = null;
  /** The "same identity" threshold on cosine similarity; `null` until calibrated or set. */
  threshold: number | null = null;

  constructor(dim: number) {
    this.dim = integerAtLeast(`${WHERE}.create`, 'dim', dim, 1);
    this.data = new Float32Array(0);
  }

  /** Number of enrolled embeddings. */
  get size(): number {
    return this.labels.length;
  }

  /** The enrolled identities, each once, in enrolment order. */
  identities(): string[] {
    return [...this.counts.keys()];
  }

  /** How many embeddings an identity has (0 if unknown). */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /**
   * Enrols embeddings under one identity name (more may be added later). Rows are L2-normalized; a
   * zero, NaN or wrong-width row is refused and nothing is added.
   */
  async add(name: string, embeddings: EmbeddingInput): Promise<void> {
    const where = `${WHERE}.add`;
    identityName(where, name);
    const rows = await readRows(where, 'embeddings', embeddings, this.dim);
    const used = this.size * this.dim;
    if (used + rows.length > this.data.length) {
      // Capacity doubles: enrolling M entries one identity at a time costs O(M), not O(M²).
      const next = new Float32Array(Math.max(used + rows.length, 2 * this.data.length));
      next.set(this.data.subarray(0, used));
      this.data = next;
    }
    this.data.set(rows, used);
    for (let i = 0; i < rows.length / this.dim; i++) this.labels.push(name);
    this.counts.set(name, this.count(name) + rows.length / this.dim);
    this.invalidate();
  }

  /** Removes every embedding of an identity; returns how many. An unknown name is an error. */
  remove(name: string): number {
    const where = `${WHERE}.remove`;
    identityName(where, name);
    const keep = this.labels.map((l) => l !== name);
    const removed = this.count(name);
    if (removed === 0) {
      throw new MarginArgumentError(where, 'name', `an enrolled identity (${this.size} entries)`, name);
    }
    const next = new Float32Array((this.size - removed) * this.dim);
    let at = 0;
    keep.forEach((k, i) => {
      if (!k) return;
      next.set(this.data.subarray(i * this.dim, (i + 1) * this.dim), at * this.dim);
      at++;
    });
    this.data = next;
    this.labels = this.labels.filter((l) => l !== name);
    this.counts.delete(name);
    this.invalidate();
    return removed;
  }

  /** Removes everything (the threshold stays). */
  clear(): void {
    this.data = new Float32Array(0);
    this.labels = [];
    this.counts.clear();
    this.invalidate();
  }

  /**
   * The `k` nearest identities of each query by cosine similarity, best first, each with its closest
   * entry's score: exact (every entry is scored), on the backend.
   */
  async search(queries: EmbeddingInput, options: { k?: number } = {}): Promise<GalleryMatch[][]> {
    const where = `${WHERE}.search`;
    knownKeys(where, 'options', options, ['k']);
    const k = integerAtLeast(where, 'k', options.k ?? 5, 1);
    if (this.size === 0)
      throw new MarginArgumentError(where, 'gallery', 'at least one enrolled embedding', 'an empty gallery');
    const q = await readRows(where, 'queries', queries, this.dim);
    const n = q.length / this.dim;
    // Enough entries to hold k distinct identities even if the best ones are all one identity's.
    let most = 0;
    for (const c of this.counts.values()) most = Math.max(most, c);
    const kk = Math.min(this.size, k * most);
    const matrix = this.deviceMatrix();
    const [values, indices] = tf.tidy(() => {
      const scores = tf.matMul(tf.tensor2d(q, [n, this.dim]), matrix, false, true);
      const top = tf.topk(scores, kk, true);
      return [top.values, top.indices];
    });
    try {
      const [v, idx] = await Promise.all([values.data(), indices.data()]);
      const out: GalleryMatch[][] = [];
      for (let r = 0; r < n; r++) {
        const seen = new Set<string>();
        const ranked: GalleryMatch[] = [];
        for (let j = 0; j < kk && ranked.length < k; j++) {
          const name = this.labels[idx[r * kk + j]!]!;
          if (seen.has(name)) continue;
          seen.add(name);
          ranked.push({ name, score: v[r * kk + j]! });
        }
        out.push(ranked);
      }
      return out;
    } finally {
      tf.dispose([values, indices]);
    }
  }

  /**
   * The open-set decision for each query: its nearest identity, or `null` ("unknown") when the score
   * is below `threshold` (default: the gallery's calibrated threshold).
   */
  async match(queries: EmbeddingInput, options: { threshold?: number } = {}): Promise<GalleryDecision[]> {
    const where = `${WHERE}.match`;
    knownKeys(where, 'options', options, ['threshold']);
    const threshold = options.threshold ?? this.threshold;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < -1 || threshold > 1) {
      throw new MarginArgumentError(
        where,
        'threshold',
        'a cosine in [-1, 1] (pass one, or calibrate the gallery first)',
        threshold,
      );
    }
    const best = await this.search(queries, { k: 1 });
    return best.map(([m]) => ({ name: m!.score >= threshold ? m!.name : null, nearest: m!.name, score: m!.score }));
  }

  /**
   * Sets the threshold from labelled pairs' cosine similarities: for a target false accept rate
   * (`metrics.tarAtFar`'s threshold) or a target precision (the lowest threshold whose "same"
   * decisions reach it). Returns it.
   */
  calibrate(options: CalibrationOptions): number {
    const where = `${WHERE}.calibrate`;
    knownKeys(where, 'options', options, ['scores', 'isSame', 'far', 'precision']);
    const { scores, isSame, far, precision } = options;
    if ((far === undefined) === (precision === undefined)) {
      throw new MarginArgumentError(
        where,
        'options',
        'exactly one of far and precision',
        receivedText(JSON.stringify(Object.keys(options))),
      );
    }
    const flags = Array.from(isSame ?? [], (v) => (v ? 1 : 0));
    let threshold: number;
    if (far !== undefined) {
      threshold = tarAtFar(scores, flags, far).threshold;
    } else {
      if (typeof precision !== 'number' || !(precision > 0 && precision <= 1)) {
        throw new MarginArgumentError(where, 'precision', 'a number in (0, 1]', precision);
      }
      threshold = precisionThreshold(where, scores, flags, precision);
    }
    if (!Number.isFinite(threshold)) {
      throw new MarginArgumentError(
        where,
        far !== undefined ? 'far' : 'precision',
        'a target some threshold reaches on these pairs',
        far ?? precision,
      );
    }
    this.threshold = threshold;
    return threshold;
  }

  /** The gallery as plain data (`JSON.stringify` it, or store it in IndexedDB). */
  toJSON(): GalleryJSON {
    return {
      format: 'tfjs-margin-gallery',
      version: 1,
      dim: this.dim,
      names: [...this.labels],
      embeddings: Array.from(this.data.subarray(0, this.size * this.dim)),
      threshold: this.threshold,
    };
  }

  /** Releases the device copy of the entries (the gallery stays usable; a search rebuilds it). */
  dispose(): void {
    this.invalidate();
  }

  /** @internal Replaces the contents (used by `fromJSON`). */
  load(names: string[], data: Float32Array, threshold: number | null): void {
    this.labels = names;
    this.counts = new Map();
    for (const name of names) this.counts.set(name, this.count(name) + 1);
    this.data = data;
    this.threshold = threshold;
    this.invalidate();
  }

  private deviceMatrix(): tf.Tensor2D {
    if (this.matrix === null || this.matrix.isDisposed) {
      this.matrix = tf.tensor2d(this.data.subarray(0, this.size * this.dim), [this.size, this.dim]);
    }
    return this.matrix;
  }

  private invalidate(): void {
    this.matrix?.dispose();
    this.matrix = null;
  }
}

function identityName(where: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new MarginArgumentError(where, 'name', 'a non-empty string', name);
  }
  return name;
}

/** Rows as unit float32 vectors, checked: width `dim`, finite, nonzero. */
async function readRows(where: string, argument: string, value: unknown, dim: number): Promise<Float32Array> {
  let flat: Float32Array;
  let n: number;
  if (value instanceof tf.Tensor) {
    if (value.rank !== 2 || value.shape[1] !== dim || value.shape[0] === 0) {
      throw new MarginArgumentError(where, argument, `a non-empty [n, ${dim}] tensor (the gallery's dim)`, value);
    }
    n = value.shape[0]!;
    flat = Float32Array.from(await value.data());
  } else if (value !== null && typeof value === 'object' && typeof (value as ArrayLike<unknown>).length === 'number') {
    const rows = value as ArrayLike<ArrayLike<number>>;
    n = rows.length;
    if (n === 0) throw new MarginArgumentError(where, argument, 'at least one row', receivedText('no rows'));
    flat = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      if (row === null || typeof row !== 'object' || typeof row.length !== 'number' || row.length !== dim) {
        throw new MarginArgumentError(
          where,
          argument,
          `rows of length ${dim} (the gallery's dim)`,
          receivedText(`row ${r} of length ${row === null || typeof row !== 'object' ? 'none' : String(row.length)}`),
        );
      }
      for (let c = 0; c < dim; c++) flat[r * dim + c] = row[c]!;
    }
  } else {
    throw new MarginArgumentError(where, argument, `a [n, ${dim}] tensor or an array of rows`, value);
  }
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let c = 0; c < dim; c++) {
      const v = flat[r * dim + c]!;
      if (!Number.isFinite(v)) {
        throw new MarginArgumentError(where, argument, 'finite values', receivedText(`${v} at [${r}, ${c}]`));
      }
      sq += v * v;
    }
    if (sq === 0) {
      throw new MarginArgumentError(
        where,
        argument,
        'nonzero rows (a direction to compare)',
        receivedText(`a zero vector at row ${r}`),
      );
    }
    const inv = 1 / Math.sqrt(sq);
    for (let c = 0; c < dim; c++) flat[r * dim + c] = flat[r * dim + c]! * inv;
  }
  return flat;
}

/** The lowest threshold at which "score ≥ threshold" decisions have at least the target precision. */
function precisionThreshold(where: string, scores: ArrayLike<number>, flags: number[], target: number): number {
  if (scores.length !== flags.length || scores.length === 0) {
    throw new MarginArgumentError(
      where,
      'isSame',
      `one flag per score (${scores.length})`,
      receivedText(`${flags.length} flags`),
    );
  }
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let best = Infinity;
  for (let i = 0; i < order.length; i++) {
    tp += flags[order[i]!]!;
    const s = scores[order[i]!]!;
    if (!Number.isFinite(s)) throw new MarginArgumentError(where, 'scores', 'finite values', s);
    if (i < order.length - 1 && scores[order[i + 1]!] === s) continue;
    if (tp / (i + 1) >= target) best = s;
  }
  return best;
}
