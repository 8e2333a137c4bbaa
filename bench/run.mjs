// npm run bench -- [--backends tensorflow,wasm,cpu,webgl,webgpu] [--quick] [--no-torch] [--out bench/results/latest.json]
//
// Runs the benchmark plan of bench/plans.mjs on each backend in its own process (or in headless Chromium
// for webgl/webgpu), plus the PyTorch reference (bench/torch_step.py), and prints every head's step time
// as a ratio to the plain matMul + softmax cross-entropy floor measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planFor } from './plans.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,wasm,cpu,webgl,webgpu' },
    quick: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    worker: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'bench/results/latest.json') },
  },
});

async function nodeWorker(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'tensorflow') await import('@tensorflow/tfjs-node');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const margin = await import('tfjs-margin');
  const { runPlan } = await import('./core.mjs');
  const rows = await runPlan(tf, margin, planFor(backend, args.quick), (line) => process.stderr.write(line + '\n'));
  process.stdout.write(JSON.stringify(rows));
}

function runNode(backend) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--worker', backend, ...(args.quick ? ['--quick'] : [])],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`${backend} worker failed (${r.status})`);
  return JSON.parse(r.stdout);
}

async function runBrowser(backend) {
  const { runBrowserBench } = await import('./browser/run.mjs');
  return runBrowserBench(backend, args.quick);
}

function runTorch() {
  const r = spawnSync('python3', [path.join(here, 'torch_step.py'), ...(args.quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error('torch_step.py failed: pip install torch==2.13.0 and pytorch-metric-learning');
  return JSON.parse(r.stdout);
}

function fmtBytes(b) {
  return `${(b / 2 ** 20).toFixed(1)} MiB`;
}

async function main() {
  if (args.worker) return nodeWorker(args.worker);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const rows = [];
  for (const backend of args.backends.split(',')) {
    const got = backend === 'webgl' || backend === 'webgpu' ? await runBrowser(backend) : runNode(backend);
    rows.push(...got);
  }
  const torch = args['no-torch'] ? [] : runTorch();
  const lines = [];
  lines.push(
    '| backend | N | D | C | variant | step ms | floor ms | × floor | × floor of C·K columns | GFLOP/s | matmul GFLOP/s | peak MiB | × floor peak |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.n} | ${r.d} | ${r.c} | ${r.variant} | ${r.ms.toFixed(1)} | ${r.floorMs.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.sameColumnsRatio?.toFixed(2) ?? '—'} | ` +
        `${r.gflops.toFixed(1)} | ${r.matmulGflops.toFixed(1)} | ${fmtBytes(r.peakBytes)} | ${r.memoryRatio.toFixed(2)} |`,
    );
  }
  const vsTorch = [];
  for (const t of torch) {
    const ours = rows.find(
      (r) => r.backend === 'tensorflow' && r.n === t.n && r.d === t.d && r.c === t.c && r.variant === t.compareWith,
    );
    vsTorch.push({ ...t, oursMs: ours?.ms ?? null, ratio: ours ? ours.ms / t.ms : null });
  }
  if (vsTorch.length) {
    lines.push(
      '',
      '| reference (PyTorch, CPU) | N | D | C | torch ms | tensorflow ' + 'ms | × torch |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const t of vsTorch) {
      lines.push(
        `| ${t.name} | ${t.n} | ${t.d} | ${t.c} | ${t.ms.toFixed(1)} | ${t.oursMs?.toFixed(1) ?? '—'} | ${t.ratio?.toFixed(2) ?? '—'} |`,
      );
    }
  }
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\n${new Date().toISOString()}  ${machine}\n`);
  console.log(lines.join('\n'));
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    JSON.stringify({ date: new Date().toISOString(), machine, quick: args.quick, rows, torch: vsTorch }, null, 1),
  );
  console.log(`\nJSON: ${path.relative(root, args.out)}`);
}

await main();
