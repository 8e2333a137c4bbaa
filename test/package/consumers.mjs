// node test/package/consumers.mjs [--keep]
//
// What a user gets from `npm install tfjs-margin @tensorflow/tfjs`: packs this package, installs the
// tarball with only @tensorflow/tfjs into three fresh projects (ES module, CommonJS, browser bundle
// built with esbuild), trains one ArcFace step in each (the bundle in headless Chromium), and checks
// that nothing native was installed. Prints one JSON report on stdout; exits 1 on any failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tfjsVersion = JSON.parse(
  readFileSync(path.join(root, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8'),
).version;
const work = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-consumers-'));
const report = { tfjsVersion, projects: {}, failures: [] };
const fail = (what) => report.failures.push(what);

// The browser bundle's check: what tfjs-margin adds, gzipped, to an app that already bundles all of
// @tensorflow/tfjs, against the package's own bundle budget (scripts/check-package.mjs). 30 kB, raised
// to 32 kB when the fastPath namespace and the sampler's groups joined (30.04 kB measured with them); to
// 35 kB when the metric losses, ProxyAnchor, the miners and ops.pairwiseDistance joined; to 38 kB when
// SoftTriple and the gallery joined (37.5 kB measured with them); to 44 kB when the checkpoint namespace,
// the checkpoint callback and the training-state protocol of schedules, samplers and heads joined
// (43.0 kB measured with them).
const ADDED_BUNDLE_BUDGET_GZIP = 44 * 1024;

/** One ArcFace training step, as a user would write it; `tf` and `margin` are the imported modules. */
const TRAIN_STEP = `
  const { layers, losses } = margin;
  await tf.setBackend('cpu');
  const image = tf.input({ shape: [8] });
  const label = tf.input({ shape: [1] });
  const embedding = tf.layers.dense({ units: 4 }).apply(image);
  const logits = layers.arcFace({ numClasses: 3, scale: 8, seed: 1 }).apply([embedding, label]);
  const model = tf.model({ inputs: [image, label], outputs: logits });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: losses.softmaxCrossEntropy });
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
  const history = await model.fit([tf.randomNormal([6, 8], 0, 1, 'float32', 2), tf.cast(tf.reshape(y, [6, 1]), 'float32')], tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
  const result = { loss: history.history.loss[0], backend: tf.getBackend(), registered: 'TfjsMarginArcFace' in tf.serialization.SerializationMap.getMap().classNameMap };
`;

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every `.node` binary and every tfjs-node package under a node_modules tree. */
function nativeFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (/^tfjs-node(-gpu)?$/.test(entry.name)) found.push(path.relative(dir, p));
        walk(p);
      } else if (entry.name.endsWith('.node')) found.push(path.relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

function duSize(dir) {
  let total = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

function project(name, type, tarball) {
  const dir = path.join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, type }, null, 2),
  );
  const t0 = Date.now();
  sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `@tensorflow/tfjs@${tfjsVersion}`], dir);
  const native = nativeFiles(path.join(dir, 'node_modules'));
  const mb = (p) => +(duSize(path.join(dir, 'node_modules', p)) / 2 ** 20).toFixed(1);
  const entry = {
    installSeconds: (Date.now() - t0) / 1000,
    nodeModulesMB: mb(''),
    tfjsMarginMB: mb('tfjs-margin'),
    native,
  };
  if (native.length > 0) fail(`${name}: native code installed: ${native.join(', ')}`);
  report.projects[name] = entry;
  return { dir, entry };
}

function checkStep(name, entry, output) {
  let result;
  try {
    result = JSON.parse(output.trim().split('\n').pop());
  } catch {
    fail(`${name}: no result line in ${JSON.stringify(output.slice(-400))}`);
    return;
  }
  entry.step = result;
  if (!(Number.isFinite(result.loss) && result.loss > 0)) fail(`${name}: loss ${result.loss}`);
  if (result.registered !== true) fail(`${name}: layers not registered with tfjs serialization`);
}

async function main() {
  const tgzName = sh(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], root)
    .trim()
    .split('\n')
    .pop();
  const tarball = path.join(work, tgzName);

  // ES module consumer.
  const esm = project('esm', 'module', tarball);
  writeFileSync(
    path.join(esm.dir, 'main.js'),
    `import * as tf from '@tensorflow/tfjs';\nimport * as margin from 'tfjs-margin';\n(async () => {${TRAIN_STEP}\nconsole.log(JSON.stringify(result));\n})();\n`,
  );
  checkStep('esm', esm.entry, sh(process.execPath, ['main.js'], esm.dir));

  // CommonJS consumer.
  const cjs = project('cjs', 'commonjs', tarball);
  writeFileSync(
    path.join(cjs.dir, 'main.js'),
    `const tf = require('@tensorflow/tfjs');\nconst margin = require('tfjs-margin');\n(async () => {${TRAIN_STEP}\nconsole.log(JSON.stringify(result));\n})();\n`,
  );
  checkStep('cjs', cjs.entry, sh(process.execPath, ['main.js'], cjs.dir));

  // Browser consumer: an esbuild bundle run in headless Chromium, and its size against tfjs alone.
  const web = project('browser', 'module', tarball);
  const esbuild = (await import(path.join(root, 'node_modules/esbuild/lib/main.js'))).default;
  const bundle = async (file, source) => {
    writeFileSync(path.join(web.dir, `${file}.js`), source);
    await esbuild.build({
      entryPoints: [path.join(web.dir, `${file}.js`)],
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      outfile: path.join(web.dir, `${file}.bundle.js`),
      logLevel: 'error',
    });
    return readFileSync(path.join(web.dir, `${file}.bundle.js`));
  };
  const app = await bundle(
    'app',
    `import * as tf from '@tensorflow/tfjs';\nimport * as margin from 'tfjs-margin';\nwindow.tf = tf;\nwindow.run = async () => {${TRAIN_STEP}\nreturn JSON.stringify(result);\n};\n`,
  );
  const plain = await bundle('plain', `import * as tf from '@tensorflow/tfjs';\nwindow.tf = tf;\n`);
  const added = gzipSync(app).length - gzipSync(plain).length;
  web.entry.bundle = {
    appKBgz: +(gzipSync(app).length / 1024).toFixed(1),
    tfjsAloneKBgz: +(gzipSync(plain).length / 1024).toFixed(1),
    addedKBgz: +(added / 1024).toFixed(1),
    budgetKBgz: ADDED_BUNDLE_BUDGET_GZIP / 1024,
  };
  if (added > ADDED_BUNDLE_BUDGET_GZIP)
    fail(`browser: tfjs-margin adds ${added} bytes gzipped (budget ${ADDED_BUNDLE_BUDGET_GZIP})`);
  const { chromium } = await import(path.join(root, 'node_modules/playwright-core/index.mjs'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: app.toString('utf8') });
    const output = await page.evaluate(() => window.run());
    checkStep('browser', web.entry, output);
    if (errors.length > 0) fail(`browser: page errors ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  fail(`error: ${e instanceof Error ? `${e.message}\n${e.stderr ?? ''}` : String(e)}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  else report.workDir = work;
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.failures.length === 0 ? 0 : 1);
