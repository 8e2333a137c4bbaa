import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';
import { assert } from '../harness/assert';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { HEAD_CASES } from './headCases';

type Memory = ReturnType<typeof tf.memory>;

// A leak of one tensor or byte per step shows at every step after warm-up: 40 steps are as strict as 200.
const STEPS = 40;
const WARM_UP = 5;
const CLASSES = 4;

/** Per-batch `tf.memory()` over one `fit` of {@link STEPS} steps. */
async function memoryOverFit(model: tf.LayersModel, inputs: tf.Tensor[], targets: tf.Tensor): Promise<Memory[]> {
  const seen: Memory[] = [];
  await model.fit(inputs, targets, {
    epochs: 1,
    batchSize: 2,
    shuffle: false,
    verbose: 0,
    callbacks: { onBatchEnd: async () => void seen.push(tf.memory()) },
  });
  return seen;
}

function assertFlat(name: string, seen: Memory[]): void {
  assert(seen.length === STEPS, `${name}: ${seen.length} batches, expected ${STEPS}`);
  const ref = seen[WARM_UP]!;
  for (let i = WARM_UP; i < seen.length; i++) {
    const m = seen[i]!;
    assert(
      m.numTensors === ref.numTensors && m.numBytes === ref.numBytes,
      `${name}: memory grew after warm-up: step ${WARM_UP} had ${ref.numTensors} tensors / ${ref.numBytes} bytes, ` +
        `step ${i} has ${m.numTensors} / ${m.numBytes}`,
    );
  }
}

const LEAK_HEADS: [string, () => tf.layers.Layer, boolean][] = [
  ...HEAD_CASES.map((hc): [string, () => tf.layers.Layer, boolean] => [hc.name, () => hc.layer(CLASSES), true]),
  ['normalizedDense s=8', () => layers.normalizedDense({ units: CLASSES, scale: 8 }), false],
];

for (const [name, make, takesLabels] of LEAK_HEADS) {
  spec(
    'leaks',
    `${name}: ${STEPS} fit steps keep numTensors and numBytes flat after warm-up`,
    async () => {
      const n = 2 * STEPS;
      const x = tf.tensor2d(uniform(900, n * 16, -1, 1), [n, 16]);
      const labelValues = Array.from({ length: n }, (_, i) => (i * 7) % CLASSES);
      const y = tf.tensor2d(labelValues, [n, 1]);
      const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labelValues, 'int32'), CLASSES).toFloat());
      const image = tf.input({ shape: [16] });
      const label = tf.input({ shape: [1] });
      const embedding = tf.layers
        .dense({ units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) })
        .apply(image) as tf.SymbolicTensor;
      const head = make();
      const model = takesLabels
        ? tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor })
        : tf.model({ inputs: image, outputs: head.apply(embedding) as tf.SymbolicTensor });
      model.compile({ optimizer: tf.train.adam(0.01), loss: losses.softmaxCrossEntropy });
      try {
        const seen = await memoryOverFit(model, takesLabels ? [x, y] : [x], targets);
        assertFlat(name, seen);
      } finally {
        tf.dispose([x, y, targets]);
        model.dispose();
      }
    },
    { leakCheck: false },
  );
}
