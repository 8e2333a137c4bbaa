import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { type BackendName, selectedSpecs } from './registry';
import { standardDigits } from './nodeSuite';
import { specs } from '../specs/index';

/** Flags that give headless Chromium WebGL2 and WebGPU through SwiftShader on a GPU-less machine. */
export const CHROMIUM_ARGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

interface BrowserResult {
  id: string;
  ok: boolean;
  message: string;
  ms: number;
}

const ORIGIN = 'https://tfjs-margin.test';

/**
 * Runs every spec inside headless Chromium on one browser backend (a secure origin served by request
 * interception, so WebGPU is exposed), then reports each spec as its own Jest test.
 */
export function registerBrowserSuite(backend: Extract<BackendName, 'webgl' | 'webgl-f16' | 'webgpu'>): void {
  describe(`[${backend}]`, () => {
    let browser: Browser | null = null;
    const results = new Map<string, BrowserResult>();
    let startError: unknown = null;
    beforeAll(
      async () => {
        try {
          const bundle = path.resolve(__dirname, '../browser/dist/tests.js');
          if (!fs.existsSync(bundle))
            throw new Error(`${bundle} is missing: run 'node test/browser/bundle.mjs' (npm test does)`);
          browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
          const page = await browser.newPage();
          const logs: string[] = [];
          page.on('console', (m) => logs.push(m.text()));
          page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
          await page.route(`${ORIGIN}/**`, async (route) => {
            const url = new URL(route.request().url());
            if (url.pathname === '/tests.js') await route.fulfill({ path: bundle, contentType: 'text/javascript' });
            else
              await route.fulfill({
                body: '<!doctype html><meta charset="utf-8"><script src="/tests.js"></script>',
                contentType: 'text/html',
              });
          });
          await page.goto(`${ORIGIN}/index.html`);
          const d = standardDigits();
          const plain = (s: typeof d.train) => ({
            images: Array.from(s.images),
            labels: Array.from(s.labels),
            count: s.count,
          });
          const only = selectedSpecs(specs, backend).map((s) => s.id);
          const out = (await page.evaluate(
            async ({ backend, digits, only }) => {
              const api = (globalThis as unknown as { tfjsMarginTests: { run: (...a: unknown[]) => Promise<unknown> } })
                .tfjsMarginTests;
              return api.run(backend, digits, only);
            },
            { backend, digits: { train: plain(d.train), test: plain(d.test) }, only },
          )) as { info: string; results: BrowserResult[] };
          for (const r of out.results) results.set(r.id, r);
          process.stdout.write(
            `[${backend}] ${out.info}: ${out.results.filter((r) => r.ok).length}/${out.results.length} specs passed in Chromium\n`,
          );
          // The slowest specs, where this suite's CI time goes (also written beside the bundle).
          const slowest = [...out.results].sort((a, b) => b.ms - a.ms);
          fs.writeFileSync(
            path.resolve(__dirname, `../browser/dist/timings-${backend}.json`),
            `${JSON.stringify(slowest.map(({ id, ms }) => ({ id, ms })))}\n`,
          );
          const top = slowest.slice(0, 5).map((r) => `${r.id} ${(r.ms / 1000).toFixed(1)} s`);
          process.stdout.write(`[${backend}] slowest: ${top.join('; ')}\n`);
          if (logs.some((l) => l.startsWith('pageerror'))) process.stdout.write(logs.join('\n') + '\n');
        } catch (err) {
          startError = err;
        }
      },
      25 * 60 * 1000,
    );
    afterAll(async () => {
      await browser?.close();
    });
    for (const s of selectedSpecs(specs, backend)) {
      it(s.id, () => {
        if (startError !== null) throw startError instanceof Error ? startError : new Error(String(startError));
        const r = results.get(s.id);
        if (r === undefined) throw new Error(`spec did not run in the browser`);
        if (!r.ok) throw new Error(r.message);
      });
    }
  });
}
