/**
 * One training process of the fault-injection test: builds a case of `test/harness/resumable.ts`,
 * resumes from the newest good checkpoint in a folder, trains to the end with a checkpoint after
 * every step, and prints what the parent needs (each step's loss, each checkpoint write, the final
 * weights). Bundled by the test with esbuild and run with node; the parent kills it with SIGKILL.
 *
 * argv: backend caseName folder weightsFile pauseMs
 */
import * as tf from '@tensorflow/tfjs';
import { callbacks, checkpoint } from 'tfjs-margin';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build, CASES, partialCases, train, weightsOf } from '../harness/resumable';

async function main(): Promise<void> {
  const [backend, caseName, folder, weightsFile, pause] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (backend === 'tensorflow') createRequire(import.meta.url)('@tensorflow/tfjs-node');
  await tf.setBackend(backend);
  const found = [...CASES, ...partialCases(backend)].find((c) => c.name === caseName);
  if (found === undefined) throw new Error(`no case ${caseName}`);
  const run = build(found);
  const files = checkpoint.fileStorage(folder);
  // Holds each write open after its first entry, so the parent can kill the process mid-write.
  const storage: checkpoint.CheckpointStorage = {
    ...files,
    async write(name, entries, manifest) {
      async function* slowed(): AsyncGenerator<Uint8Array> {
        let index = 0;
        for await (const entry of entries) {
          if (index++ === 1) {
            console.log(`WRITING ${name}`);
            await new Promise((resolve) => setTimeout(resolve, Number(pause)));
          }
          yield entry;
        }
      }
      await files.write(name, slowed(), manifest);
    },
  };
  const saver = callbacks.checkpoint({ storage, everySteps: 1, state: run.state, log: (m) => console.log(`LOG ${m}`) });
  const point = await saver.restore(run.model);
  console.log(`RESUMED ${point === null ? 'none' : `${point.name} ${point.step}`}`);
  await train(run, saver, point?.epoch ?? 0, [], point?.step ?? 0, (step, loss) => console.log(`STEP ${step} ${loss}`));
  writeFileSync(weightsFile, JSON.stringify(await weightsOf(run.model, run.head)));
  console.log('DONE');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
