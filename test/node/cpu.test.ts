import * as tf from '@tensorflow/tfjs';
import { registerNodeSuite } from '../harness/nodeSuite';

registerNodeSuite('cpu', async () => {
  await tf.setBackend('cpu');
});
