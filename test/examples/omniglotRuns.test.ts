import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';

/**
 * The Omniglot example's runs-folder reader (examples/omniglot/runs.mjs) on folders built here in the
 * public layout: known one-shot answers, any image size resized to the network input, and a clear
 * error for each kind of broken folder. The reader is ESM, so a probe script runs it.
 */
const root = path.resolve(__dirname, '../..');

interface ProbeRun {
  name: string;
  training: number;
  test: number;
  answers: number[];
  pixels: number;
  testInk: number[];
}
interface Probe {
  runs?: ProbeRun[];
  errors?: number[];
  error?: string;
}

function probe(dir: string, size = 28): Probe {
  const out = execFileSync(process.execPath, [path.join(root, 'test/examples/runsProbe.mjs'), dir, String(size)], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Probe;
}

/** A black-on-white PNG, `width`×`height`, black where `ink(x, y)` (x, y in [0, 1)). */
function png(width: number, height: number, ink: (x: number, y: number) => boolean): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink(x / width, y / height) ? 0 : 255;
      image.data.set([v, v, v, 255], 4 * (y * width + x));
    }
  }
  return PNG.sync.write(image);
}

/** Class k of n: a vertical bar at its own place, so raw pixels tell the classes apart. */
const bar = (k: number, n: number) => (x: number) => x >= k / n && x < (k + 1) / n;

/**
 * Writes `<base>/<run>/…` with `n` classes. Test item i belongs to training class `order[i]`; training
 * images are `w`×`h`, test images `tw`×`th`.
 */
function makeRun(base: string, run: string, n: number, order: number[], sizes = { w: 105, h: 105, tw: 105, th: 105 }) {
  mkdirSync(path.join(base, run, 'training'), { recursive: true });
  mkdirSync(path.join(base, run, 'test'), { recursive: true });
  const pad = (i: number) => String(i + 1).padStart(2, '0');
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    writeFileSync(path.join(base, run, 'training', `class${pad(k)}.png`), png(sizes.w, sizes.h, bar(k, n)));
  }
  order.forEach((k, i) => {
    writeFileSync(path.join(base, run, 'test', `item${pad(i)}.png`), png(sizes.tw, sizes.th, bar(k, n)));
    lines.push(`${run}/test/item${pad(i)}.png ${run}/training/class${pad(k)}.png`);
  });
  writeFileSync(path.join(base, run, 'class_labels.txt'), `${lines.join('\n')}\n`);
}

