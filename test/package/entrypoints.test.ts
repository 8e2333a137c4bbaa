import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

describe('[package]', () => {
  it('require() of the built CommonJS entry exposes ops, losses, layers, metrics, callbacks, data, fastPath, miners and registers layers', () => {
    const out = run([
      '-e',
      "const tf=require('@tensorflow/tfjs');const m=require('tfjs-margin');" +
        "console.log(Object.keys(m).sort().join(','), 'TfjsMarginNormalizedDense' in tf.serialization.SerializationMap.getMap().classNameMap)",
    ]);
    expect(out).toBe(
      'MarginArgumentError,callbacks,checkpoint,data,fastPath,gallery,layers,losses,metrics,miners,ops,version true',
    );
  });

  it('import of the built ES module entry exposes the same API', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "const m = await import('tfjs-margin'); console.log(Object.keys(m).sort().join(','))",
    ]);
    expect(out).toBe(
      'MarginArgumentError,callbacks,checkpoint,data,fastPath,gallery,layers,losses,metrics,miners,ops,version',
    );
  });

  it('version matches package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../package.json') as { version: string };
    expect(run(['-e', "console.log(require('tfjs-margin').version)"])).toBe(pkg.version);
  });
});
