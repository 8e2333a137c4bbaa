import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

describe('[docs] API reference', () => {
  it('TypeDoc builds with no warnings or broken links; every public function has an @example that type-checks and runs', () => {
    const run = spawnSync(process.execPath, ['test/docs/checkApiDocs.mjs'], { cwd: root, encoding: 'utf8' });
    const report = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n{') + 1)) as {
      examples: number;
      ran: number;
      failures: string[];
    };
    expect(report.failures).toEqual([]);
    expect(report.examples).toBeGreaterThanOrEqual(47);
    expect(report.ran).toBe(report.examples);
    expect(run.status).toBe(0);
  });
});