describe('[examples] Omniglot runs folders', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-runs-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('reads every runNN folder, maps each test item to its class, and scores one-shot by nearest neighbour', () => {
    makeRun(base, 'run01', 4, [2, 0, 3, 1]);
    makeRun(base, 'run02', 5, [4, 3, 2, 1, 0]);
    const r = probe(base);
    expect(r.error).toBeUndefined();
    expect(r.runs!.map((x) => [x.name, x.training, x.test])).toEqual([
      ['run01', 4, 4],
      ['run02', 5, 5],
    ]);
    expect(r.runs![0]!.answers).toEqual([2, 0, 3, 1]);
    expect(r.runs![1]!.answers).toEqual([4, 3, 2, 1, 0]);
    expect(r.errors).toEqual([0, 0]);
  });

  test('a wrong answer in class_labels.txt costs exactly 1/n', () => {
    makeRun(base, 'run01', 4, [0, 1, 2, 3]);
    // Item 1 is drawn as class 1 but labelled class 2: its nearest training image is class 1, so it is wrong.
    const labels = path.join(base, 'run01', 'class_labels.txt');
    writeFileSync(
      labels,
      ['item01 class01', 'item02 class03', 'item03 class03', 'item04 class04']
        .map((l) => l.replace(/(item\d+) (class\d+)/, 'run01/test/$1.png run01/training/$2.png'))
        .join('\n'),
    );
    expect(probe(base).errors).toEqual([0.25]);
  });

  test("center: 'support' takes the cosine about the run's support mean, whatever the embeddings' offset", () => {
    const out = execFileSync(process.execPath, [path.join(root, 'test/examples/centerProbe.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as { none: number[]; support: number[]; supportShifted: number[]; bad: string };
    // About the origin, class 1's query is nearer class 0 in angle; about the support mean it is not.
    expect(r.none).toEqual([0.5]);
    expect(r.support).toEqual([0]);
    // A constant added to every embedding moves the support mean with it.
    expect(r.supportShifted).toEqual([0]);
    expect(r.bad).toBe("center must be 'none' or 'support' (got train)");
  });

  test("framing 'ink': a drawing centred and scaled about its ink, wherever and however large it was drawn", () => {
    const out = execFileSync(process.execPath, [path.join(root, 'test/examples/framingProbe.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
    type Moments = { mass: number; cx: number; cy: number; r: number };
    const r = JSON.parse(out) as {
      movedFrameIou: number;
      movedInkIou: number;
      largeFrameIou: number;
      smallMoments: Moments;
      largeMoments: Moments;
      spread5Moments: Moments;
      frameMass: number;
      inkMass: number;
      frameWindow: { x0: number; y0: number; side: number };
      empty: number[];
      emptyWindow: { x0: number; y0: number; side: number };
      dotWindow: number;
      bad: string;
      badSpread: string;
    };
    // Moved by whole pixels: no overlap in the whole frame, the same image framed about the ink.
    expect(r.movedFrameIou).toBe(0);
    expect(r.movedInkIou).toBeCloseTo(1, 6);
    // Drawn twice as large: no overlap in the frame; about the ink, centred on the 28×28 square's
    // middle (14, 14) with an RMS radius of 28 / 4 = 7 pixels, small or large.
    expect(r.largeFrameIou).toBe(0);
    for (const m of [r.smallMoments, r.largeMoments]) {
      expect(m.cx).toBeCloseTo(14, 1);
      expect(m.cy).toBeCloseTo(14, 1);
      expect(m.r).toBeCloseTo(7, 1);
    }
    // Area averaging keeps the ink in either framing.
    expect(r.frameMass).toBeCloseTo(1, 5);
    expect(r.inkMass).toBeCloseTo(1, 5);
    expect(r.frameWindow).toEqual({ x0: 0, y0: 0, side: 105 });
    // No ink: the whole frame, all paper, no NaN; a dot is magnified 3× at most.
    expect(r.empty).toEqual([0]);
    expect(r.emptyWindow).toEqual({ x0: 0, y0: 0, side: 105 });
    expect(r.dotWindow).toBeCloseTo(35, 6);
    expect(r.bad).toBe('framing must be frame or ink (got crop)');
    // inkSpread sets the square's side in RMS radii: at 5 the ink's RMS radius is 28 / 5 px.
    expect(r.spread5Moments.cx).toBeCloseTo(14, 1);
    expect(r.spread5Moments.cy).toBeCloseTo(14, 1);
    expect(r.spread5Moments.r).toBeCloseTo(28 / 5, 1);
    expect(r.badSpread).toBe('inkSpread must be in [2, 8] (got 1.5)');
  });

  test('test-time views: each quarter turn embedded to unit length, side by side; a turned image permutes them', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'test/examples/viewsProbe.mjs')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const r = JSON.parse(out) as {
      one: number[][];
      four: number[][];
      eight: number[][];
      views4: number[][];
      otherViews: number[][];
      unitImg: number[];
      bad: string;
      leaked: number;
      d: number;
    };
    const close = (a: number[], b: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 5));
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    close(r.one[0]!, r.unitImg);
    const [img, turned, other] = r.four as [number[], number[], number[]];
    expect(img).toHaveLength(4 * r.d);
    const block = (v: number[], k: number) => v.slice(k * r.d, (k + 1) * r.d);
    // Views 0–3 are the image's quarter turns, each a unit vector.
    for (let k = 0; k < 4; k++) close(block(img, k), r.views4[k]!);
    // The image turned once: its views are the original's, shifted by one turn.
    for (let k = 0; k < 4; k++) close(block(turned, k), block(img, (k + 1) % 4));
    // Cosine of the concatenations = mean of the per-turn cosines.
    const perTurn = [0, 1, 2, 3].map((k) => dot(r.views4[k]!, r.otherViews[k]!));
    const cos = dot(img, other) / Math.sqrt(dot(img, img) * dot(other, other));
    expect(cos).toBeCloseTo(perTurn.reduce((a, b) => a + b) / 4, 5);
    // Views 8 add the mirror images: a mirrored image's views are the original's, turns 4–7 first.
    const [e, mirrored] = r.eight as [number[], number[]];
    expect(e).toHaveLength(8 * r.d);
    for (let k = 0; k < 8; k++) expect(Math.hypot(...block(e, k))).toBeCloseTo(1, 5);
    close(block(mirrored, 0), block(e, 4));
    close(block(mirrored, 4), block(e, 0));
    expect(r.bad).toBe('views must be 1, 4 or 8 (got 3)');
    expect(r.leaked).toBe(0);
  });

  test('a single run folder can be given directly', () => {
    makeRun(base, 'run07', 3, [1, 2, 0]);
    const r = probe(path.join(base, 'run07'));
    expect(r.runs!.map((x) => x.name)).toEqual(['run07']);
    expect(r.errors).toEqual([0]);
  });

  test('images of any size are resized to the network input, ink preserved', () => {
    makeRun(base, 'run01', 2, [0, 1], { w: 50, h: 37, tw: 211, th: 64 });
    for (const size of [28, 20]) {
      const r = probe(base, size);
      expect(r.runs![0]!.pixels).toBe(size * size);
      // Each test image is half ink (one of two vertical halves).
      for (const ink of r.runs![0]!.testInk) expect(ink).toBeCloseTo(0.5, 2);
      expect(r.errors).toEqual([0]);
    }
  });

  test('a missing folder, labels file, image or a malformed line is a clear error naming the file', () => {
    expect(probe(path.join(base, 'nowhere')).error).toMatch(/nowhere: not a folder/);
    mkdirSync(path.join(base, 'empty'));
    expect(probe(path.join(base, 'empty')).error).toMatch(/no run folders .*class_labels\.txt/);

    makeRun(base, 'run01', 3, [0, 1, 2]);
    rmSync(path.join(base, 'run01', 'test', 'item02.png'));
    expect(probe(base).error).toMatch(/class_labels\.txt:2: test image run01\/test\/item02\.png not found/);

    makeRun(base, 'run01', 3, [0, 1, 2]);
    rmSync(path.join(base, 'run01', 'training', 'class03.png'));
    expect(probe(base).error).toMatch(/class_labels\.txt:3: training image run01\/training\/class03\.png not found/);

    makeRun(base, 'run01', 3, [0, 1, 2]);
    writeFileSync(path.join(base, 'run01', 'class_labels.txt'), 'run01/test/item01.png\n');
    expect(probe(base).error).toMatch(/class_labels\.txt:1: malformed line "run01\/test\/item01\.png"/);

    makeRun(base, 'run01', 3, [0, 1, 2]);
    writeFileSync(path.join(base, 'run01', 'class_labels.txt'), '\n\n');
    expect(probe(base).error).toMatch(/class_labels\.txt: no test images listed/);

    makeRun(base, 'run01', 3, [0, 1, 2]);
    writeFileSync(path.join(base, 'run01', 'test', 'item01.png'), 'not a png');
    expect(probe(base).error).toMatch(/item01\.png: not a readable PNG image/);
  });

  test("the presets' expected cost keeps the README's budgets on the bundled data", () => {
    const out = execFileSync(process.execPath, [path.join(root, 'test/examples/presetsProbe.mjs')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    type Cost = { headline: number; firstSplit: number; largestSplit: number; all: number };
    const { images, presets } = JSON.parse(out) as {
      images: { firstSplit: number; largestSplit: number; all: number };
      presets: Record<'quick' | 'default' | 'full', Cost>;
    };
    // 20 drawings of each of 242 characters; the splits train on 6 of the 8 alphabets.
    expect(images.all).toBe(4840);
    expect(images.firstSplit).toBeLessThan(images.all);
    // Every training: quick under a minute, default ≤ 4 minutes, full ≤ 15, on all 242 characters too.
    expect(presets.quick.all).toBeLessThan(60);
    expect(presets.default.all).toBeLessThanOrEqual(240);
    expect(presets.full.all).toBeLessThanOrEqual(900);
    // The first command trains the headline heads on the first split, leaving 2 of its 15 minutes to
    // the install; the default's 3 heads × 3 seeds on all 242 characters take ≤ 40 minutes.
    expect(presets.default.headline).toBe(5);
    expect(presets.default.headline * (presets.default.firstSplit + 5)).toBeLessThanOrEqual(13 * 60);
    expect(9 * (presets.default.all + 5)).toBeLessThanOrEqual(40 * 60);
  });
});
