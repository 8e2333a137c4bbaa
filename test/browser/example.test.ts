import { type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../harness/browserSuite';
import { startExampleServer } from '../harness/exampleServer';

/**
 * The browser example (examples/browser/) end to end: build it with esbuild, serve it, open it in
 * headless Chromium (WebGL through SwiftShader), train a few epochs, require the loss to fall, the
 * charts to be drawn and memory to be released, and keep a screenshot.
 */
const root = path.resolve(__dirname, '../..');
const screenshot = path.join(root, 'test/browser/dist/example.png');
const epochs = 4;

interface ExampleState {
  epochLosses: number[];
  batchLosses: number[];
  done: boolean;
  error: string | null;
  numTensors?: number;
}

let server: ChildProcess;
let url: string;
let browser: Browser;

beforeAll(async () => {
  // The example's own build-and-serve script, as `npm run example:browser` runs it, on a free port.
  ({ url, process: server } = await startExampleServer(path.join(root, 'examples/browser/serve.mjs')));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
});

describe('[browser-example]', () => {
  test(`browser example trains ArcFace on WebGL for ${epochs} epochs: loss falls, charts drawn, screenshot taken`, async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(`${url}?epochs=${epochs}&autostart=1`);
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __example?: ExampleState }).__example;
        return s !== undefined && (s.done || s.error !== null);
      },
      undefined,
      { timeout: 5 * 60 * 1000, polling: 500 },
    );
    const state = (await page.evaluate(
      () => (window as unknown as { __example: ExampleState }).__example,
    )) as ExampleState;
    expect(state.error).toBeNull();
    expect(await page.textContent('#backend')).toBe('webgl');
    expect(state.epochLosses).toHaveLength(epochs);
    expect(state.batchLosses.every(Number.isFinite)).toBe(true);
    expect(state.epochLosses[epochs - 1]!).toBeLessThan(0.7 * state.epochLosses[0]!);
    expect(state.numTensors).toBe(0);
    // Both Vega charts rendered SVG: loss line and one point per test digit.
    expect(await page.locator('#loss svg path').count()).toBeGreaterThan(0);
    expect(await page.locator('#circle svg path').count()).toBeGreaterThan(300);
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
