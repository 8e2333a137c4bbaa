// Small helpers the Node examples share.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { callbacks, data } from 'tfjs-margin';

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

/**
 * `--checkpoint <folder> [--resume]` for one training: a checkpoint callback writing into
 * `<folder>/<name>` after every epoch (put it last in the callbacks) and, with `resume`, the
 * training restored from its newest good checkpoint. Returns `{ saver, initialEpoch }`, or
 * `{ saver: null, initialEpoch: 0 }` without a folder. Refuses to mix a new run into a folder that
 * holds an earlier one's checkpoints.
 */
export async function resumable(folder, name, { resume, model, state }) {
  if (folder === undefined) {
    if (resume) throw new Error('--resume needs --checkpoint <folder> (where the checkpoints are)');
    return { saver: null, initialEpoch: 0 };
  }
  const storage = path.join(folder, name);
  const saver = callbacks.checkpoint({ storage, everyEpochs: 1, state, log: (m) => console.log(`   ${m}`) });
  const existing = await saver.list();
  if (!resume) {
    if (existing.length > 0) {
      throw new Error(
        `--checkpoint: ${storage} holds checkpoints of an earlier run; add --resume to continue it, or choose another folder`,
      );
    }
    return { saver, initialEpoch: 0 };
  }
  const point = await saver.restore(model);
  console.log(
    point === null
      ? `   no checkpoint in ${storage}: starting fresh`
      : `   resumed from ${point.name}: epoch ${point.epoch + 1}, step ${point.step}`,
  );
  return { saver, initialEpoch: point?.epoch ?? 0 };
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
