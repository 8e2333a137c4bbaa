import { assert } from '../harness/assert';
import { spec } from '../harness/registry';
import { MISUSE_CASES, misuseMessage } from './misuseCases';

/**
 * The bad-input catalogue on every backend: each misuse throws a MarginArgumentError whose message
 * names the API, the argument, the expected form and the received value, and leaks no tensor (the
 * harness runs each case twice and compares `tf.memory().numTensors`).
 */
for (const c of MISUSE_CASES) {
  spec('misuse', `${c.id}: ${c.api} — ${c.misuse}`, async (ctx) => {
    const paths: boolean[] = ctx.backend === 'webgpu' || c.asyncRun === undefined ? [true] : [false, true];
    for (const useAsync of paths) {
      // webgpu cannot read values synchronously: its data-dependent checks are the async validators.
      if (ctx.backend === 'webgpu' && !useAsync && c.asyncRun !== undefined) continue;
      const message = await misuseMessage(c, useAsync);
      const how = useAsync && c.asyncRun !== undefined ? 'async validator' : 'call';
      const api = c.api.replace(/^layers\./, '').replace(/^MarginSoftmaxHead\..*$/, 'ArcFace');
      const apiPattern = new RegExp(api.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      for (const [what, p] of [
        ['the API', c.api.startsWith('tf.') ? /./ : apiPattern],
        ['the argument', new RegExp(`argument '${c.argument.replace('.', '\\.')}'`)],
        ['the expected form', c.expected],
        ['the received value', c.received],
      ] as const) {
        assert(p.test(message), `${c.id} (${how}): message does not name ${what} (${p}): ${JSON.stringify(message)}`);
      }
    }
  });
}

spec('misuse', 'the catalogue holds at least 40 distinct cases', () => {
  const ids = new Set(MISUSE_CASES.map((c) => c.id));
  assert(ids.size === MISUSE_CASES.length, 'duplicate case ids');
  assert(MISUSE_CASES.length >= 40, `only ${MISUSE_CASES.length} cases`);
});
