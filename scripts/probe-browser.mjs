// Debugging aid: evaluates a JS snippet in headless Chromium with the test bundle loaded.
//   node scripts/probe-browser.mjs webgl-f16 "const {tf, margin} = T; return tf.getBackend();"
// `T` is the bundle's global (tf, margin, start(backend)); the snippet's return value is printed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [backend, code] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--no-first-run',
  ],
});
const page = await browser.newPage();
page.on('console', (m) => console.log('console:', m.text()));
await page.route('https://probe.test/**', (r) =>
  r.request().url().endsWith('.js')
    ? r.fulfill({ path: path.join(root, 'test/browser/dist/tests.js'), contentType: 'text/javascript' })
    : r.fulfill({ body: '<script src="/t.js"></script>', contentType: 'text/html' }),
);
await page.goto('https://probe.test/index.html');
const out = await page.evaluate(
  async ([b, c]) => {
    const T = globalThis.tfjsMarginTests;
    await T.start(b);
    return await new Function('T', `return (async () => { ${c} })()`)(T);
  },
  [backend, code],
);
console.log(JSON.stringify(out, null, 1));
await browser.close();
