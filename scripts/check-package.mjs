// node scripts/check-package.mjs   (part of `npm run check:package`, run by CI)
//
// Package hygiene beyond publint/attw: no install-time scripts, only the intended files packed, a
// size budget for the built bundles, and `npm audit --omit=dev` of the production dependency tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const failures = [];
const ok = (line) => console.log(`ok   ${line}`);
const fail = (line) => {
  failures.push(line);
  console.log(`FAIL ${line}`);
};

// 1. Nothing runs when a user installs the package.
const installHooks = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
const hooks = installHooks.filter((h) => pkg.scripts?.[h] !== undefined);
if (hooks.length === 0) ok('no install-time scripts');
else fail(`install-time scripts present: ${hooks.join(', ')}`);
if (pkg.gypfile) fail('gypfile: true would compile at install');

// 2. The tarball holds the build, the docs and the manifest, nothing else.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packed = JSON.parse(
  execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
);
const files = packed[0].files.map((f) => f.path);
const allowed = /^(dist\/index\.(c?js|d\.c?ts)(\.map)?|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/;
const stray = files.filter((f) => !allowed.test(f));
if (stray.length === 0)
  ok(`tarball holds ${files.length} expected files (${(packed[0].unpackedSize / 1024).toFixed(0)} kB unpacked)`);
else fail(`unexpected files in the tarball: ${stray.join(', ')}`);

// 3. Size budget: what a browser bundler pulls in, gzipped.
// 20 kB for ops, losses and layers; raised to 28 kB when metrics, callbacks and data (9 kB) joined in 0.2.0;
// to 30 kB when metrics.oneShot, ops.validateTargets and the argument bounds and numeric-domain checks of
// the robustness work (about 1.9 kB gzipped) joined; to 32 kB when AdaFace, CurricularFace, their margin
// ops and the shared head input checks (about 1.5 kB gzipped) joined; to 36 kB when MagFace, ElasticFace,
// AdaCos, the Circle head, their margin ops, marginLogits' three new hooks and Partial FC's margin
// strategies (about 3.5 kB gzipped) joined; to 42 kB when Partial FC's center stores (host typed arrays,
// TensorFlow resource variables, the tensor fallback), its host class sampler and row-range access
// (about 4.6 kB gzipped, unminified) joined; to 48 kB when the fastPath namespace (TensorFlow's fused
// batch norm, activation gradients and optimizer updates on tfjs-node) and the sampler's groups (4.2 kB
// gzipped, unminified, most of it TSDoc) joined; to 54 kB when the metric losses (triplet, multi-similarity,
// SupCon, NT-Xent, contrastive), the ProxyAnchor layer, the miners namespace and ops.pairwiseDistance
// (3.6 kB gzipped, unminified) joined; to 58 kB when layers.softTriple and the gallery namespace (3 kB)
// joined; to 66 kB when the checkpoint namespace (file, IndexedDB and memory storages, the checksummed
// format, restore with its refusals), callbacks.checkpoint and the training-state protocol of the
// schedules, samplers and heads (about 6.5 kB gzipped, unminified) joined. What an app bundler adds (minified) is checked
// separately by test/package/consumers.mjs (budget 30 kB).
const BUDGET_GZIP = { 'dist/index.js': 66 * 1024, 'dist/index.cjs': 66 * 1024 };
for (const [file, budget] of Object.entries(BUDGET_GZIP)) {
  const size = gzipSync(readFileSync(path.join(root, file))).length;
  const line = `${file}: ${(size / 1024).toFixed(1)} kB gzipped (budget ${(budget / 1024).toFixed(0)} kB)`;
  if (size <= budget) ok(line);
  else fail(line);
}

// 4. Known vulnerabilities in what `npm install tfjs-margin` brings (its production tree: no tfjs-node).
const audit = spawnSync(npm, ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8' });
let report = null;
try {
  report = JSON.parse(audit.stdout);
} catch {
  report = null;
}
const counts = report?.metadata?.vulnerabilities;
if (counts !== undefined) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) - (counts.total ?? 0);
  if (total === 0) ok('npm audit --omit=dev: no known vulnerabilities');
  else fail(`npm audit --omit=dev: ${JSON.stringify(counts)}`);
} else {
  // The advisory service is a separate endpoint; registry mirrors often refuse it (HTTP 405).
  const why = (
    report?.message ??
    report?.error?.summary ??
    audit.stderr.split('\n').find((l) => /audit|error/i.test(l)) ??
    ''
  ).trim();
  console.log(`WARN npm audit --omit=dev could not reach the advisory service (${why}); dependencies NOT audited`);
}

if (failures.length > 0) {
  console.log(`\n${failures.length} package check(s) failed`);
  process.exit(1);
}
