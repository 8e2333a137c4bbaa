import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerNodeSuite } from '../harness/nodeSuite';

registerNodeSuite('wasm', async () => {
  await tf.setBackend('wasm');
});
