import type { JsonValue } from '../../checkpoint/trainingState';
import { type SeededRandom, seededRandom } from '../../data/seededRandom';

/** The classes one Partial FC step uses: sorted, distinct class ids, and each label's position among them. */
export interface ClassSample {
  /** `[S]` sorted distinct class ids: every label of the batch, then uniform others. */
  indices: Int32Array;
  /** `[N]` each label's position in `indices`. */
  local: Int32Array;
}

/**
 * Partial FC's class sampler on the host (insightface `PartialFC.sample`): every class of the batch
 * (the positives) plus a uniformly random subset of the other classes, drawn without replacement,
 * `S` in all, sorted. Insightface draws a key for each of the `C` classes and takes the top `S`
 * (`O(C)`); this draws class ids and rejects repeats, `O(S)` expected while `S ≤ C/2`; above that it
 * draws the classes to leave out instead and scans, `O(C)`, which is then `O(S)` as well. Both are
 * uniform over the subsets of the non-batch classes of the needed size. One byte of marks per class
 * (allocated once, cleared after each draw) makes a repeat check `O(1)`.
 */
export class ClassSampler {
  private readonly next: SeededRandom;
  private marks: Uint8Array | null = null;

  constructor(
    readonly numClasses: number,
    seed: number | null,
  ) {
    this.next = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** The sampling stream's position. */
  getTrainingState(): JsonValue {
    return this.next.getTrainingState();
  }

  /** Restores a position read by {@link getTrainingState}. */
  setTrainingState(state: JsonValue): void {
    this.next.setTrainingState(state);
  }

  /** `S` classes for a batch of (already checked) labels in `[0, C)`. */
  sample(labels: ArrayLike<number>, s: number): ClassSample {
    const c = this.numClasses;
    const marks = (this.marks ??= new Uint8Array(c));
    const chosen = new Int32Array(Math.max(s, labels.length));
    let count = 0;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (marks[label] === 0) {
        marks[label] = 1;
        chosen[count++] = label;
      }
    }
    const need = Math.max(0, s - count);
    const free = c - count;
    let indices: Int32Array;
    if (need <= free / 2) {
      while (count < s) {
        const k = Math.floor(this.next() * c);
        if (marks[k] === 0) {
          marks[k] = 1;
          chosen[count++] = k;
        }
      }
      indices = chosen.subarray(0, count).sort();
      for (let i = 0; i < count; i++) marks[indices[i]!] = 0;
    } else {
      // Leave out `free − need` uniform non-batch classes; keep the rest.
      let leftOut = free - need;
      while (leftOut > 0) {
        const k = Math.floor(this.next() * c);
        if (marks[k] === 0) {
          marks[k] = 2;
          leftOut--;
        }
      }
      indices = new Int32Array(Math.min(s, c));
      let j = 0;
      for (let k = 0; k < c; k++) {
        if (marks[k] !== 2) indices[j++] = k;
        marks[k] = 0;
      }
    }
    const local = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) local[i] = lowerBound(indices, labels[i]!);
    return { indices, local };
  }
}

/** The position of `value` in the sorted `values` (it is present). */
function lowerBound(values: Int32Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
