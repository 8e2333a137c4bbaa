// Small helpers the Node examples share.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { data } from 'tfjs-margin';

const require = createRequire(import.meta.url);

/**
 * Sets the backend: `auto` is tfjs-node (the Node native backend) when it loads, otherwise wasm,
 * saying why; `tensorflow`, `wasm` or `cpu` by name. Returns what to print.
 */
export async function useBackend(name) {
  if (name === 'auto' || name === 'tensorflow') {
    try {
      require('@tensorflow/tfjs-node');
      await tf.setBackend('tensorflow');
      return 'tensorflow (tfjs-node, the Node native backend)';
    } catch (err) {
      const reason = `@tensorflow/tfjs-node does not load (${err.message.split('\n')[0]}); run npm run setup:tfjs-node`;
      if (name === 'tensorflow') throw new Error(reason);
      console.log(`${reason}. Falling back to wasm.`);
    }
  }
  if (name === 'auto' || name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    return 'wasm (MLP backbone: wasm has no conv filter gradients)';
  }
  if (name !== 'cpu') throw new Error(`--backend must be auto, tensorflow, wasm or cpu (got ${JSON.stringify(name)})`);
  await tf.setBackend('cpu');
  return 'cpu';
}

/** The package's seeded generator: splits, pairs and augmentation repeat exactly. */
export const random = data.seededRandom;

/** Cosine similarity of each pair of rows `a[i]`, `b[i]`: the verification score. */
export function pairCosines(a, b) {
  return a.map((u, i) => {
    let dot = 0;
    let nu = 0;
    let nv = 0;
    for (let c = 0; c < u.length; c++) {
      dot += u[c] * b[i][c];
      nu += u[c] * u[c];
      nv += b[i][c] * b[i][c];
    }
    return dot / Math.sqrt(nu * nv);
  });
}
