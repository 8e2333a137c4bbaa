import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError, describe, receivedText } from '../internal/errors';
import { parseLabels } from '../internal/labels';
import { canReadSync } from '../internal/syncRead';
import { floatTensor, rankIs } from '../internal/validate';
import { checkLabelValues } from '../ops/validateLabels';

/**
 * The input checks every layer applied to `[embeddings, labels]` shares (the margin heads and
 * `PartialFC`): the same shapes, dtypes and values accepted, the same messages, and the value checks
 * both synchronously (one device read per call) and asynchronously (`validateInputs`, every backend).
 */
export class HeadInputs {
  /**
   * @param where The layer's public name, e.g. `ArcFace`.
   * @param numClasses Labels must lie in `[0, numClasses)`.
   * @param embeddingBound Largest embedding magnitude accepted (`Infinity`: any finite value).
   */
  constructor(
    private readonly where: string,
    private readonly numClasses: number,
    private readonly embeddingBound: () => number = () => Infinity,
  ) {}

  /** The embedding size `D` from the build shape(s); the embeddings must be `[N, D]` with `D` known. */
  embeddingSize(inputShape: tfl.Shape | tfl.Shape[]): number {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[]) : [inputShape as tfl.Shape];
    const shape = shapes[0]!;
    const d = shape[1];
    if (shape.length !== 2 || typeof d !== 'number') {
      throw new MarginArgumentError(
        this.where,
        'embeddings',
        'of shape [N, D] with a known D',
        `shape ${describe(shape)}`,
      );
    }
    return d;
  }

  /** `[embeddings, labels]`, or embeddings alone (labels `null`). */
  split(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor | null] {
    if (!Array.isArray(inputs)) return [inputs, null];
    if (inputs.length === 1) return [inputs[0]!, null];
    if (inputs.length !== 2) {
      throw new MarginArgumentError(
        this.where,
        'inputs',
        '[embeddings, labels] or embeddings alone',
        `a list of ${inputs.length} tensors`,
      );
    }
    return [inputs[0]!, inputs[1]!];
  }

  /** The layer's weight, or an error when the layer was never built. */
  built<T>(weight: T | null, name: string): T {
    if (weight === null) {
      throw new MarginArgumentError(
        this.where,
        name,
        'built before the layer is called (apply it to a symbolic input or call build())',
        'an unbuilt layer',
      );
    }
    return weight;
  }

  /** Float `[N, d]` embeddings with `N > 0` (shapes and dtype only: no device read). */
  embeddings(embeddings: tf.Tensor, d: number): tf.Tensor2D {
    const x = floatTensor(this.where, 'embeddings', embeddings);
    rankIs(this.where, 'embeddings', x, 2, '[N, D]');
    if (x.shape[1] !== d) {
      throw new MarginArgumentError(this.where, 'embeddings', `a [N, ${d}] tensor (the D the layer was built with)`, x);
    }
    if (x.shape[0] === 0) throw new MarginArgumentError(this.where, 'embeddings', 'a non-empty batch', x);
    return x as tf.Tensor2D;
  }

  /** Labels `[n]` or `[n, 1]`, int32 or integer-valued float32, as int32 `[n]` (shapes and dtype only). */
  labels(labels: tf.Tensor, n: number): tf.Tensor1D {
    return parseLabels(this.where, 'labels', labels, n, this.numClasses, false);
  }

  /** The value checks with one synchronous read; skipped on webgpu (see `validate`). */
  checkValues(x: tf.Tensor, labels: tf.Tensor | null): void {
    if (!canReadSync()) return;
    const probe = this.probe(x, labels);
    const values = probe.dataSync();
    probe.dispose();
    if (Number.isNaN(values[this.finiteAt(values)])) this.rejectNonFinite(x.dataSync(), x.shape[1] ?? 1);
    this.checkProbe(values, labels !== null);
  }

  /**
   * The value checks, asynchronously and on every backend: NaN/Infinity embeddings, embeddings
   * beyond the bound, labels outside `[0, numClasses)`, with the errors a call would throw.
   */
  async validate(embeddings: tf.Tensor, labels?: tf.Tensor): Promise<void> {
    const x = floatTensor(this.where, 'embeddings', embeddings);
    if (labels !== undefined) {
      // Checks shape and dtype; for [N] int32 labels it returns the caller's own tensor.
      const parsed = parseLabels(this.where, 'labels', labels, x.shape[0] ?? null, this.numClasses, false);
      if (parsed !== labels) parsed.dispose();
    }
    const probe = this.probe(x, labels ?? null);
    try {
      const values = await probe.data();
      if (Number.isNaN(values[this.finiteAt(values)])) this.rejectNonFinite(await x.data(), x.shape[1] ?? 1);
      this.checkProbe(values, labels !== undefined);
    } finally {
      probe.dispose();
      if (x !== embeddings) x.dispose();
    }
  }

  private bounded(): boolean {
    return Number.isFinite(this.embeddingBound());
  }

  /**
   * What the checks read in one transfer: the labels, then `Σ (x − x)` (NaN exactly when some
   * embedding is not finite), then `max |x|` when embeddings are bounded.
   */
  private probe(x: tf.Tensor, labels: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const parts = [tf.reshape(tf.sum(tf.sub(x, x)), [1])];
      if (labels !== null) parts.unshift(tf.cast(tf.reshape(labels, [-1]), 'float32'));
      if (this.bounded()) parts.push(tf.reshape(tf.max(tf.abs(x)), [1]));
      return tf.concat(parts);
    });
  }

  private finiteAt(values: ArrayLike<number>): number {
    return values.length - (this.bounded() ? 2 : 1);
  }

  private checkProbe(values: ArrayLike<number>, hasLabels: boolean): void {
    const at = this.finiteAt(values);
    if (Number.isNaN(values[at])) {
      throw new MarginArgumentError(this.where, 'embeddings', 'finite values', 'NaN or Infinity');
    }
    const bound = this.embeddingBound();
    if (Number.isFinite(bound) && values[at + 1]! > Math.fround(bound)) {
      throw new MarginArgumentError(
        this.where,
        'embeddings',
        `entries of magnitude at most ${bound} (the logits carry |x| and must stay within float32)`,
        receivedText(`an entry of magnitude ${values[at + 1]}`),
      );
    }
    if (hasLabels) checkLabelValues(this.where, values, this.numClasses, at);
  }

  /** Names the first non-finite embedding (its values are read only on this failure path). */
  private rejectNonFinite(values: ArrayLike<number>, d: number): never {
    let i = 0;
    while (i < values.length && Number.isFinite(values[i])) i++;
    const where = i < values.length ? `${values[i]} at [${Math.floor(i / d)}, ${i % d}]` : 'NaN or Infinity';
    throw new MarginArgumentError(this.where, 'embeddings', 'finite values', where);
  }
}
