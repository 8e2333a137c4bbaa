import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../harness/browserSuite';
import { startExampleServer } from '../harness/exampleServer';

/**
 * The enrolment page (examples/enrol/) used the way a person uses it, in headless Chromium on WebGL
 * (SwiftShader): real people's pen trajectories of characters of the alphabets the embedder never saw
 * are replayed as pointer events on the canvas — down, moves, up per stroke, at the recorded timing
 * compressed — and the page's answers are read from the page. The plan (which characters and drawers)
 * and the Node reference (the same embedder on the same characters' PNGs) come from enrolPlan.mjs.
 */
const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test/browser/dist');
/** Replay speed-up of the recorded pen timing. */
const COMPRESS = 100;

type Point = [number, number, number];
interface Drawing {
  name: string;
  file: string;
  strokes: Point[][];
}
interface Rates {
  accuracy: number;
  tar: number;
  far: number;
}
interface Plan {
  alphabet: string;
  threshold: { far: number; value: number; tar: number };
  drawers: { enrol: number; test: number[]; moreTest: number[]; extra: number[]; unknown: number };
  enrol: Drawing[];
  queries: Drawing[];
  moreQueries: Drawing[];
  extra: Drawing[];
  unknown: Drawing[];
  reference: { png: Rates; strokes: Rates };
}
interface PageState {
  ready: boolean;
  error: string | null;
  busy: boolean;
  actions: number;
  backend: string | null;
  recogniseMs: number[];
  embedMs: number[];
  fineTune: { losses: number[]; batchLosses: number[]; seconds: number; steps: number } | null;
  lastInk: number[] | null;
  embed: (inks: number[][]) => Promise<number[][]>;
}
interface Answer {
  name: string;
  nearest: string;
  score: number;
}
type EnrolWindow = Window & { __enrol: PageState };

let server: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
let plan: Plan;

const pageState = (): Promise<PageState> => page.evaluate(() => (window as unknown as EnrolWindow).__enrol);
const numTensors = async (): Promise<number> => Number(await page.textContent('#tensors'));
const message = async (): Promise<string> => (await page.textContent('#message')) ?? '';
const galleryCount = async (): Promise<string> => (await page.textContent('#gallery-count')) ?? '';

async function waitReady(p: Page): Promise<void> {
  await p.waitForFunction(
    () => {
      const s = (window as unknown as Partial<EnrolWindow>).__enrol;
      return s !== undefined && (s.ready || s.error !== null);
    },
    undefined,
    { timeout: 120_000, polling: 100 },
  );
}

/**
 * Replays a drawing on the pad as a pen: per stroke, `pointerdown`, every recorded point as a
 * `pointermove` at the recorded timing / COMPRESS, `pointerup`, dispatched on the canvas in the page.
 * With `{mouse: true}`, through Playwright's mouse instead (Chromium's own input pipeline, points a
 * frame pixel apart, untimed: each move waits for a frame, too slow for every drawing).
 */
async function draw(d: Drawing, { mouse = false } = {}): Promise<void> {
  if (mouse) {
    const box = (await page.locator('#pad').boundingBox())!;
    const k = box.width / 105;
    const at = ([x, y]: Point): [number, number] => [box.x + (x + 0.5) * k, box.y + (y + 0.5) * k];
    for (const stroke of d.strokes) {
      await page.mouse.move(...at(stroke[0]!));
      await page.mouse.down();
      let last = stroke[0]!;
      for (const [i, p] of stroke.entries()) {
        if (i === 0 || (i < stroke.length - 1 && Math.hypot(p[0] - last[0], p[1] - last[1]) < 1)) continue;
        await page.mouse.move(...at(p));
        last = p;
      }
      await page.mouse.up();
    }
    return;
  }
  await page.evaluate(
    async ({ strokes, compress }) => {
      const pad = document.getElementById('pad')!;
      const r = pad.getBoundingClientRect();
      const k = r.width / 105;
      const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
      const send = (type: string, [x, y]: number[], buttons: number): void => {
        pad.dispatchEvent(
          new PointerEvent(type, {
            bubbles: true,
            cancelable: true,
            pointerId: 7,
            pointerType: 'pen',
            isPrimary: true,
            button: type === 'pointermove' ? -1 : 0,
            buttons,
            pressure: buttons > 0 ? 0.5 : 0,
            clientX: r.left + (x! + 0.5) * k,
            clientY: r.top + (y! + 0.5) * k,
          }),
        );
      };
      for (const stroke of strokes) {
        send('pointerdown', stroke[0]!, 1);
        let clock = stroke[0]![2]!;
        for (const p of stroke.slice(1)) {
          const wait = (p[2]! - clock) / compress;
          if (wait >= 4) {
            await sleep(wait);
            clock = p[2]!;
          }
          send('pointermove', p, 1);
        }
        send('pointerup', stroke.at(-1)!, 0);
      }
    },
    { strokes: d.strokes, compress: COMPRESS },
  );
}

