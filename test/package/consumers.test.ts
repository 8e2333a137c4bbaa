import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Report {
  projects: Record<string, { native: string[]; step?: { loss: number; registered: boolean } }>;
  failures: string[];
}

describe('[package] consumers', () => {
  it('npm install of the packed tarball with only @tensorflow/tfjs installs no native code and trains ArcFace in ESM, CommonJS and an esbuild browser bundle', () => {
    const run = spawnSync(process.execPath, ['test/package/consumers.mjs'], { cwd: root, encoding: 'utf8' });
    const text = run.stdout.slice(run.stdout.indexOf('{'));
    const report = JSON.parse(text) as Report;
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.projects).sort()).toEqual(['browser', 'cjs', 'esm']);
    for (const [name, p] of Object.entries(report.projects)) {
      expect([name, p.native]).toEqual([name, []]);
      expect(p.step?.registered).toBe(true);
      expect(Number.isFinite(p.step?.loss)).toBe(true);
    }
    expect(run.status).toBe(0);
  });
});
