import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The fuzz of every public factory and function (test/fuzz/runFuzz.mjs), 1,500 seeded cases on each
 * Node backend, each backend in a child process with a 2 GiB heap: an abort (out of memory, a native
 * crash) fails this test and names the case that was running. Every case must end in a finite result
 * or a MarginArgumentError naming an argument, leak no tensor, and stay within 10 s and 1 GiB.
 */
const root = path.resolve(__dirname, '../..');
const RUNS = 1500;

interface Report {
  cases: number;
  failureCount: number;
  failures: { name: string; problem: string; input: unknown }[];
  counts: Record<string, { cases: number; errors: number; results: number }>;
}

describe('[fuzz] every public factory and function', () => {
  for (const [i, backend] of ['cpu', 'wasm', 'tensorflow'].entries()) {
    test(`${backend}: ${RUNS} cases, each a finite result or a MarginArgumentError naming an argument, no leak, no abort`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-fuzz-'));
      const report = path.join(dir, 'report.json');
      const progress = path.join(dir, 'progress.json');
      const child = spawnSync(
        process.execPath,
        [
          '--max-old-space-size=2048',
          path.join(root, 'test/fuzz/runFuzz.mjs'),
          '--backend',
          backend,
          '--runs',
          String(RUNS),
          '--seed',
          String(20261130 + i),
          '--report',
          report,
          '--progress',
          progress,
        ],
        { cwd: root, encoding: 'utf8', timeout: 8 * 60 * 1000 },
      );
      const crashed = child.status === null || !existsSync(report);
      if (crashed) {
        const last = existsSync(progress) ? readFileSync(progress, 'utf8') : '(no case started)';
        throw new Error(
          `the fuzz process ended without a report (status ${child.status}, signal ${child.signal}) ` +
            `during case ${last}\n${child.stderr.slice(-2000)}`,
        );
      }
      const r = JSON.parse(readFileSync(report, 'utf8')) as Report;
      expect(r.failures).toEqual([]);
      expect(r.cases).toBe(RUNS);
      expect(child.status).toBe(0);
      // The cases reach every target, and both outcomes: results and clear errors.
      for (const [name, c] of Object.entries(r.counts)) {
        expect([name, c.cases > 0]).toEqual([name, true]);
      }
      const totals = Object.values(r.counts).reduce((a, c) => [a[0]! + c.results, a[1]! + c.errors], [0, 0]);
      expect(totals[0]).toBeGreaterThan(RUNS / 4);
      expect(totals[1]).toBeGreaterThan(RUNS / 4);
    });
  }
});
