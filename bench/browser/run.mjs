import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const ARGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Runs the benchmark plan for `backend` in headless Chromium and returns its rows. */
export async function runBrowserBench(backend, quick) {
  const outfile = path.join(root, 'bench/results/browser-bench.tmp.js');
  await build({
    entryPoints: [path.join(here, 'entry.mjs')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    outfile,
    alias: { 'tfjs-margin': path.join(root, 'dist/index.js') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ARGS,
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => process.stderr.write(`${m.text()}\n`));
    await page.route('https://tfjs-margin.bench/**', (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ path: outfile, contentType: 'text/javascript' })
        : route.fulfill({ body: '<script src="/b.js"></script>', contentType: 'text/html' }),
    );
    await page.goto('https://tfjs-margin.bench/index.html');
    page.setDefaultTimeout(30 * 60 * 1000);
    return await page.evaluate(([b, q]) => globalThis.runBench(b, q), [backend, quick]);
  } finally {
    await browser.close();
  }
}
