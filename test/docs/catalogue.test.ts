import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MISUSE_CASES, misuseMessage } from '../specs/misuseCases';

/**
 * docs/bad-input.md lists the bad-input catalogue with the exact message each case gets. It is
 * generated from test/specs/misuseCases.ts; this test fails when the two drift apart.
 * Regenerate with `UPDATE_DOCS=1 npx jest test/docs`.
 */
const file = path.resolve(__dirname, '../../docs/bad-input.md');

async function render(): Promise<string> {
  const rows: string[] = [];
  for (const c of MISUSE_CASES) {
    const message = await misuseMessage(c, false);
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${c.id}\` | \`${c.api}\` | ${cell(c.misuse)} | \`${c.argument}\` | ${cell(message)} |`);
  }
  return [
    '# Bad-input catalogue',
    '',
    '<!-- Generated from test/specs/misuseCases.ts by `UPDATE_DOCS=1 npx jest test/docs`; do not edit by hand. -->',
    '',
    `Every misuse below throws a \`MarginArgumentError\` (exported from the package root, with \`where\` and`,
    '`argument` fields) whose message names the function or layer, the argument, the expected form and the',
    `received value. The ${MISUSE_CASES.length} cases run as tests on every backend (cpu, wasm, tensorflow, webgl,`,
    'webgl-f16, webgpu), each twice with a tensor-leak check. Value checks (label ranges, NaN/Infinity) read',
    'data back; on webgpu, where synchronous reads are unsafe, the same errors come from the asynchronous',
    'validators `head.validateInputs(x, labels)` and `ops.validateLabels(labels, numClasses)`.',
    '',
    '| case | API | misuse | argument | message (cpu backend) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

describe('[docs] bad-input catalogue', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('docs/bad-input.md lists every case with its current message', async () => {
    const text = await render();
    if (process.env.UPDATE_DOCS === '1') writeFileSync(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
