/**
 * Fault injection: training processes killed with SIGKILL at random steps and in the middle of
 * checkpoint writes, each resumed from what is on disk, must end with weights bit-identical to an
 * uninterrupted run and the same loss at every step, on cpu and on tensorflow (tfjs-node), for the
 * heads with state and for Partial FC on every center store. A damaged newest checkpoint must be
 * skipped, with its reason printed, for the one before it.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CASES, partialCases } from '../harness/resumable';
import { seededRandom } from '../../src/data/seededRandom';

const root = path.resolve(__dirname, '../..');
const childFile = path.join(root, '.cache/checkpoint-child.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-ckpt-'));

beforeAll(async () => {
  await build({
    entryPoints: [path.join(__dirname, 'child.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node18',
    outfile: childFile,
    alias: { 'tfjs-margin': path.join(root, 'src/index.ts') },
    external: ['@tensorflow/*'],
    logLevel: 'warning',
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  lines: string[];
  killed: boolean;
  code: number | null;
}

/** Runs the child; `killWhen` sees each output line and returns true to SIGKILL it right there. */
function runChild(args: string[], killWhen: (line: string) => boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childFile, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let killed = false;
    let pending = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!killed && killWhen(line)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!killed && code !== 0) reject(new Error(`child exited ${code}:\n${stderr}\n${lines.join('\n')}`));
      else resolve({ lines, killed, code });
    });
  });
}

function stepLosses(lines: string[], into: Map<number, string>): void {
  for (const line of lines) {
    const m = /^STEP (\d+) (\S+)$/.exec(line);
    if (m !== null) into.set(Number(m[1]), m[2]!);
  }
}

const TOTAL_STEPS = 12;

async function faultInjected(backend: string, caseName: string, seed: number): Promise<void> {
  const slug = `${backend}-${caseName.replace(/[^a-z0-9]+/gi, '-')}`;
  const args = (folder: string, out: string, pause = 0) => [backend, caseName, folder, out, String(pause)];

  const referenceOut = path.join(work, `${slug}-reference.json`);
  const reference = await runChild(args(path.join(work, `${slug}-reference`), referenceOut), () => false);
  const expectedLosses = new Map<number, string>();
  stepLosses(reference.lines, expectedLosses);
  expect(expectedLosses.size).toBe(TOTAL_STEPS);

  const folder = path.join(work, slug);
  const out = path.join(work, `${slug}.json`);
  const losses = new Map<number, string>();
  const random = seededRandom(seed);
  const log: string[] = [];

  // 1. Killed at a random step (after its loss is printed, wherever the checkpoint write then is).
  const killStep = 2 + Math.floor(random() * 4);
  let outcome = await runChild(args(folder, out), (line) => line === `STEP ${killStep} ${/\S+$/.exec(line)?.[0]}`);
  expect(outcome.killed).toBe(true);
  stepLosses(outcome.lines, losses);
  log.push(`killed after step ${killStep}`);

  // 2. Killed in the middle of a checkpoint write: the partial folder is left, never read.
  const writes = 1 + Math.floor(random() * 3);
  let seen = 0;
  outcome = await runChild(args(folder, out, 2000), (line) => line.startsWith('WRITING') && ++seen === writes);
  expect(outcome.killed).toBe(true);
  stepLosses(outcome.lines, losses);
  expect(readdirSync(folder).some((n) => n.startsWith('.partial-'))).toBe(true);
  const published = readdirSync(folder)
    .filter((n) => n.startsWith('step-'))
    .sort();
  expect(published.length).toBe(2);
  log.push(`killed mid-write ${writes}: ${published.join(', ')}`);

  // 3. The newest checkpoint damaged (truncated entry): the next run skips it, saying why, and resumes from the one before.
  const [older, newest] = published as [string, string];
  truncateSync(path.join(folder, newest, '0.bin'), 3);
  outcome = await runChild(args(folder, out), () => false);
  stepLosses(outcome.lines, losses);
  expect(outcome.lines.find((l) => l.startsWith('LOG checkpoint: skipped'))).toMatch(
    new RegExp(`checkpoint ${newest}: entry 0 \\(weight 0\\) has 3 bytes, expected \\d+ \\(truncated\\)`),
  );
  expect(outcome.lines).toContain(`RESUMED ${older} ${Number(/\d+$/.exec(older)![0])}`);
  expect(outcome.lines).toContain('DONE');
  expect(existsSync(out)).toBe(true);

  // Bit-identical weights, and the loss at every step equal to the uninterrupted run's.
  expect(readFileSync(out, 'utf8')).toBe(readFileSync(referenceOut, 'utf8'));
  expect([...losses.keys()].sort((a, b) => a - b)).toEqual([...expectedLosses.keys()].sort((a, b) => a - b));
  for (const [step, loss] of expectedLosses) expect(`${step} ${losses.get(step)}`).toBe(`${step} ${loss}`);
}

describe.each(['cpu', 'tensorflow'])('checkpoint fault injection on %s', (backend) => {
  const cases = [...CASES, ...partialCases(backend)];
  test.each(cases.map((c, i) => [c.name, i] as const))(
    '%s: SIGKILL at a random step and mid-write, resumed, bit-identical',
    async (name, i) => {
      await faultInjected(backend, name, 100 + i);
    },
  );
});