/** Clicks a button and waits until the page has finished the action it started. */
async function act(selector: string): Promise<void> {
  const before = (await pageState()).actions;
  await page.click(selector);
  await page.waitForFunction((b) => (window as unknown as EnrolWindow).__enrol.actions > b, before, {
    timeout: 10 * 60_000,
    polling: 50,
  });
}

async function enrolNew(d: Drawing, how: { mouse?: boolean } = {}): Promise<void> {
  await draw(d, how);
  await page.fill('#name', d.name);
  await act('#enrol-new');
}

async function enrolMore(d: Drawing): Promise<void> {
  await draw(d);
  await page.selectOption('#add-to', d.name);
  await act('#enrol-add');
}

async function recognise(d: Drawing): Promise<Answer> {
  await draw(d);
  await act('#recognise');
  return page.$eval('#answer', (el) => {
    const e = el as HTMLElement;
    return { name: e.dataset.name ?? '', nearest: e.dataset.nearest ?? '', score: Number(e.dataset.score) };
  });
}

async function shot(name: string): Promise<void> {
  const file = path.join(shots, `enrol-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(10_000);
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

beforeAll(async () => {
  plan = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'test/browser/enrolPlan.mjs'), '1'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as Plan;
  const started = await startExampleServer(path.join(root, 'examples/enrol/serve.mjs'));
  ({ url, process: server } = started);
  console.log(`enrolment page: ${started.printed.split('\n')[0]}`);
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1150, height: 760 } });
  await page.goto(url);
  await waitReady(page);
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
});

describe('[enrol-page]', () => {
  test('loads the embedder over HTTP on WebGL and says what is missing: empty canvas, empty gallery', async () => {
    const s = await pageState();
    expect(s.error).toBeNull();
    expect(s.backend).toBe('webgl');
    expect(await page.textContent('#backend')).toBe('webgl');
    await page.click('#recognise');
    expect(await message()).toMatch(/canvas is empty/);
    await draw(plan.enrol[0]!);
    await act('#recognise');
    expect(await message()).toMatch(/gallery is empty/);
    await page.click('#clear-pad');
    await page.fill('#name', 'x');
    await act('#enrol-new');
    expect(await message()).toMatch(/canvas is empty/);
    expect(await galleryCount()).toBe('0 identities, 0 drawings');
  });

  test('a browser with neither WebGL nor WebGPU gets a clear message, not a crash', async () => {
    const bare = await browser.newPage();
    await bare.addInitScript(() => {
      // No WebGL context from any canvas, and no navigator.gpu.
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype] as { getContext: unknown }[]) {
        const getContext = proto.getContext as (this: unknown, kind: string, ...rest: unknown[]) => unknown;
        proto.getContext = function (this: unknown, kind: string, ...rest: unknown[]) {
          return /webgl/.test(kind) ? null : getContext.call(this, kind, ...rest);
        };
      }
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await bare.goto(url);
    await waitReady(bare);
    expect(await bare.textContent('#backend')).toBe('none');
    expect(await bare.textContent('#message')).toMatch(/neither WebGL nor WebGPU/);
    expect(await bare.locator('#recognise').isDisabled()).toBe(true);
    await bare.close();
  });

  test('enrol 20 held-out characters with one drawing each; a duplicate name is refused; memory flat', async () => {
    let afterSecond = 0;
    for (const [i, d] of plan.enrol.entries()) {
      await enrolNew(d, { mouse: i === 0 });
      expect(await message()).toMatch(/^enrolled/);
      if (i === 1) afterSecond = await numTensors();
    }
    expect(await numTensors()).toBe(afterSecond);
    expect(await galleryCount()).toBe('20 identities, 20 drawings');
    await draw(plan.enrol[0]!);
    await page.fill('#name', plan.enrol[0]!.name);
    await act('#enrol-new');
    expect(await message()).toMatch(/already enrolled/);
    await page.click('#clear-pad');
    await shot('enrolled');
  });

  test('20-way one-shot through the page is within 5 points of Node on the same characters from their PNGs', async () => {
    const answers: Answer[] = [];
    let afterFirst = 0;
    for (const [i, q] of plan.queries.entries()) {
      answers.push(await recognise(q));
      if (i === 0) {
        afterFirst = await numTensors();
        await shot('recognised');
      }
    }
    expect(await numTensors()).toBe(afterFirst);
    const oneShot = answers.filter((a, i) => a.nearest === plan.queries[i]!.name).length / answers.length;
    const accepted = answers.filter((a, i) => a.name === plan.queries[i]!.name).length / answers.length;
    const { recogniseMs: ms, embedMs } = await pageState();
    console.log(
      `enrolment page, ${plan.alphabet} (never seen in training), 20-way one-shot with ${plan.queries.length} queries ` +
        `(drawers ${plan.drawers.test.join(', ')} against drawer ${plan.drawers.enrol}): page accuracy ${pct(oneShot)}; ` +
        `Node from the PNGs ${pct(plan.reference.png.accuracy)}, Node from the same trajectories ${pct(plan.reference.strokes.accuracy)}; ` +
        `TAR at the page's threshold ${pct(accepted)} (Node PNGs ${pct(plan.reference.png.tar)}); ` +
        `recognising one drawing: median ${median(ms).toFixed(1)} ms (embedding ${median(embedMs).toFixed(1)} ms), ` +
        `max ${Math.max(...ms).toFixed(1)} ms (WebGL, SwiftShader)`,
    );
    expect(Math.abs(oneShot - plan.reference.png.accuracy)).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  test('characters never enrolled are mostly answered "unknown" at the threshold for FAR 1e-2', async () => {
    const answers: Answer[] = [];
    for (const q of plan.unknown) {
      const a = await recognise(q);
      answers.push(a);
      if (a.name === '' && answers.filter((x) => x.name === '').length === 1) await shot('unknown');
    }
    const far = answers.filter((a) => a.name !== '').length / answers.length;
    console.log(
      `open set: ${answers.length} drawings of characters never enrolled, ${pct(1 - far)} answered "unknown" ` +
        `(measured FAR ${pct(far)}; Node from the PNGs ${pct(plan.reference.png.far)}; pair FAR target ${plan.threshold.far}, threshold ${plan.threshold.value.toFixed(3)})`,
    );
    expect(far).toBeLessThan(0.5);
  });

  // What the embedding of one fixed drawing is before and after the fine-tune: the adapter's fingerprint.
  let probeInk: number[] = [];
  let probeBefore: number[] = [];
  let probeAfter: number[] = [];
  let baseline = 0;
  const embedProbe = async (): Promise<number[]> =>
    (await page.evaluate((ink) => (window as unknown as EnrolWindow).__enrol.embed([ink]), probeInk))[0]!;
  const cosine = (u: number[], v: number[]): number => {
    let dot = 0;
    let nu = 0;
    let nv = 0;
    u.forEach((x, i) => {
      dot += x * v[i]!;
      nu += x * x;
      nv += v[i]! * v[i]!;
    });
    return dot / Math.sqrt(nu * nv);
  };

  test('fine-tuning on 5 drawings per identity: loss falls, curve drawn, accuracy on other drawers does not fall, memory flat', async () => {
    for (const d of plan.extra) await enrolMore(d);
    expect(await galleryCount()).toBe('20 identities, 100 drawings');
    const queries = [...plan.queries, ...plan.moreQueries];
    const before: boolean[] = [];
    for (const q of queries) before.push((await recognise(q)).nearest === q.name);
    probeInk = (await pageState()).lastInk!;
    probeBefore = await embedProbe();
    baseline = await numTensors();
    await act('#fine-tune');
    const s = await pageState();
    expect(s.error).toBeNull();
    expect(await message()).toMatch(/^fine-tuned/);
    const ft = s.fineTune!;
    expect(ft.losses.every(Number.isFinite)).toBe(true);
    expect(ft.losses.at(-1)!).toBeLessThan(0.5 * ft.losses[0]!);
    expect(await page.$eval('#progress', (el) => (el as HTMLProgressElement).value)).toBe(1);
    const inked = await page.$eval('#loss', (el) => {
      const c = el as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 20, c.width, c.height - 20).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    await shot('fine-tuned');
    const after: boolean[] = [];
    for (const q of queries) after.push((await recognise(q)).nearest === q.name);
    const acc = (v: boolean[]): number => v.filter(Boolean).length / v.length;
    console.log(
      `fine-tune on the page: ${ft.steps} steps (${ft.losses.length} epochs) over 100 drawings of 20 identities in ${ft.seconds.toFixed(1)} s ` +
        `(WebGL, SwiftShader); loss ${ft.losses[0]!.toFixed(2)} → ${ft.losses.at(-1)!.toFixed(2)}; ` +
        `accuracy on ${queries.length} drawings by 4 other drawers (${[...plan.drawers.test, ...plan.drawers.moreTest].join(', ')}): ` +
        `${pct(acc(before))} before → ${pct(acc(after))} after`,
    );
    expect(acc(after)).toBeGreaterThanOrEqual(acc(before));
    probeAfter = await embedProbe();
    expect(cosine(probeAfter, probeBefore)).toBeLessThan(0.9999);
    // All a fine-tune keeps is the adapter's kernel and bias; the training graph, head, optimizer
    // slots and the distorted copies' embeddings are released.
    expect(await numTensors()).toBe(baseline + 2);
  });

  test('a reload keeps the gallery and the fine-tune; undo returns to the pretrained embedder; clear empties it', async () => {
    await page.reload();
    await waitReady(page);
    expect(await galleryCount()).toBe('20 identities, 100 drawings');
    expect(await message()).toMatch(/gallery restored: 20 identities/);
    expect(cosine(await embedProbe(), probeAfter)).toBeGreaterThan(0.99999);
    expect((await recognise(plan.queries[0]!)).nearest.length).toBeGreaterThan(0);
    expect(await numTensors()).toBe(baseline + 2);
    await act('#undo-fine-tune');
    expect(await message()).toMatch(/undone/);
    expect(cosine(await embedProbe(), probeBefore)).toBeGreaterThan(0.99999);
    expect((await recognise(plan.queries[0]!)).nearest.length).toBeGreaterThan(0);
    expect(await numTensors()).toBe(baseline);
    await act('#clear-gallery');
    expect(await galleryCount()).toBe('0 identities, 0 drawings');
    await shot('cleared');
    await page.reload();
    await waitReady(page);
    expect(await galleryCount()).toBe('0 identities, 0 drawings');
  });

  test('on WebGPU too: enrol, recognise and fine-tune (3 epochs) with the same page', async () => {
    await page.close();
    page = await browser.newPage({ viewport: { width: 1150, height: 760 } });
    await page.goto(`${url}?backend=webgpu&epochs=3`);
    await waitReady(page);
    expect((await pageState()).error).toBeNull();
    expect(await page.textContent('#backend')).toBe('webgpu');
    const [a, b] = plan.enrol;
    await enrolNew(a!);
    await enrolNew(b!);
    await enrolMore(plan.extra.find((d) => d.name === a!.name)!);
    await enrolMore(plan.extra.find((d) => d.name === b!.name)!);
    expect(await galleryCount()).toBe('2 identities, 4 drawings');
    const answer = await recognise(plan.queries.find((d) => d.name === a!.name)!);
    expect([a!.name, b!.name]).toContain(answer.nearest);
    const before = await numTensors();
    await act('#fine-tune');
    expect(await message()).toMatch(/^fine-tuned/);
    const ft = (await pageState()).fineTune!;
    expect(ft.losses).toHaveLength(3);
    expect(ft.losses.every(Number.isFinite)).toBe(true);
    expect((await recognise(plan.queries.find((d) => d.name === b!.name)!)).nearest.length).toBeGreaterThan(0);
    // The adapter's 2 tensors; the gallery's device copy was rebuilt (one before, one after).
    expect(await numTensors()).toBe(before + 2);
    console.log(
      `enrolment page on WebGPU (SwiftShader): fine-tune of 3 epochs over 4 drawings in ${ft.seconds.toFixed(1)} s`,
    );
  });
});
