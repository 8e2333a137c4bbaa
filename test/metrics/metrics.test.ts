import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MarginArgumentError, metrics } from 'tfjs-margin';

/**
 * `metrics` against test/metrics/reference.json: scikit-learn's roc_curve/roc_auc_score and KFold,
 * pytorch-metric-learning's AccuracyCalculator and numpy, in float64 (test/metrics/generate.py).
 */
type Num = number | 'Infinity' | '-Infinity';
interface RocCase {
  name: string;
  scores: number[];
  isSame: boolean[];
  error?: string;
  fpr: number[];
  tpr: number[];
  thresholds: Num[];
  auc: number;
  eer: number;
  tarAtFar: { far: number; tar: number; farReached: number; threshold: Num }[];
}
interface OneShotCase {
  distance: 'cosine' | 'euclidean';
  support: number[][];
  supportLabels: number[];
  queries: number[][];
  queryLabels: number[];
  nearest: number[];
  accuracy: number;
}
interface Reference {
  oneShot: OneShotCase[];
  roc: RocCase[];
  verification: {
    a: number[][];
    b: number[][];
    isSame: boolean[];
    cases: {
      distance: 'cosine' | 'euclidean';
      folds: number;
      far: number;
      foldAccuracies: number[];
      accuracyMean: number;
      accuracyStd: number;
      thresholds: Num[];
      valMean: number;
      valStd: number;
      farMean: number;
      auc: number;
      eer: number;
    }[];
  };
  retrieval: {
    embeddings: number[][];
    labels: number[];
    cases: {
      distance: 'cosine' | 'euclidean';
      k: number | null;
      precisionAt1: number;
      rPrecision: number;
      mapAtR: number;
      queries: number;
    }[];
  };
  angularStats: {
    embeddings: number[][];
    labels: number[];
    kernel: number[][];
    withoutKernel: Stats;
    withKernel: Stats;
  };
}
interface Stats {
  meanIntraAngle: number;
  minInterAngle: number;
  meanInterAngle: number;
  meanNorm: number;
  perClassMeanAngle: number[];
}

const ref = JSON.parse(readFileSync(path.join(__dirname, 'reference.json'), 'utf8')) as Reference;
const num = (v: Num): number => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const close = (actual: number, expected: number, tol = 1e-12): void => {
  if (!Number.isFinite(expected)) expect(actual).toBe(expected);
  else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
};
const allClose = (actual: ArrayLike<number>, expected: readonly Num[], tol = 1e-12): void => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i]!, num(expected[i]!), tol);
};

