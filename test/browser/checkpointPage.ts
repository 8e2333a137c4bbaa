/**
 * The page of the IndexedDB checkpoint test (test/browser/checkpoint.test.ts): trains the ArcFace
 * case of test/harness/resumable.ts on WebGL with a checkpoint in IndexedDB after every step; the
 * test reloads the page mid-training and calls `resume` on the new page.
 */
import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint } from 'tfjs-margin';
import { build, CASES, dispose, train, weightsOf } from '../harness/resumable';

interface PageState {
  /** The last step trained by the current page. */
  step: number;
  losses: Record<number, number>;
  resumedFrom: string | null;
  messages: string[];
}

const state: PageState = { step: -1, losses: {}, resumedFrom: null, messages: [] };
const DATABASE = 'tfjs-margin-checkpoint-test';

async function start(): Promise<void> {
  if (!(await tf.setBackend('webgl'))) throw new Error('webgl did not start');
}

/** Trains to the end; with `storage`, resumes from it and checkpoints every step. */
async function run(withStorage: boolean): Promise<{ weights: number[][]; numTensors: number }> {
  await start();
  const r = build(CASES[0]!);
  let saver: callbacks.Checkpoint | null = null;
  let point: callbacks.ResumePoint | null = null;
  if (withStorage) {
    saver = callbacks.checkpoint({
      storage: checkpoint.indexedDBStorage(DATABASE),
      everySteps: 1,
      state: r.state,
      log: (m) => state.messages.push(m),
    });
    point = await saver.restore(r.model);
    state.resumedFrom = point?.name ?? null;
  }
  const losses: number[] = [];
  await train(r, saver, point?.epoch ?? 0, losses, point?.step ?? 0, (step, loss) => {
    state.losses[step] = loss;
    state.step = step;
  });
  const weights = await weightsOf(r.model, r.head);
  dispose(r);
  return { weights, numTensors: tf.memory().numTensors };
}

async function clear(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const r = indexedDB.deleteDatabase(DATABASE);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

(globalThis as unknown as { checkpointPage: unknown }).checkpointPage = { run, clear, state };
