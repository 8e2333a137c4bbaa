// The enrolment page's embedding cost per backend, in headless Chromium (SwiftShader for WebGL and
// WebGPU: a software GPU on this machine's cores): median of 8 calls of the page's own embedding
// (the pretrained CNN at 5 test-time shifts) for 1, 5 and 20 drawings. Needs `npm run build`.
//   node bench/enrolPage.mjs
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const server = spawn('node', [new URL('../examples/enrol/serve.mjs', import.meta.url).pathname], {
  env: { ...process.env, PORT: '0' },
});
const url = await new Promise((resolve) =>
  server.stdout.on('data', (c) => {
    const m = /open (http:\/\/\S+)/.exec(c.toString());
    if (m) resolve(m[1]);
  }),
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--no-sandbox'],
  headless: true,
});
const page = await browser.newPage();
for (const be of ['webgl', 'webgpu', 'cpu']) {
  await page.goto(`${url}?backend=${be}`);
  await page.waitForFunction(() => window.__enrol?.ready || window.__enrol?.error);
  const r = await page.evaluate(async () => {
    const ink = Array.from({ length: 784 }, (_, i) => (i % 28 > 10 && i % 28 < 14 ? 1 : 0));
    const out = {};
    for (const n of [1, 5, 20]) {
      const t = [];
      for (let k = 0; k < 8; k++) {
        const s = performance.now();
        await window.__enrol.embed(Array(n).fill(ink));
        t.push(performance.now() - s);
      }
      t.sort((a, b) => a - b);
      out[n] = t[4].toFixed(1);
    }
    return out;
  });
  console.log(be, 'median ms by drawings (x5 shifts):', JSON.stringify(r));
}
await browser.close();
server.kill();
