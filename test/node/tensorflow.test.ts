import * as tf from '@tensorflow/tfjs';
import { registerNodeSuite } from '../harness/nodeSuite';

registerNodeSuite('tensorflow', async () => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } catch (err) {
    throw new Error(`@tensorflow/tfjs-node does not load; run 'npm run setup:tfjs-node'. ${String(err)}`);
  }
  await tf.setBackend('tensorflow');
});
