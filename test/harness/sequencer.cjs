/**
 * Runs the longest suites first. Without timings from an earlier run (a fresh clone in CI), Jest
 * orders by file size, and the browser suites' files are small: the WebGPU suite, the longest (about
 * 20 minutes on SwiftShader), then started last and ran alone at the end. Longest first, the two
 * workers stay busy until near the end.
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Longest first, as measured in CI (2026-12-06); the rest follow in Jest's own order. */
const LONGEST = [
  'test/browser/webgpu.test.ts',
  'test/browser/webgl.test.ts',
  'test/browser/webgl-f16.test.ts',
  'test/node/cpu.test.ts',
  'test/browser/enrol.test.ts',
  'test/examples/examples.test.ts',
  'test/checkpoint/faultInjection.test.ts',
];

class LongestFirst extends Sequencer {
  sort(tests) {
    const own = super.sort(tests);
    const rank = (t) => {
      const i = LONGEST.findIndex((suffix) => t.path.replace(/\\/g, '/').endsWith(suffix));
      return i < 0 ? LONGEST.length : i;
    };
    return own
      .map((t, i) => ({ t, i }))
      .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
      .map(({ t }) => t);
  }
}

module.exports = LongestFirst;
