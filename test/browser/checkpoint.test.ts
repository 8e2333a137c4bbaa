/**
 * A page trains on WebGL (headless Chromium, SwiftShader) with a checkpoint in IndexedDB after every
 * step, is reloaded in the middle of training, resumes on the new page, and must finish with the
 * loss curve and weights of an uninterrupted run.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../harness/browserSuite';
import { BATCHES, EPOCHS } from '../harness/resumable';

const ORIGIN = 'https://tfjs-margin.test';
const bundle = path.resolve(__dirname, 'dist/checkpoint.js');

interface PageApi {
  run(withStorage: boolean): Promise<{ weights: number[][]; numTensors: number }>;
  clear(): Promise<void>;
  state: { step: number; losses: Record<number, number>; resumedFrom: string | null; messages: string[] };
}

let browser: Browser | null = null;

async function open(): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (e) => process.stdout.write(`pageerror: ${e.message}\n`));
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/checkpoint.js') await route.fulfill({ path: bundle, contentType: 'text/javascript' });
    else {
      await route.fulfill({
        body: '<!doctype html><meta charset="utf-8"><script src="/checkpoint.js"></script>',
        contentType: 'text/html',
      });
    }
  });
  await page.goto(`${ORIGIN}/index.html`);
  return page;
}

const api = (page: Page) => page.evaluate.bind(page);

beforeAll(async () => {
  if (!fs.existsSync(bundle))
    throw new Error(`${bundle} is missing: run 'node test/browser/bundle.mjs' (npm test does)`);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
});

test('a page reloaded mid-training resumes from its IndexedDB checkpoint and ends with the uninterrupted loss curve and weights', async () => {
  const page = await open();
  const evaluate = api(page);
  await evaluate(() => (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage.clear());
  const reference = await evaluate(async () => {
    const p = (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage;
    const out = await p.run(false);
    return { ...out, losses: p.state.losses };
  });

  // Start the checkpointed run and reload the page once it has trained a few steps.
  await page.reload();
  const stopAt = 4 + Math.floor(Math.random() * 4);
  void evaluate(() => (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage.run(true)).catch(() => {
    /* the reload ends it */
  });
  await page.waitForFunction(
    (k) => (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage.state.step >= k,
    stopAt,
    { timeout: 120_000 },
  );
  const before = await evaluate(
    () => (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage.state.losses,
  );
  await page.reload();

  const resumed = await evaluate(async () => {
    const p = (globalThis as unknown as { checkpointPage: PageApi }).checkpointPage;
    const out = await p.run(true);
    return { ...out, losses: p.state.losses, resumedFrom: p.state.resumedFrom, messages: p.state.messages };
  });
  await page.close();

  const resumedStep = Number(/\d+$/.exec(resumed.resumedFrom ?? '')?.[0] ?? NaN);
  process.stdout.write(
    `[checkpoint page] reloaded after step ${stopAt}+, resumed from ${resumed.resumedFrom} (${resumed.messages.length} messages)\n`,
  );
  expect(resumedStep).toBeGreaterThanOrEqual(stopAt - 1);
  expect(resumedStep).toBeLessThan(EPOCHS * BATCHES);
  const losses = { ...before, ...resumed.losses };
  const steps = Object.keys(reference.losses).map(Number);
  expect(steps.length).toBe(EPOCHS * BATCHES);
  let worst = 0;
  for (const s of steps) {
    const [a, e] = [losses[s]!, reference.losses[s]!];
    expect(Number.isFinite(a)).toBe(true);
    worst = Math.max(worst, Math.abs(a - e) / Math.max(1e-6, Math.abs(e)));
  }
  let worstWeight = 0;
  reference.weights.forEach((w, i) =>
    w.forEach((v, k) => {
      worstWeight = Math.max(worstWeight, Math.abs(resumed.weights[i]![k]! - v));
    }),
  );
  process.stdout.write(
    `[checkpoint page] worst relative loss difference ${worst}, worst weight difference ${worstWeight}\n`,
  );
  expect(worst).toBeLessThan(1e-5);
  expect(worstWeight).toBeLessThan(1e-5);
  expect(resumed.numTensors).toBe(reference.numTensors);
});