describe('[metrics]', () => {
  describe('metrics.roc and metrics.tarAtFar vs scikit-learn', () => {
    for (const c of ref.roc) {
      if (c.error !== undefined) {
        test(`${c.name}: a single class is refused, as scikit-learn refuses ("${c.error}")`, () => {
          expect(() => metrics.roc(c.scores, c.isSame)).toThrow(MarginArgumentError);
          expect(() => metrics.roc(c.scores, c.isSame)).toThrow(
            /argument 'isSame' must be both same \(true\) and different \(false\) pairs/,
          );
          expect(() => metrics.tarAtFar(c.scores, c.isSame, 0.1)).toThrow(MarginArgumentError);
        });
        continue;
      }
      test(`${c.name}: fpr, tpr, thresholds, AUC, EER`, () => {
        const r = metrics.roc(c.scores, c.isSame);
        allClose(r.fpr, c.fpr);
        allClose(r.tpr, c.tpr);
        allClose(r.thresholds, c.thresholds);
        close(r.auc, c.auc);
        close(r.eer, c.eer);
      });
      test(`${c.name}: TAR at FAR 0, 1e-3, 1e-2, 0.1, 0.5, 1`, () => {
        for (const t of c.tarAtFar) {
          const r = metrics.tarAtFar(c.scores, c.isSame, t.far);
          close(r.tar, t.tar);
          close(r.far, t.farReached);
          close(r.threshold, num(t.threshold));
        }
      });
    }
    test('0/1 flags and typed arrays are accepted', () => {
      const c = ref.roc[0]!;
      const r = metrics.roc(Float32Array.from(c.scores), Uint8Array.from(c.isSame, Number));
      close(r.auc, c.auc, 1e-6);
    });
  });

  describe('metrics.verification (LFW protocol) vs an independent numpy implementation with KFold', () => {
    const v = ref.verification;
    for (const c of v.cases) {
      test(`${c.distance}, ${c.folds} folds, FAR ${c.far}`, () => {
        const r = metrics.verification(v.a, v.b, v.isSame, { folds: c.folds, distance: c.distance, far: c.far });
        allClose(r.foldAccuracies, c.foldAccuracies);
        close(r.accuracy.mean, c.accuracyMean);
        close(r.accuracy.std, c.accuracyStd);
        allClose(r.thresholds, c.thresholds, 1e-9);
        close(r.val.mean, c.valMean);
        close(r.val.std, c.valStd);
        close(r.val.far, c.farMean);
        expect(r.val.target).toBe(c.far);
        close(r.auc, c.auc, 1e-9);
        close(r.eer, c.eer, 1e-9);
      });
    }
    test('the margin papers’ sanity: identical pairs verify perfectly', () => {
      const a = v.a.slice(0, 40);
      const same = a.map((_, i) => i % 2 === 0);
      const b = a.map((row, i) => (same[i] ? row : v.b[i]!));
      expect(metrics.verification(a, b, same, { folds: 4 }).accuracy.mean).toBeGreaterThan(0.9);
    });
  });

  describe('metrics.retrieval vs pytorch-metric-learning AccuracyCalculator', () => {
    const r = ref.retrieval;
    for (const c of r.cases) {
      test(`${c.distance}, k = ${c.k ?? 'max'}`, () => {
        const out = metrics.retrieval(r.embeddings, r.labels, {
          distance: c.distance,
          ...(c.k === null ? {} : { k: c.k }),
        });
        close(out.precisionAt1, c.precisionAt1);
        close(out.rPrecision, c.rPrecision);
        close(out.mapAtR, c.mapAtR);
        expect(out.queries).toBe(c.queries);
      });
    }
  });

  describe('metrics.angularStats vs numpy', () => {
    const a = ref.angularStats;
    const check = (out: metrics.AngularStats, s: Stats): void => {
      close(out.meanIntraAngle, s.meanIntraAngle, 1e-9);
      close(out.minInterAngle, s.minInterAngle, 1e-9);
      close(out.meanInterAngle, s.meanInterAngle, 1e-9);
      close(out.meanNorm, s.meanNorm);
      allClose(
        out.perClass.map((p) => p.meanAngle),
        s.perClassMeanAngle,
        1e-9,
      );
    };
    test('class centers from the embeddings', () =>
      check(metrics.angularStats(a.embeddings, a.labels), a.withoutKernel));
    test('class centers from a [D, C] kernel', () =>
      check(metrics.angularStats(a.embeddings, a.labels, a.kernel), a.withKernel));
  });

  describe('metrics.oneShot vs scikit-learn KNeighborsClassifier(n_neighbors=1)', () => {
    for (const c of ref.oneShot) {
      test(`${c.distance}: nearest support, accuracy and error`, () => {
        const r = metrics.oneShot(c.support, c.supportLabels, c.queries, c.queryLabels, { distance: c.distance });
        expect(Array.from(r.nearest)).toEqual(c.nearest);
        expect(r.accuracy).toBeCloseTo(c.accuracy, 12);
        expect(r.error).toBeCloseTo(1 - c.accuracy, 12);
        expect(r.queries).toBe(c.queryLabels.length);
        expect(r.correct).toBe(Math.round(c.accuracy * c.queryLabels.length));
      });
    }
    test('known answers: a 20-way run with exact copies is perfect; swapping two labels costs 2/20', () => {
      const support = Array.from({ length: 20 }, (_, i) => Array.from({ length: 20 }, (_, j) => (i === j ? 1 : 0.1)));
      const labels = support.map((_, i) => i);
      expect(metrics.oneShot(support, labels, support, labels).error).toBe(0);
      const swapped = [...labels];
      [swapped[3], swapped[7]] = [7, 3];
      expect(metrics.oneShot(support, labels, support, swapped).error).toBeCloseTo(0.1, 12);
    });
    test('cosine ignores the norm, euclidean does not; ties go to the lowest index', () => {
      const support = [
        [1, 0],
        [10, 0.5],
      ];
      expect(Array.from(metrics.oneShot(support, [0, 1], [[9, 0]], [1]).nearest)).toEqual([0]);
      expect(Array.from(metrics.oneShot(support, [0, 1], [[9, 0]], [1], { distance: 'euclidean' }).nearest)).toEqual([
        1,
      ]);
      expect(
        Array.from(
          metrics.oneShot(
            [
              [1, 0],
              [1, 0],
            ],
            [5, 6],
            [[2, 0]],
            [6],
          ).nearest,
        ),
      ).toEqual([0]);
    });
  });

  describe('metrics reject bad input with MarginArgumentError', () => {
    const rows = [
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const cases: [string, () => unknown, RegExp][] = [
      [
        'roc length mismatch',
        () => metrics.roc([0.1, 0.2, 0.3], [true, false]),
        /metrics\.roc: argument 'isSame' must be 3 entries \(one per pair\), but received 2 entries/,
      ],
      [
        'roc NaN score',
        () => metrics.roc([0.1, NaN], [true, false]),
        /metrics\.roc: argument 'scores' must be finite numbers, but received NaN at index 1/,
      ],
      [
        'roc flag not boolean',
        () => metrics.roc([0.1, 0.2], [true, 2]),
        /argument 'isSame' must be booleans or 0\/1, but received 2 at index 1/,
      ],
      ['roc empty', () => metrics.roc([], []), /argument 'scores' must be an array of at least 1 numbers/],
      [
        'tarAtFar far out of range',
        () => metrics.tarAtFar([0.1, 0.2], [true, false], 2),
        /metrics\.tarAtFar: argument 'far' must be a number in \[0, 1\]/,
      ],
      [
        'verification row mismatch',
        () => metrics.verification(rows, rows.slice(0, 2), [true, false, true]),
        /argument 'embeddingsB' must be 3 rows of length 2/,
      ],
      [
        'verification infinite value',
        () =>
          metrics.verification(
            [
              [1, Infinity],
              [0, 1],
            ],
            [
              [1, 0],
              [0, 1],
            ],
            [true, false],
            { folds: 2 },
          ),
        /argument 'embeddingsA' must be finite values, but received Infinity at \[0, 1\]/,
      ],
      [
        'verification zero vector',
        () =>
          metrics.verification(
            [
              [0, 0],
              [0, 1],
            ],
            [
              [1, 0],
              [0, 1],
            ],
            [true, false],
            { folds: 2 },
          ),
        /argument 'embeddingsA' must be rows with a non-zero, finite norm, but received row 0 with norm 0/,
      ],
      [
        'verification too many folds',
        () => metrics.verification(rows, rows, [true, false, true], { folds: 4 }),
        /argument 'folds' must be at most the number of pairs \(3\)/,
      ],
      [
        'verification ragged rows',
        () =>
          metrics.verification(
            [[1, 0], [1]],
            [
              [1, 0],
              [0, 1],
            ],
            [true, false],
            { folds: 2 },
          ),
        /argument 'embeddingsA' must be rows of equal length 2, but received row 1 of length 1/,
      ],
      [
        'verification unknown option',
        () => metrics.verification(rows, rows, [true, false, true], { fold: 3 } as never),
        /argument 'options' must be an object with keys among folds, distance, normalize, far, but received key "fold"/,
      ],
      [
        'verification bad distance',
        () => metrics.verification(rows, rows, [true, false, true], { folds: 3, distance: 'l1' as never }),
        /argument 'distance' must be 'cosine' or 'euclidean'/,
      ],
      [
        'retrieval single class',
        () => metrics.retrieval(rows, [2, 2, 2]),
        /metrics\.retrieval: argument 'labels' must be at least two distinct classes, but received only label 2/,
      ],
      [
        'retrieval fractional label',
        () => metrics.retrieval(rows, [0, 1.5, 1]),
        /argument 'labels' must be integers >= 0, but received 1\.5 at index 1/,
      ],
      [
        'retrieval all singletons',
        () => metrics.retrieval(rows, [0, 1, 2]),
        /argument 'labels' must be some label occurring at least twice/,
      ],
      [
        'retrieval label count',
        () => metrics.retrieval(rows, [0, 1]),
        /argument 'labels' must be 3 labels \(one per embedding\), but received 2 labels/,
      ],
      [
        'angularStats single class',
        () => metrics.angularStats(rows, [0, 0, 0]),
        /metrics\.angularStats: argument 'labels' must be at least two distinct classes/,
      ],
      [
        'angularStats kernel too narrow',
        () =>
          metrics.angularStats(
            rows,
            [0, 1, 2],
            [
              [1, 0],
              [0, 1],
            ],
          ),
        /argument 'kernel' must be at least 3 columns \(one per label\), but received 2 columns/,
      ],
      [
        'oneShot query width differs from the support',
        () => metrics.oneShot(rows, [0, 1, 2], [[1, 0, 0]], [0]),
        /metrics\.oneShot: argument 'queries' must be rows of length 2, as the support embeddings, but received rows of length 3/,
      ],
      [
        'oneShot zero support row',
        () =>
          metrics.oneShot(
            [
              [0, 0],
              [1, 0],
            ],
            [0, 1],
            [[1, 0]],
            [0],
          ),
        /metrics\.oneShot: argument 'support' must be rows with a non-zero, finite norm, but received row 0 with norm 0/,
      ],
      [
        'oneShot label count',
        () => metrics.oneShot(rows, [0, 1], [[1, 0]], [0]),
        /argument 'supportLabels' must be 3 labels \(one per embedding\), but received 2 labels/,
      ],
      [
        'oneShot NaN query',
        () => metrics.oneShot(rows, [0, 1, 2], [[NaN, 0]], [0]),
        /argument 'queries' must be finite values, but received NaN at \[0, 0\]/,
      ],
      [
        'oneShot unknown distance',
        () => metrics.oneShot(rows, [0, 1, 2], [[1, 0]], [0], { distance: 'manhattan' as never }),
        /argument 'distance' must be 'cosine' or 'euclidean', but received "manhattan"/,
      ],
      [
        'angularStats flat typed array',
        () => metrics.angularStats(new Float32Array(4) as never, [0, 1]),
        /argument 'embeddings' must be an array of rows/,
      ],
    ];
    for (const [name, run, message] of cases) {
      test(name, () => {
        expect(run).toThrow(MarginArgumentError);
        expect(run).toThrow(message);
      });
    }
  });
});
