// npm run bench -- [--backends tensorflow,wasm,cpu,webgl,webgpu] [--quick] [--no-torch] [--no-metric] [--repeat 1] [--out bench/results/latest.json]
//
// Runs the benchmark plan of bench/plans.mjs on each backend in its own process (or in headless Chromium
// for webgl/webgpu), plus the PyTorch reference (bench/torch_step.py), and prints every head's step time
// as a ratio to the plain matMul + softmax cross-entropy floor measured in the same run. With
// --repeat R each backend's plan runs R times, each in a fresh process: the table gives each ratio's
// median and its min–max over the R runs (the spread of the machine, not of one timer).
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
    'no-metric': { type: 'boolean', default: false },
    worker: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'bench/results/latest.json') },
    repeat: { type: 'string', default: '1' },
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One row per measurement over the runs: medians, and every run's ratios for the spread. */
function aggregate(runs) {
  return runs[0].map((first, i) => {
    const same = runs.map((rowsOfRun) => rowsOfRun[i]);
    const ratios = same.map((r) => r.ratio);
    const wide = same.map((r) => r.sameColumnsRatio).filter((v) => v !== null);
    return {
      ...first,
      ms: median(same.map((r) => r.ms)),
      floorMs: median(same.map((r) => r.floorMs)),
      ratio: median(ratios),
      ratios,
      sameColumnsRatio: wide.length ? median(wide) : null,
      sameColumnsRatios: wide,
      gflops: median(same.map((r) => r.gflops)),
      peakBytes: median(same.map((r) => r.peakBytes)),
      memoryRatio: median(same.map((r) => r.memoryRatio)),
    };
  });
}

async function main() {
  if (args.worker) return nodeWorker(args.worker);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const runs = [];
  for (let run = 0; run < Math.max(1, Number(args.repeat)); run++) {
    const rowsOfRun = [];
    for (const backend of args.backends.split(',')) {
      const got = backend === 'webgl' || backend === 'webgpu' ? await runBrowser(backend) : runNode(backend);
      rowsOfRun.push(...got);
    }
    runs.push(rowsOfRun);
  }
  const rows = aggregate(runs);
  const torch = args['no-torch'] ? [] : runTorch();
  const lines = [];
  const spread = (xs) => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '');
  lines.push(
    `| backend | N | D | C | variant | step ms | floor ms | × floor${runs.length > 1 ? ` (min–max of ${runs.length})` : ''} | × floor of C·K columns | GFLOP/s | matmul GFLOP/s | peak MiB | × floor peak |`,
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const wide = r.sameColumnsRatio === null ? '—' : `${r.sameColumnsRatio.toFixed(2)}${spread(r.sameColumnsRatios)}`;
    lines.push(
      `| ${r.backend} | ${r.n} | ${r.d} | ${r.c} | ${r.variant} | ${r.ms.toFixed(1)} | ${r.floorMs.toFixed(1)} | ${r.ratio.toFixed(2)}${spread(r.ratios)} | ${wide} | ` +
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
    JSON.stringify({ date: new Date().toISOString(), machine, quick: args.quick, rows, runs, torch: vsTorch }, null, 1),
  );
  console.log(`\nJSON: ${path.relative(root, args.out)}`);
  if (!args['no-metric'] && args.backends.split(',').includes('tensorflow')) {
    // The metric losses' step at N = 256 and 1024 against the softmax step and PyTorch + PML (#26).
    console.log('\nMetric losses (bench/metricLosses.mjs):\n');
    const metric = [path.join(here, 'metricLosses.mjs'), ...(args.quick ? ['--reps', '2', '--steps', '2'] : [])];
    if (args['no-torch']) metric.push('--no-torch');
    const r = spawnSync(process.execPath, metric, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('bench/metricLosses.mjs failed');
  }
}

await main();
