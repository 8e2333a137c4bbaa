// One-shot runs in the public Omniglot layout (brendenlake/omniglot, one-shot-classification):
//
//   <dir>/runNN/class_labels.txt     lines "runNN/test/itemXX.png runNN/training/classYY.png"
//   <dir>/runNN/training/*.png       one image per candidate class
//   <dir>/runNN/test/*.png           the images to label
//
// `readRuns` reads such a folder (or one runNN folder) into ink images of any input size; `writeRuns`
// writes generated runs in the same layout so the development split is evaluated by the same reader.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { metrics } from 'tfjs-margin';
import { decodePng, toInk } from './images.mjs';

const LABELS = 'class_labels.txt';

function readImage(file, size, framing, inkSpread) {
  if (!existsSync(file)) throw new Error(`${file}: image not found`);
  return toInk(decodePng(readFileSync(file), file), size, framing, inkSpread);
}

/** The runNN folders of `dir`, or `[dir]` when it is a run folder itself. */
function runFolders(dir) {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--runs ${dir}: not a folder`);
  if (existsSync(path.join(dir, LABELS))) return [dir];
  const runs = readdirSync(dir)
    .filter((n) => existsSync(path.join(dir, n, LABELS)))
    .sort();
  if (runs.length === 0) {
    throw new Error(`--runs ${dir}: no run folders (want <dir>/runNN/${LABELS}, as Omniglot's all_runs/)`);
  }
  return runs.map((n) => path.join(dir, n));
}

/**
 * Reads one-shot runs. Each run: `training` (every PNG of `training/`, sorted; each a candidate class),
 * `test` (the images named in `class_labels.txt`) and `answers` (for each test image, the index of its
 * class's training image). Images are resized to `size`×`size` ink, framed as drawing.mjs's `toInk` (`framing`, `inkSpread`). Throws naming the file and line on
 * a missing file, a malformed line or an unreadable image.
 */
export function readRuns(dir, { size = 28, framing = 'frame', inkSpread } = {}) {
  return runFolders(dir).map((runDir) => {
    const name = path.basename(runDir);
    const base = path.dirname(runDir);
    const labelsFile = path.join(runDir, LABELS);
    const trainingDir = path.join(runDir, 'training');
    if (!existsSync(trainingDir)) throw new Error(`${trainingDir}: folder not found`);
    const trainingFiles = readdirSync(trainingDir)
      .filter((f) => f.toLowerCase().endsWith('.png'))
      .sort();
    if (trainingFiles.length < 2) throw new Error(`${trainingDir}: want at least 2 training images`);
    const trainingIndex = new Map(trainingFiles.map((f, i) => [path.join(trainingDir, f), i]));
    const lines = readFileSync(labelsFile, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim());
    const test = [];
    const answers = [];
    const seen = new Set();
    lines.forEach((line, i) => {
      if (line === '') return;
      const where = `${labelsFile}:${i + 1}`;
      const parts = line.split(/\s+/);
      if (parts.length !== 2 || !parts.every((p) => p.toLowerCase().endsWith('.png'))) {
        throw new Error(`${where}: malformed line "${line}" (want "<run>/test/<item>.png <run>/training/<class>.png")`);
      }
      // Paths are relative to the folder that holds the run folder; a bare run folder works too.
      const resolve = (p) => {
        const fromBase = path.join(base, p);
        return existsSync(fromBase) ? fromBase : path.join(runDir, p.split('/').slice(1).join('/'));
      };
      const testFile = resolve(parts[0]);
      const trainFile = resolve(parts[1]);
      if (!existsSync(testFile)) throw new Error(`${where}: test image ${parts[0]} not found`);
      if (!trainingIndex.has(trainFile)) {
        throw new Error(`${where}: training image ${parts[1]} not found in ${trainingDir}`);
      }
      if (seen.has(testFile)) throw new Error(`${where}: test image ${parts[0]} listed twice`);
      seen.add(testFile);
      test.push(readImage(testFile, size, framing, inkSpread));
      answers.push(trainingIndex.get(trainFile));
    });
    if (test.length === 0) throw new Error(`${labelsFile}: no test images listed`);
    const training = trainingFiles.map((f) => readImage(path.join(trainingDir, f), size, framing, inkSpread));
    return { name, training, test, answers };
  });
}

/** Writes runs (`{training: [{png}], test: [{png}]}`, test i belongs to training i) in the public layout. */
export function writeRuns(dir, runs) {
  const pad = (n) => String(n).padStart(2, '0');
  runs.forEach((run, r) => {
    const name = `run${pad(r + 1)}`;
    mkdirSync(path.join(dir, name, 'training'), { recursive: true });
    mkdirSync(path.join(dir, name, 'test'), { recursive: true });
    const lines = run.test.map((t, i) => {
      writeFileSync(path.join(dir, name, 'test', `item${pad(i + 1)}.png`), t.png);
      writeFileSync(path.join(dir, name, 'training', `class${pad(i + 1)}.png`), run.training[i].png);
      return `${name}/test/item${pad(i + 1)}.png ${name}/training/class${pad(i + 1)}.png`;
    });
    writeFileSync(path.join(dir, name, LABELS), `${lines.join('\n')}\n`);
  });
}

/** Rows minus `mean` (the centre the cosine is then taken about). */
function centred(rows, mean) {
  return rows.map((r) => r.map((v, c) => v - mean[c]));
}

/** The mean of a run's support rows: what `center: 'support'` subtracts. */
function supportMean(rows) {
  const mean = new Array(rows[0].length).fill(0);
  for (const r of rows) r.forEach((v, c) => (mean[c] += v / rows.length));
  return mean;
}

/**
 * Error of each run for an embedding function (`embed(images) → Promise<number[][]>`): each test
 * image takes the class of its most similar (cosine) training image. `center: 'support'` takes the
 * cosine about the mean of the run's training (support) embeddings instead of the origin: what the 20
 * characters of one alphabet share (its style) is removed before they are compared, using only the
 * run's labelled images (each query is still labelled on its own).
 */
export async function oneShotErrors(runs, embed, { center = 'none' } = {}) {
  if (center !== 'none' && center !== 'support') throw new Error(`center must be 'none' or 'support' (got ${center})`);
  const errors = [];
  for (const run of runs) {
    let support = await embed(run.training);
    let queries = await embed(run.test);
    if (center === 'support') {
      const mean = supportMean(support);
      support = centred(support, mean);
      queries = centred(queries, mean);
    }
    const supportLabels = support.map((_, i) => i);
    errors.push(metrics.oneShot(support, supportLabels, queries, run.answers).error);
  }
  return errors;
}
