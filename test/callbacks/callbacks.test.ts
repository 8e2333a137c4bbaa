import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MarginArgumentError, callbacks, data, layers, losses } from 'tfjs-margin';

/** Schedules as pure functions, the progress logger's output, and argument errors (backend-independent). */
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('[callbacks]', () => {
  describe('learning-rate schedules', () => {
    const at = (s: callbacks.LearningRateScheduler, total: number) =>
      Array.from({ length: total + 1 }, (_, i) => s.schedule(i, total));
    test('polynomialDecay is insightface PolyScheduler: linear warm-up, then (1 − progress)^2', () => {
      const r = at(callbacks.polynomialDecay({ learningRate: 0.1, warmupSteps: 4 }), 14);
      [0, 0.025, 0.05, 0.075, 0.1].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 15));
      expect(r[9]).toBeCloseTo(0.1 * 0.5 ** 2, 15);
      expect(r[14]).toBe(0);
    });
    test('cosineDecay reaches the minimum at the end and the midpoint at half way', () => {
      const r = at(callbacks.cosineDecay({ learningRate: 1, minLearningRate: 0.2, warmupSteps: 2 }), 12);
      expect(r[1]).toBe(0.5);
      expect(r[2]).toBe(1);
      expect(r[7]).toBeCloseTo(0.6, 15);
      expect(r[12]).toBeCloseTo(0.2, 15);
    });
    test('stepDecay multiplies by the factor at each boundary', () => {
      const r = at(callbacks.stepDecay({ learningRate: 1, boundaries: [3, 6], factor: 0.1 }), 8);
      expect(r).toEqual([1, 1, 1, 0.1, 0.1, 0.1, 1 * 0.1 ** 2, 1 * 0.1 ** 2, 1 * 0.1 ** 2]);
    });
    test('bad arguments are MarginArgumentErrors', () => {
      expect(() => callbacks.polynomialDecay({ learningRate: 0 })).toThrow(
        /callbacks\.polynomialDecay: argument 'learningRate' must be a finite number in \(0, 1000000\]/,
      );
      expect(() => callbacks.cosineDecay({ learningRate: 1, warmupSteps: 1.5 })).toThrow(
        /argument 'warmupSteps' must be an integer >= 0/,
      );
      expect(() => callbacks.stepDecay({ learningRate: 1, boundaries: [5, 3] })).toThrow(
        /argument 'boundaries' must be an increasing array of positive integer steps/,
      );
      expect(() => callbacks.learningRateScheduler({ schedule: 3 as never })).toThrow(MarginArgumentError);
    });
  });

  describe('marginWarmup and setMarginStrength', () => {
    test('strengthAt: linear and switch', () => {
      const head = layers.cosFace({ numClasses: 3 });
      const linear = callbacks.marginWarmup({ head, warmupSteps: 4, from: 0.2 });
      expect([0, 1, 2, 4, 9].map((s) => linear.strengthAt(s))).toEqual([0.2, 0.4, 0.6000000000000001, 1, 1]);
      const step = callbacks.marginWarmup({ head, warmupSteps: 3, mode: 'switch' });
      expect([0, 2, 3].map((s) => step.strengthAt(s))).toEqual([0, 0, 1]);
    });
    test('errors', () => {
      const head = layers.arcFace({ numClasses: 3 });
      expect(() => head.setMarginStrength(1.5)).toThrow(
        /ArcFace\.setMarginStrength: argument 'strength' must be a number in \[0, 1\], but received 1\.5/,
      );
      expect(() => callbacks.marginWarmup({ head: tf.layers.dense({ units: 2 }) as never, warmupSteps: 3 })).toThrow(
        /argument 'head' must be a margin head/,
      );
      expect(() => callbacks.marginWarmup({ head, warmupSteps: 0 })).toThrow(
        /argument 'warmupSteps' must be an integer >= 1/,
      );
      expect(() => callbacks.marginWarmup({ head, warmupSteps: 2, mode: 'cosine' as never })).toThrow(
        /argument 'mode' must be 'linear' or 'switch'/,
      );
    });
    test('the strength is not saved: a loaded head has the full margin', () => {
      const head = layers.arcFace({ numClasses: 3, margin: 0.4 });
      head.setMarginStrength(0.1);
      expect(head.getConfig()['margin']).toBe(0.4);
      expect(Object.keys(head.getConfig())).not.toContain('marginStrength');
    });
  });

  describe('progressLogger', () => {
    async function fitWith(logger: callbacks.ProgressLogger) {
      const x = tf.randomNormal([40, 4], 0, 1, 'float32', 1);
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: 40 }, (_, i) => i % 3),
            'int32',
          ),
          3,
        )
        .toFloat();
      const model = tf.sequential({ layers: [layers.normalizedDense({ units: 3, scale: 5, inputShape: [4] })] });
      model.compile({ optimizer: tf.train.adam(0.01), loss: losses.softmaxCrossEntropy, metrics: ['accuracy'] });
      await model.fit(x, y, { epochs: 3, batchSize: 10, verbose: 0, callbacks: [logger] });
      tf.dispose([x, y]);
      model.dispose();
    }
    test('not a terminal: one line per epoch, no escape codes', async () => {
      let text = '';
      await fitWith(callbacks.progressLogger({ stream: { write: (s: string) => (text += s), isTTY: false } }));
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^epoch 1\/3 {2}4\/4 {2}\S+ {2}loss \d+\.\d{4} {2}acc \d\.\d{4} {2}ETA \S+$/);
      expect(lines[2]).toMatch(/^epoch 3\/3 /);
      expect(text).not.toContain('\x1b');
    });
    test('a terminal gets a bar redrawn in place', async () => {
      let text = '';
      const logger = callbacks.progressLogger({ stream: { write: (s: string) => (text += s), isTTY: true } });
      await fitWith(logger);
      // eslint-disable-next-line no-control-regex -- the terminal escape is what is tested
      expect(text).toMatch(/\r\x1b\[2Kepoch 1\/3 \[[=> ]+\] \d\/4 {2}.*loss/);
    });
    test('CSV and JSON Lines logs, one row per epoch', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-'));
      const csv = path.join(dir, 'log.csv');
      const jsonl = path.join(dir, 'log.jsonl');
      await fitWith(callbacks.progressLogger({ stream: { write: () => 0 }, logFile: csv }));
      await fitWith(callbacks.progressLogger({ stream: { write: () => 0 }, logFile: jsonl }));
      const rows = readFileSync(csv, 'utf8').trim().split('\n');
      expect(rows[0]).toBe('epoch,seconds,loss,acc');
      expect(rows).toHaveLength(4);
      const records = readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, number>);
      expect(records.map((r) => r['epoch'])).toEqual([1, 2, 3]);
      expect(records.every((r) => Number.isFinite(r['loss']) && Number.isFinite(r['acc']))).toBe(true);
    });
    test('errors', () => {
      expect(() => callbacks.progressLogger({ stream: {} as never })).toThrow(
        /argument 'stream' must be an object with a write\(text\) method/,
      );
      expect(() => callbacks.progressLogger({ logFile: 'x.log', logFormat: 'xml' as never })).toThrow(
        /argument 'logFormat' must be 'csv' or 'jsonl'/,
      );
    });
  });

  describe('verificationCallback and classBalancedSampler arguments', () => {
    test('verificationCallback rejects mismatched pairs', () => {
      const a = tf.zeros([4, 2]);
      const b = tf.zeros([3, 2]);
      expect(() => callbacks.verificationCallback({ pairs: { a, b, isSame: [true, false, true, false] } })).toThrow(
        /callbacks\.verificationCallback: argument 'pairs' must be as many rows in a and b as entries in isSame, but received a \[4, 2\], b \[3, 2\], 4 flags/,
      );
      tf.dispose([a, b]);
    });
    test('sampler: seeded batches repeat; every class reappears; bad arguments', () => {
      const labels = Array.from({ length: 60 }, (_, i) => i % 6);
      const one = [...data.classBalancedSampler(labels, { samplesPerClass: 2, classesPerBatch: 3, seed: 4 }).epoch()];
      const two = [...data.classBalancedSampler(labels, { samplesPerClass: 2, classesPerBatch: 3, seed: 4 }).epoch()];
      expect(one.map((b) => Array.from(b))).toEqual(two.map((b) => Array.from(b)));
      expect(one).toHaveLength(10);
      const seen = new Set(one.flatMap((b) => Array.from(b, (i) => labels[i])));
      expect(seen.size).toBe(6);
      expect(() => data.classBalancedSampler(labels, { classesPerBatch: 7 })).toThrow(
        /argument 'classesPerBatch' must be at most the number of classes \(6\)/,
      );
      expect(() => data.classBalancedSampler([0, 1, -1])).toThrow(
        /data\.classBalancedSampler: argument 'labels' must be integers >= 0, but received -1 at index 2/,
      );
      expect(() => data.classBalancedSampler([])).toThrow(/argument 'labels' must be a non-empty array/);
    });
    test('sampler groups: each batch draws from the fewest groups that hold its classes; classes visited evenly; bad groups', () => {
      // 3 groups of 8, 6 and 2 classes, 5 samples per class.
      const groupOfClass = (c: number) => (c < 8 ? 0 : c < 14 ? 1 : 2);
      const labels = Array.from({ length: 16 * 5 }, (_, i) => i % 16);
      const groups = labels.map(groupOfClass);
      const sampler = data.classBalancedSampler(labels, {
        samplesPerClass: 2,
        classesPerBatch: 4,
        groups,
        seed: 3,
        batchesPerEpoch: 600,
      });
      const visits = new Array(16).fill(0);
      for (const batch of sampler.epoch()) {
        const classes = new Set(Array.from(batch, (i) => labels[i]!));
        expect(classes.size).toBe(4);
        const used = new Set([...classes].map(groupOfClass));
        // Group 2 holds 2 classes: with it a second group fills the batch; otherwise one group.
        expect(used.size).toBe(used.has(2) ? 2 : 1);
        classes.forEach((c) => visits[c]++);
      }
      // Groups are weighted so that every class comes about 600·4/16 = 150 times, small group too.
      for (const v of visits) expect(Math.abs(v - 150)).toBeLessThan(45);
      const two = data.classBalancedSampler(labels, {
        samplesPerClass: 1,
        classesPerBatch: 4,
        groups,
        groupsPerBatch: 2,
        seed: 5,
      });
      for (const batch of two.epoch())
        expect(new Set(Array.from(batch, (i) => groupOfClass(labels[i]!))).size).toBeLessThanOrEqual(3);
      expect(() => data.classBalancedSampler(labels, { groups: groups.slice(1) })).toThrow(
        /argument 'groups' must be one group id per sample \(80\), but received 79 ids/,
      );
      const split = groups.slice();
      split[16] = 1; // a sample of class 0 in group 1
      expect(() => data.classBalancedSampler(labels, { groups: split })).toThrow(
        /argument 'groups' must be the same group for every sample of a class, but received class 0 in groups 0 and 1 \(index 16\)/,
      );
      expect(() => data.classBalancedSampler(labels, { groupsPerBatch: 2 })).toThrow(
        /argument 'groupsPerBatch' must be given only with groups/,
      );
      expect(() => data.classBalancedSampler(labels, { groups, groupsPerBatch: 4 })).toThrow(
        /argument 'groupsPerBatch' must be at most the number of groups \(3\)/,
      );
    });
  });
});
