import * as tf from '@tensorflow/tfjs';
import { callbacks, data, layers, losses, miners, ops } from 'tfjs-margin';
import { savedArtifacts } from '../harness/models';

/**
 * The bad-input catalogue: every way of misusing the public API that we promise to answer with a
 * clear error. Each case names the argument the error must name, the expected form and the received
 * value the message must show. `docs/bad-input.md` is generated from this list (the docs test fails
 * when they drift), so adding a case here documents it.
 */
export interface MisuseCase {
  /** Stable kebab-case id, also the docs anchor. */
  id: string;
  /** The public entry point that is misused, e.g. `ops.softmax`. */
  api: string;
  /** What the user did wrong, in words. */
  misuse: string;
  /** The argument the message must name (quoted in it as `'name'`). */
  argument: string;
  /** Patterns for the expected form and the received value; all must match the message. */
  expected: RegExp;
  received: RegExp;
  /**
   * Runs the misuse; must throw (or reject). Tensors made through `mk` are disposed afterwards, so any
   * tensor still alive after the call was leaked by the library.
   */
  run: (mk: Maker) => unknown;
  /**
   * Data-dependent cases read tensor values. webgpu cannot read synchronously, so there the
   * synchronous call does not check and this asynchronous validator must reject instead.
   */
  asyncRun?: (mk: Maker) => Promise<unknown>;
}

/** Creates tensors and layers for one case and remembers them for disposal. */
export class Maker {
  private readonly tensors: tf.Tensor[] = [];
  private readonly layersMade: tf.layers.Layer[] = [];

  t(values: number[] | number, shape?: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32'): tf.Tensor {
    const x = tf.tensor(values, shape, dtype);
    this.tensors.push(x);
    return x;
  }

  zeros(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
    const x = tf.zeros(shape, dtype);
    this.tensors.push(x);
    return x;
  }

  /** A head (or Partial FC) already built for `[N, 4]` embeddings and 3 classes. */
  head<T extends tf.layers.Layer>(make: () => T): T {
    const h = make();
    tf.tidy(() => void h.apply([tf.zeros([1, 4]), tf.zeros([1], 'int32')]));
    this.layersMade.push(h);
    return h;
  }

  layer<T extends tf.layers.Layer>(l: T): T {
    this.layersMade.push(l);
    return l;
  }

  dispose(): void {
    tf.dispose(this.tensors);
    for (const l of this.layersMade) if (l.built) l.dispose();
  }
}

/** A saved `[4] → layer` model, as `loadLayersModel` would read it, with its layer config editable. */
async function savedModel(make: () => tf.layers.Layer, withLabels: boolean): Promise<tf.io.ModelArtifacts> {
  const x = tf.input({ shape: [4] });
  const inputs = withLabels ? [x, tf.input({ shape: [1] })] : [x];
  const layer = make();
  const out = layer.apply(withLabels ? inputs : x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: out });
  const artifacts = await savedArtifacts(model);
  model.dispose();
  return artifacts;
}

/** Loads a saved model after `edit` changed the config of its margin layer (keys as saved: snake_case). */
async function loadEdited(
  make: () => tf.layers.Layer,
  withLabels: boolean,
  edit: (config: Record<string, unknown>) => void,
): Promise<void> {
  const artifacts = await savedModel(make, withLabels);
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as {
    config: { layers: { config: Record<string, unknown> }[] };
  };
  const layerConfigs = topology.config.layers;
  edit(layerConfigs[layerConfigs.length - 1]!.config);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));
  model.dispose();
}

const arc = () => layers.arcFace({ numClasses: 3 });
const pfc = () => layers.partialFC({ numClasses: 3, sampleRate: 1 });
const x24 = (mk: Maker) => mk.zeros([2, 4]);
const labels2 = (mk: Maker, a: number, b: number, dtype: 'float32' | 'int32' = 'int32') => mk.t([a, b], [2], dtype);

export const MISUSE_CASES: MisuseCase[] = [
  // ops
  {
    id: 'softmax-temperature-zero',
    api: 'ops.softmax',
    misuse: 'temperature 0',
    argument: 'temperature',
    expected: /a finite number > 0/,
    received: /received 0\b/,
    run: (mk) => ops.softmax(mk.t([1, 2]), { temperature: 0 }),
  },
  {
    id: 'log-softmax-temperature-nan',
    api: 'ops.logSoftmax',
    misuse: 'temperature NaN',
    argument: 'temperature',
    expected: /a finite number > 0/,
    received: /received NaN/,
    run: (mk) => ops.logSoftmax(mk.t([1, 2]), { temperature: Number.NaN }),
  },
  {
    id: 'log-softmax-temperature-infinite',
    api: 'ops.logSoftmax',
    misuse: 'temperature Infinity',
    argument: 'temperature',
    expected: /a finite number > 0/,
    received: /received Infinity/,
    run: (mk) => ops.logSoftmax(mk.t([1, 2]), { temperature: Infinity }),
  },
  {
    id: 'softmax-axis-out-of-range',
    api: 'ops.softmax',
    misuse: 'axis 1 on a rank-1 tensor',
    argument: 'axis',
    expected: /\[-1, 0\]/,
    received: /received 1\b/,
    run: (mk) => ops.softmax(mk.t([1, 2]), { axis: 1 }),
  },
  {
    id: 'softmax-scalar-logits',
    api: 'ops.softmax',
    misuse: 'a scalar as logits',
    argument: 'logits',
    expected: /rank >= 1/,
    received: /shape \[\]/,
    run: (mk) => ops.softmax(mk.t(1)),
  },
  {
    id: 'softmax-bool-logits',
    api: 'ops.softmax',
    misuse: 'a bool tensor as logits',
    argument: 'logits',
    expected: /float32/,
    received: /a bool tensor/,
    run: (mk) => ops.softmax(mk.t([1, 0], [2], 'bool')),
  },
  {
    id: 'softmax-unknown-option',
    api: 'ops.softmax',
    misuse: 'a misspelt option (`temprature`)',
    argument: 'options',
    expected: /keys among \{axis, temperature\}/,
    received: /unknown key 'temprature'/,
    run: (mk) => ops.softmax(mk.t([1, 2]), { temprature: 2 } as never),
  },
  {
    id: 'softmax-array-logits',
    api: 'ops.softmax',
    misuse: 'a plain array instead of a tensor',
    argument: 'logits',
    expected: /a tf\.Tensor/,
    received: /received \[1, 2\]/,
    run: () => ops.softmax([1, 2] as never),
  },
  {
    id: 'l2-normalize-epsilon-negative',
    api: 'ops.l2Normalize',
    misuse: 'epsilon −1',
    argument: 'epsilon',
    expected: /a finite number > 0/,
    received: /received -1/,
    run: (mk) => ops.l2Normalize(mk.t([1, 2]), { epsilon: -1 }),
  },
  {
    id: 'l2-normalize-disposed-input',
    api: 'ops.l2Normalize',
    misuse: 'a disposed tensor',
    argument: 'x',
    expected: /not disposed/,
    received: /a disposed tensor/,
    run: (mk) => {
      const x = mk.t([1, 2]);
      x.dispose();
      return ops.l2Normalize(x);
    },
  },
  {
    id: 'cosine-similarity-dimension-mismatch',
    api: 'ops.cosineSimilarity',
    misuse: '[2, 3] against [2, 4]',
    argument: 'b',
    expected: /\[M, 3\]/,
    received: /shape \[2, 4\]/,
    run: (mk) => ops.cosineSimilarity(mk.zeros([2, 3]), mk.zeros([2, 4])),
  },
  {
    id: 'cosine-similarity-rank',
    api: 'ops.cosineSimilarity',
    misuse: 'a rank-1 tensor',
    argument: 'a',
    expected: /rank-2/,
    received: /shape \[3\]/,
    run: (mk) => ops.cosineSimilarity(mk.zeros([3]), mk.zeros([2, 3])),
  },
  {
    id: 'normalized-linear-kernel-mismatch',
    api: 'ops.normalizedLinear',
    misuse: 'a [5, 2] kernel for [2, 3] inputs',
    argument: 'kernel',
    expected: /\[3, C\]/,
    received: /shape \[5, 2\]/,
    run: (mk) => ops.normalizedLinear(mk.zeros([2, 3]), mk.zeros([5, 2])),
  },
  {
    id: 'normalized-linear-scale-zero',
    api: 'ops.normalizedLinear',
    misuse: 'scale 0',
    argument: 'scale',
    expected: /a finite number in \(0, 10000\]/,
    received: /received 0\b/,
    run: (mk) => ops.normalizedLinear(mk.zeros([2, 3]), mk.zeros([3, 2]), { scale: 0 }),
  },
  {
    id: 'margin-logits-kernel-mismatch',
    api: 'ops.marginLogits',
    misuse: 'a kernel whose D differs from the embeddings',
    argument: 'kernel',
    expected: /\[4, C·1\]/,
    received: /shape \[3, 6\]/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([3, 6]) as tf.Tensor2D, null, null, marginOptions()),
  },
  {
    id: 'margin-logits-sub-centers-indivisible',
    api: 'ops.marginLogits',
    misuse: '5 kernel columns with subCenters 2',
    argument: 'kernel',
    expected: /C·2/,
    received: /shape \[4, 5\]/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 5]) as tf.Tensor2D, null, null, {
        ...marginOptions(),
        subCenters: 2,
      }),
  },
  {
    id: 'margin-logits-kernel-layout',
    api: 'ops.marginLogits',
    misuse: "kernelLayout 'diagonal'",
    argument: 'options.kernelLayout',
    expected: /'columns' or 'rows'/,
    received: /"diagonal"/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 6]) as tf.Tensor2D, null, null, {
        ...marginOptions(),
        kernelLayout: 'diagonal' as never,
      }),
  },
  {
    id: 'margin-logits-rows-kernel-mismatch',
    api: 'ops.marginLogits',
    misuse: "a [C, D] kernel whose D differs, with kernelLayout 'rows'",
    argument: 'kernel',
    expected: /\[C·1, 4\]/,
    received: /shape \[6, 3\]/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([6, 3]) as tf.Tensor2D, null, null, {
        ...marginOptions(),
        kernelLayout: 'rows',
      }),
  },
  {
    id: 'margin-logits-targets-shape',
    api: 'ops.marginLogits',
    misuse: 'targets of the wrong shape',
    argument: 'targets',
    expected: /one-hot tensor of shape \[2, 3\]/,
    received: /shape \[2, 4\]/,
    run: (mk) =>
      ops.marginLogits(
        mk.zeros([2, 4]) as tf.Tensor2D,
        mk.zeros([4, 3]) as tf.Tensor2D,
        mk.zeros([2, 4]) as tf.Tensor2D,
        null,
        marginOptions(),
      ),
  },
  {
    id: 'margin-logits-subcenters-unnormalized',
    api: 'ops.marginLogits',
    misuse: 'sub-centers with unnormalized class centers',
    argument: 'options.normalizeWeights',
    expected: /true when subCenters > 1/,
    received: /received false/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 6]) as tf.Tensor2D, null, null, {
        ...marginOptions(),
        subCenters: 2,
        normalizeWeights: false,
      }),
  },
  {
    id: 'margin-logits-gradient-mode',
    api: 'ops.marginLogits',
    misuse: "gradient 'auto'",
    argument: 'options.gradient',
    expected: /'exact' or 'straightThrough'/,
    received: /"auto"/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 3]) as tf.Tensor2D, null, null, {
        ...marginOptions(),
        gradient: 'auto' as never,
      }),
  },
  {
    id: 'multiplicative-margin-fractional',
    api: 'ops.margins.multiplicativeAngularMargin',
    misuse: 'a non-integer margin 2.5',
    argument: 'm',
    expected: /an integer in \[1, 16\]/,
    received: /received 2\.5/,
    run: () => ops.margins.multiplicativeAngularMargin(2.5),
  },
  {
    id: 'additive-angular-margin-too-large',
    api: 'ops.margins.additiveAngularMargin',
    misuse: 'margin 4 rad (≥ π)',
    argument: 'm',
    expected: /\[0, 3\.14159/,
    received: /received 4\b/,
    run: () => ops.margins.additiveAngularMargin(4),
  },
  {
    id: 'additive-cosine-margin-negative',
    api: 'ops.margins.additiveCosineMargin',
    misuse: 'margin −0.1',
    argument: 'm',
    expected: /a number in \[0, 2\]/,
    received: /received -0\.1/,
    run: () => ops.margins.additiveCosineMargin(-0.1),
  },
  {
    id: 'validate-labels-out-of-range',
    api: 'ops.validateLabels',
    misuse: 'label 5 with 3 classes',
    argument: 'labels',
    expected: /\[0, 3\)/,
    received: /5 at index 1/,
    run: (mk) => ops.validateLabels(labels2(mk, 0, 5), 3),
  },
  {
    id: 'validate-labels-num-classes-fractional',
    api: 'ops.validateLabels',
    misuse: 'numClasses 2.5',
    argument: 'numClasses',
    expected: /an integer >= 1/,
    received: /received 2\.5/,
    run: (mk) => ops.validateLabels(labels2(mk, 0, 1), 2.5),
  },
  // losses
  {
    id: 'softmax-cross-entropy-negative-target',
    api: 'losses.softmaxCrossEntropy',
    misuse: 'a negative soft target (its loss could be negative)',
    argument: 'yTrue',
    expected: /targets in \[0, 1\]/,
    received: /-0\.5 at flat index 2/,
    run: (mk) => losses.softmaxCrossEntropy(mk.t([0.5, 1, -0.5], [1, 3]), mk.t([1, 2, 3], [1, 3])),
    asyncRun: (mk) => ops.validateTargets(mk.t([0.5, 1, -0.5], [1, 3]), 'losses.softmaxCrossEntropy', 'yTrue'),
  },
  {
    id: 'softmax-cross-entropy-target-above-one',
    api: 'losses.softmaxCrossEntropy',
    misuse: 'a target of 4 (not a probability)',
    argument: 'yTrue',
    expected: /targets in \[0, 1\]/,
    received: /4 at flat index 1/,
    run: (mk) => losses.softmaxCrossEntropy(mk.t([0, 4], [1, 2]), mk.t([1, 2], [1, 2])),
    asyncRun: (mk) => ops.validateTargets(mk.t([0, 4], [1, 2]), 'losses.softmaxCrossEntropy', 'yTrue'),
  },
  {
    id: 'large-margin-softmax-margin-huge',
    api: 'layers.largeMarginSoftmax',
    misuse: 'margin 1e9 (its work grows with m: once a process abort)',
    argument: 'margin',
    expected: /an integer in \[1, 16\]/,
    received: /1000000000/,
    run: () => layers.largeMarginSoftmax({ numClasses: 5, margin: 1e9 }),
  },
  {
    id: 'head-scale-huge',
    api: 'layers.arcFace',
    misuse: 'scale 1e6',
    argument: 'scale',
    expected: /a finite number in \(0, 10000\]/,
    received: /1000000/,
    run: () => layers.arcFace({ numClasses: 5, scale: 1e6 }),
  },
  {
    id: 'sphereface-embeddings-huge',
    api: 'layers.sphereFace',
    misuse: 'SphereFace embeddings of magnitude 1e35 (its logits carry |x|)',
    argument: 'embeddings',
    // Half-float textures (webgl-f16) cannot store 1e35: there it is the non-finite error.
    expected: /magnitude at most 1e\+30|finite values/,
    received: /magnitude 1\.0\d*e\+35|Infinity|NaN/,
    run: (mk) =>
      mk
        .head(() => layers.sphereFace({ numClasses: 3, seed: 1 }))
        .apply([mk.t([1e35, 0, 0, 1, 0, 0, 1, 0], [2, 4]), labels2(mk, 0, 1)]),
    asyncRun: (mk) =>
      mk
        .head(() => layers.sphereFace({ numClasses: 3, seed: 1 }))
        .validateInputs(mk.t([1e35, 0, 0, 1, 0, 0, 1, 0], [2, 4]), labels2(mk, 0, 1)),
  },
  {
    id: 'classBalancedSampler-batch-huge',
    api: 'data.classBalancedSampler',
    misuse: 'samplesPerClass 1e9 (a billion-index batch)',
    argument: 'samplesPerClass',
    expected: /at most 500000 with 2 classes per batch/,
    received: /1000000000/,
    run: () => data.classBalancedSampler([0, 1, 0, 1], { samplesPerClass: 1e9, classesPerBatch: 2 }),
  },
  {
    id: 'progress-logger-bar-huge',
    api: 'callbacks.progressLogger',
    misuse: 'barWidth 1e9',
    argument: 'barWidth',
    expected: /an integer in \[1, 500\]/,
    received: /1000000000/,
    run: () => callbacks.progressLogger({ barWidth: 1e9 }),
  },
  {
    id: 'cosine-decay-floor-above-peak',
    api: 'callbacks.cosineDecay',
    misuse: 'minLearningRate above learningRate',
    argument: 'minLearningRate',
    expected: /a number in \[0, learningRate = 0\.001\]/,
    received: /0\.1/,
    run: () => callbacks.cosineDecay({ learningRate: 1e-3, minLearningRate: 0.1 }),
  },
  {
    id: 'softmax-cross-entropy-shape-mismatch',
    api: 'losses.softmaxCrossEntropy',
    misuse: 'targets [2, 3] against logits [2, 4]',
    argument: 'yTrue',
    expected: /shape \[2, 4\]/,
    received: /shape \[2, 3\]/,
    run: (mk) => losses.softmaxCrossEntropy(mk.zeros([2, 3]), mk.zeros([2, 4])),
  },
  {
    id: 'softmax-cross-entropy-bool-targets',
    api: 'losses.softmaxCrossEntropy',
    misuse: 'bool targets',
    argument: 'yTrue',
    expected: /float32/,
    received: /a bool tensor/,
    run: (mk) => losses.softmaxCrossEntropy(mk.t([1, 0], [1, 2], 'bool'), mk.zeros([1, 2])),
  },
  {
    id: 'sparse-cross-entropy-label-out-of-range',
    api: 'losses.sparseSoftmaxCrossEntropy',
    misuse: 'label 3 with 3 classes',
    argument: 'labels',
    expected: /\[0, 3\)/,
    received: /3 at index 1/,
    run: (mk) => losses.sparseSoftmaxCrossEntropy(labels2(mk, 0, 3), mk.zeros([2, 3])),
    asyncRun: (mk) => ops.validateLabels(labels2(mk, 0, 3), 3, 'losses.sparseSoftmaxCrossEntropy'),
  },
  {
    id: 'sparse-cross-entropy-label-fractional',
    api: 'losses.sparseSoftmaxCrossEntropy',
    misuse: 'a fractional float label 0.5',
    argument: 'labels',
    expected: /integer/,
    received: /0\.5 at index 1/,
    run: (mk) => losses.sparseSoftmaxCrossEntropy(labels2(mk, 0, 0.5, 'float32'), mk.zeros([2, 3])),
    asyncRun: (mk) => ops.validateLabels(labels2(mk, 0, 0.5, 'float32'), 3, 'losses.sparseSoftmaxCrossEntropy'),
  },
  {
    id: 'sparse-cross-entropy-label-count',
    api: 'losses.sparseSoftmaxCrossEntropy',
    misuse: '3 labels for 2 rows of logits',
    argument: 'labels',
    expected: /\[2\] or \[2, 1\]/,
    received: /shape \[3\]/,
    run: (mk) => losses.sparseSoftmaxCrossEntropy(mk.t([0, 1, 2], [3], 'int32'), mk.zeros([2, 3])),
  },
  {
    id: 'sparse-cross-entropy-logits-rank',
    api: 'losses.sparseSoftmaxCrossEntropy',
    misuse: 'rank-3 logits',
    argument: 'logits',
    expected: /rank-2 tensor \[N, C\]/,
    received: /shape \[2, 3, 1\]/,
    run: (mk) => losses.sparseSoftmaxCrossEntropy(labels2(mk, 0, 1), mk.zeros([2, 3, 1])),
  },
  {
    id: 'cross-entropy-with-label-smoothing-one',
    api: 'losses.softmaxCrossEntropyWith',
    misuse: 'labelSmoothing 1',
    argument: 'labelSmoothing',
    expected: /\[0, 1\)/,
    received: /received 1\b/,
    run: () => losses.softmaxCrossEntropyWith({ labelSmoothing: 1 }),
  },
  {
    id: 'cross-entropy-with-temperature-negative',
    api: 'losses.softmaxCrossEntropyWith',
    misuse: 'temperature −2',
    argument: 'temperature',
    expected: /> 0/,
    received: /received -2/,
    run: () => losses.softmaxCrossEntropyWith({ temperature: -2 }),
  },
  {
    id: 'arcface-loss-margin-negative',
    api: 'losses.arcFaceLoss',
    misuse: 'margin −0.5',
    argument: 'margin',
    expected: /\[0, 3\.14159/,
    received: /received -0\.5/,
    run: () => losses.arcFaceLoss({ margin: -0.5 }),
  },
  {
    id: 'cosface-loss-scale-zero',
    api: 'losses.cosFaceLoss',
    misuse: 'scale 0',
    argument: 'scale',
    expected: /a finite number in \(0, 10000\]/,
    received: /received 0\b/,
    run: () => losses.cosFaceLoss({ scale: 0 }),
  },
  {
    id: 'combined-margin-loss-unknown-key',
    api: 'losses.combinedMarginLoss',
    misuse: 'a misspelt key (`margin`)',
    argument: 'config',
    expected: /keys among \{scale, m1, m2, m3/,
    received: /unknown key 'margin'/,
    run: () => losses.combinedMarginLoss({ margin: 0.5 } as never),
  },
  // layers
  {
    id: 'normalized-dense-units-zero',
    api: 'layers.normalizedDense',
    misuse: 'units 0',
    argument: 'units',
    expected: /an integer >= 1/,
    received: /received 0\b/,
    run: () => layers.normalizedDense({ units: 0 }),
  },
  {
    id: 'normalized-dense-units-fractional',
    api: 'layers.normalizedDense',
    misuse: 'units 2.5',
    argument: 'units',
    expected: /an integer >= 1/,
    received: /received 2\.5/,
    run: () => layers.normalizedDense({ units: 2.5 }),
  },
  {
    id: 'normalized-dense-scale-nan',
    api: 'layers.normalizedDense',
    misuse: 'scale NaN',
    argument: 'scale',
    expected: /a finite number in \(0, 10000\]/,
    received: /received NaN/,
    run: () => layers.normalizedDense({ units: 3, scale: Number.NaN }),
  },
  {
    id: 'normalized-dense-unknown-key',
    api: 'layers.normalizedDense',
    misuse: 'a misspelt key (`unitz`)',
    argument: 'unitz',
    expected: /known keys are \{units/,
    received: /unknown key 'unitz'/,
    run: () => layers.normalizedDense({ units: 3, unitz: 4 } as never),
  },
  {
    id: 'l2-normalization-axis-fractional',
    api: 'layers.l2Normalization',
    misuse: 'axis 0.5',
    argument: 'axis',
    expected: /integer/,
    received: /received 0\.5/,
    run: () => layers.l2Normalization({ axis: 0.5 }),
  },
  {
    id: 'temperature-softmax-temperature-negative',
    api: 'layers.temperatureSoftmax',
    misuse: 'temperature −1',
    argument: 'temperature',
    expected: /> 0/,
    received: /received -1/,
    run: () => layers.temperatureSoftmax({ temperature: -1 }),
  },
  {
    id: 'head-num-classes-zero',
    api: 'layers.arcFace',
    misuse: 'numClasses 0',
    argument: 'numClasses',
    expected: /an integer >= 1/,
    received: /received 0\b/,
    run: () => layers.arcFace({ numClasses: 0 }),
  },
  {
    id: 'sphereface-margin-fractional',
    api: 'layers.sphereFace',
    misuse: 'a non-integer margin 1.5',
    argument: 'margin',
    expected: /an integer in \[1, 16\]/,
    received: /received 1\.5/,
    run: () => layers.sphereFace({ numClasses: 3, margin: 1.5 }),
  },
  {
    id: 'large-margin-softmax-margin-zero',
    api: 'layers.largeMarginSoftmax',
    misuse: 'margin 0',
    argument: 'margin',
    expected: /an integer in \[1, 16\]/,
    received: /received 0\b/,
    run: () => layers.largeMarginSoftmax({ numClasses: 3, margin: 0 }),
  },
  {
    id: 'cosface-margin-negative',
    api: 'layers.cosFace',
    misuse: 'margin −0.1',
    argument: 'margin',
    expected: /a number in \[0, 2\]/,
    received: /received -0\.1/,
    run: () => layers.cosFace({ numClasses: 3, margin: -0.1 }),
  },
  {
    id: 'arcface-scale-zero',
    api: 'layers.arcFace',
    misuse: 'scale 0',
    argument: 'scale',
    expected: /a finite number in \(0, 10000\]/,
    received: /received 0\b/,
    run: () => layers.arcFace({ numClasses: 3, scale: 0 }),
  },
  {
    id: 'combined-margin-m1-zero',
    api: 'layers.combinedMargin',
    misuse: 'm1 0',
    argument: 'm1',
    expected: /a finite number in \(0, 16\]/,
    received: /received 0\b/,
    run: () => layers.combinedMargin({ numClasses: 3, m1: 0 }),
  },
  {
    id: 'sub-center-arcface-sub-centers-zero',
    api: 'layers.subCenterArcFace',
    misuse: 'subCenters 0',
    argument: 'subCenters',
    expected: /an integer in \[1, 64\]/,
    received: /received 0\b/,
    run: () => layers.subCenterArcFace({ numClasses: 3, subCenters: 0 }),
  },
  {
    id: 'arcface-gradient-unknown',
    api: 'layers.arcFace',
    misuse: "gradient 'autodiff'",
    argument: 'gradient',
    expected: /straightThrough/,
    received: /"autodiff"/,
    run: () => layers.arcFace({ numClasses: 3, gradient: 'autodiff' as never }),
  },
  {
    id: 'arcface-unknown-key',
    api: 'layers.arcFace',
    misuse: 'a misspelt key (`marginn`)',
    argument: 'marginn',
    expected: /known keys are \{numClasses/,
    received: /unknown key 'marginn'/,
    run: () => layers.arcFace({ numClasses: 3, marginn: 0.5 } as never),
  },
  {
    id: 'sphereface-lambda-incomplete',
    api: 'layers.sphereFace',
    misuse: 'a λ schedule without gamma',
    argument: 'lambda.gamma',
    expected: /> 0|>= 0/,
    received: /undefined/,
    run: () => layers.sphereFace({ numClasses: 3, lambda: { base: 1000 } as never }),
  },
  {
    id: 'curricularface-momentum',
    api: 'layers.curricularFace',
    misuse: 'momentum 0 (t would never move)',
    argument: 'momentum',
    expected: /a number in \(0, 1\]/,
    received: /received 0\./,
    run: () => layers.curricularFace({ numClasses: 3, momentum: 0 }),
  },
  {
    id: 'curricularface-unknown-key',
    api: 'layers.curricularFace',
    misuse: "AdaFace's tAlpha given to CurricularFace",
    argument: 'tAlpha',
    expected: /absent: known keys are \{numClasses, checkInputs, seed, margin, scale, momentum, gradient\}/,
    received: /unknown key 'tAlpha'/,
    run: () => layers.curricularFace({ numClasses: 3, tAlpha: 0.01 } as never),
  },
  {
    id: 'adaface-margin',
    api: 'layers.adaFace',
    misuse: 'margin 4 (≥ π)',
    argument: 'margin',
    expected: /a number in \[0, π\)/,
    received: /received 4\./,
    run: () => layers.adaFace({ numClasses: 3, margin: 4 }),
  },
  {
    id: 'adaface-h',
    api: 'layers.adaFace',
    misuse: 'h 0 (every sample would get the same margin, by division by zero)',
    argument: 'h',
    expected: /a finite number in \(0, 10\]/,
    received: /received 0\./,
    run: () => layers.adaFace({ numClasses: 3, h: 0 }),
  },
  {
    id: 'adaface-talpha',
    api: 'layers.adaFace',
    misuse: 'tAlpha 1.5',
    argument: 'tAlpha',
    expected: /a number in \(0, 1\]/,
    received: /received 1\.5\./,
    run: () => layers.adaFace({ numClasses: 3, tAlpha: 1.5 }),
  },
  {
    id: 'elasticface-kind',
    api: 'layers.elasticFace',
    misuse: "kind 'arcface' (the kinds are 'arc' and 'cos')",
    argument: 'kind',
    expected: /'arc' or 'cos'/,
    received: /received "arcface"\./,
    run: () => layers.elasticFace({ numClasses: 3, kind: 'arcface' as never }),
  },
  {
    id: 'elasticface-sigma',
    api: 'layers.elasticFace',
    misuse: 'sigma −0.05 (a standard deviation)',
    argument: 'sigma',
    expected: /a finite number >= 0/,
    received: /received -0\.05\./,
    run: () => layers.elasticFace({ numClasses: 3, sigma: -0.05 }),
  },
  {
    id: 'elastic-margin-shape',
    api: 'ops.margins.elasticMargin',
    misuse: 'three margins for a batch of two',
    argument: 'margins',
    expected: /a \[2\] tensor \(one per sample\)/,
    received: /float32 tensor of shape \[3\]/,
    run: (mk) => ops.margins.elasticMargin('arc', mk.zeros([3])).apply(mk.zeros([2]), 'exact'),
  },
  {
    id: 'magface-norm-bounds',
    api: 'layers.magFace',
    misuse: 'upperNorm 10 not above lowerNorm 10',
    argument: 'upperNorm',
    expected: /a number > lowerNorm \(10\)/,
    received: /received 10\./,
    run: () => layers.magFace({ numClasses: 3, lowerNorm: 10, upperNorm: 10 }),
  },
  {
    id: 'magface-lambda-g',
    api: 'layers.magFace',
    misuse: 'lambdaG −1 (would reward small norms)',
    argument: 'lambdaG',
    expected: /a finite number >= 0/,
    received: /received -1\./,
    run: () => layers.magFace({ numClasses: 3, lambdaG: -1 }),
  },
  {
    id: 'magface-margin',
    api: 'layers.magFace',
    misuse: 'upperMargin 4 (≥ π)',
    argument: 'upperMargin',
    expected: /a number in \[0, 3\.14/,
    received: /received 4\./,
    run: () => layers.magFace({ numClasses: 3, upperMargin: 4 }),
  },
  {
    id: 'adacos-two-classes',
    api: 'layers.adaCos',
    misuse: 'numClasses 2 (the fixed scale √2 ln(C − 1) is 0)',
    argument: 'numClasses',
    expected: /an integer >= 3/,
    received: /received 2\./,
    run: () => layers.adaCos({ numClasses: 2 }),
  },
  {
    id: 'circle-margin',
    api: 'layers.circleHead',
    misuse: 'margin 1 (the relaxation is below 1)',
    argument: 'margin',
    expected: /a number in \[0, 1\)/,
    received: /received 1\./,
    run: () => layers.circleHead({ numClasses: 3, margin: 1 }),
  },
  {
    id: 'circle-scale-key',
    api: 'layers.circleHead',
    misuse: "'scale' given to the Circle head (its scale is gamma)",
    argument: 'scale',
    expected: /absent: known keys are \{numClasses, checkInputs, seed, margin, gamma\}/,
    received: /unknown key 'scale'/,
    run: () => layers.circleHead({ numClasses: 3, scale: 64 } as never),
  },
  {
    id: 'margin-logits-negatives-with-hard-negatives',
    api: 'ops.marginLogits',
    misuse: "Circle's non-target transform together with CurricularFace's hard negatives",
    argument: 'options.negatives',
    expected: /absent when options\.hardNegatives is given/,
    received: /"both"/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 3]) as tf.Tensor2D, null, null, {
        margin: ops.margins.circleTarget(0.25),
        hardNegatives: ops.margins.curricularHardNegatives(0.5, 0),
        negatives: ops.margins.circleNegatives(0.25),
        scale: 8,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact',
      }),
  },
  {
    id: 'partialfc-margin-unnormalized',
    api: 'layers.partialFC',
    misuse: "SphereFace's margin (its logits carry ‖x‖) as Partial FC's margin",
    argument: 'margin',
    expected: /a head that normalizes embeddings and centers, one center per class/,
    received: /received "SphereFace"\./,
    run: () => layers.partialFC({ numClasses: 3, margin: layers.sphereFace({ numClasses: 3 }) }),
  },
  {
    id: 'partialfc-margin-classes',
    api: 'layers.partialFC',
    misuse: 'a margin head for 4 classes on a Partial FC of 3',
    argument: 'margin',
    expected: /a head with numClasses 3 \(this layer's\)/,
    received: /numClasses 4/,
    run: () => layers.partialFC({ numClasses: 3, margin: layers.arcFace({ numClasses: 4 }) }),
  },
  {
    id: 'partialfc-margin-and-m2',
    api: 'layers.partialFC',
    misuse: "both a margin head and the combined margin's m2",
    argument: 'm2',
    expected: /absent when 'margin' gives a head/,
    received: /received 0\.3\./,
    run: () => layers.partialFC({ numClasses: 3, m2: 0.3, margin: layers.arcFace({ numClasses: 3 }) }),
  },
  {
    id: 'partialfc-margin-object',
    api: 'layers.partialFC',
    misuse: "a margin given as {m: 0.5} (not a head or a saved head's {className, config})",
    argument: 'margin',
    expected: /a margin head \(layers\.arcFace\(\.\.\.\), \.\.\.\) or its saved \{className, config\}/,
    received: /\{"m":0\.5\}/,
    run: () => layers.partialFC({ numClasses: 3, margin: { m: 0.5 } as never }),
  },
  {
    id: 'margin-logits-hard-negatives-unnormalized',
    api: 'ops.marginLogits',
    misuse: "CurricularFace's hard negatives with unnormalized embeddings",
    argument: 'options.hardNegatives',
    expected: /normalizeInputs and normalizeWeights both true/,
    received: /\{\}|apply/,
    run: (mk) =>
      ops.marginLogits(mk.zeros([2, 4]) as tf.Tensor2D, mk.zeros([4, 3]) as tf.Tensor2D, null, null, {
        margin: ops.margins.additiveAngularMargin(0.5),
        hardNegatives: ops.margins.curricularHardNegatives(0.5, 0),
        scale: 8,
        normalizeInputs: false,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact',
      }),
  },
  {
    id: 'partial-fc-sample-rate',
    api: 'PartialFC',
    misuse: 'sampleRate 1.5',
    argument: 'sampleRate',
    expected: /a number in \(0, 1\]/,
    received: /1\.5/,
    run: () => layers.partialFC({ numClasses: 10, sampleRate: 1.5 }),
  },
  {
    id: 'partial-fc-momentum',
    api: 'PartialFC',
    misuse: 'momentum 1 (the centers would never settle)',
    argument: 'momentum',
    expected: /a number in \[0, 1\)/,
    received: /received 1\./,
    run: () => layers.partialFC({ numClasses: 10, momentum: 1 }),
  },
  {
    id: 'partial-fc-embedding-width',
    api: 'PartialFC',
    misuse: 'embeddings of width 3 for centers built with D = 4',
    argument: 'embeddings',
    expected: /a \[N, 4\] tensor/,
    received: /shape \[2, 3\]/,
    run: (mk) => {
      const head = mk.layer(layers.partialFC({ numClasses: 5, sampleRate: 1 }));
      head.apply([tf.input({ shape: [4] }), tf.input({ shape: [1] })]);
      return head.apply([mk.zeros([2, 3]), mk.zeros([2], 'int32')]);
    },
  },
  {
    id: 'partial-fc-embeddings-infinite',
    api: 'PartialFC',
    misuse: 'an Infinity in the embeddings (the same check and message as the heads)',
    argument: 'embeddings',
    expected: /finite/,
    received: /(Infinity|NaN) at \[1, 2\]/,
    run: (mk) => mk.head(pfc).apply([mk.t([0, 0, 0, 0, 1, 1, Infinity, 1], [2, 4]), labels2(mk, 0, 1)]),
    asyncRun: (mk) => mk.head(pfc).validateInputs(mk.t([0, 0, 0, 0, 1, 1, Infinity, 1], [2, 4]), labels2(mk, 0, 1)),
  },
  {
    id: 'partial-fc-label-out-of-range',
    api: 'PartialFC',
    misuse: 'label 3 with 3 classes',
    argument: 'labels',
    expected: /\[0, 3\)/,
    received: /3 at index 1/,
    run: (mk) => mk.head(pfc).apply([x24(mk), labels2(mk, 0, 3)]),
    asyncRun: (mk) => mk.head(pfc).validateInputs(x24(mk), labels2(mk, 0, 3)),
  },
  {
    id: 'partial-fc-center-store',
    api: 'PartialFC',
    misuse: "centerStore 'gpu' (not a store)",
    argument: 'centerStore',
    expected: /one of 'auto', 'host', 'tensorflow', 'tensor'/,
    received: /gpu/,
    run: () => layers.partialFC({ numClasses: 10, centerStore: 'gpu' as never }),
  },
  {
    id: 'partial-fc-read-centers-range',
    api: 'PartialFC.readCenters',
    misuse: 'rows 3 to 7 of a 5-class table',
    argument: 'count',
    expected: /at most numClasses − start = 2/,
    received: /5/,
    run: async (mk) => {
      const head = mk.layer(layers.partialFC({ numClasses: 5 }));
      tf.dispose(head.apply(mk.zeros([2, 4])) as tf.Tensor);
      return head.readCenters(3, 5);
    },
  },
  {
    id: 'partial-fc-write-centers-rows',
    api: 'PartialFC.writeCenters',
    misuse: '6 floats for rows of width 4',
    argument: 'rows',
    expected: /a Float32Array of whole rows of 4/,
    received: /Float32Array|6/,
    run: (mk) => {
      const head = mk.layer(layers.partialFC({ numClasses: 5 }));
      tf.dispose(head.apply(mk.zeros([2, 4])) as tf.Tensor);
      head.writeCenters(0, new Float32Array(6));
    },
  },
  {
    id: 'partial-fc-centers-unbuilt',
    api: 'PartialFC.readCenters',
    misuse: 'reading the centers of a layer never applied',
    argument: 'this',
    expected: /a built layer/,
    received: /unbuilt/,
    run: (mk) => mk.layer(layers.partialFC({ numClasses: 5 })).readCenters(0, 1),
  },
  {
    id: 'head-unbuilt-kernel',
    api: 'MarginSoftmaxHead.call',
    misuse: 'calling a head whose kernel was never built',
    argument: 'kernel',
    expected: /built before the layer is called/,
    received: /an unbuilt layer/,
    run: (mk) => mk.layer(arc()).call([mk.zeros([2, 4]), mk.zeros([2])], {}),
  },
  {
    id: 'head-label-out-of-range',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'label 3 with 3 classes',
    argument: 'labels',
    expected: /\[0, 3\)/,
    received: /3 at index 1/,
    run: (mk) => mk.head(arc).apply([x24(mk), labels2(mk, 0, 3)]),
    asyncRun: (mk) => mk.head(arc).validateInputs(x24(mk), labels2(mk, 0, 3)),
  },
  {
    id: 'head-label-negative',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'label −1',
    argument: 'labels',
    expected: /\[0, 3\)/,
    received: /-1 at index 1/,
    run: (mk) => mk.head(arc).apply([x24(mk), labels2(mk, 0, -1)]),
    asyncRun: (mk) => mk.head(arc).validateInputs(x24(mk), labels2(mk, 0, -1)),
  },
  {
    id: 'head-label-fractional',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'a fractional float label 0.5',
    argument: 'labels',
    expected: /integer/,
    received: /0\.5 at index 1/,
    run: (mk) => mk.head(arc).apply([x24(mk), labels2(mk, 0, 0.5, 'float32')]),
    asyncRun: (mk) => mk.head(arc).validateInputs(x24(mk), labels2(mk, 0, 0.5, 'float32')),
  },
  {
    id: 'head-label-count',
    api: 'MarginSoftmaxHead.apply',
    misuse: '3 labels for 2 embeddings',
    argument: 'labels',
    expected: /\[2\] or \[2, 1\]/,
    received: /shape \[3\]/,
    run: (mk) => mk.head(arc).apply([x24(mk), mk.t([0, 1, 2], [3], 'int32')]),
  },
  {
    id: 'head-label-shape',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'labels of shape [2, 2] (one-hot instead of indices)',
    argument: 'labels',
    expected: /\[2\] or \[2, 1\]/,
    received: /shape \[2, 2\]/,
    run: (mk) => mk.head(arc).apply([x24(mk), mk.t([0, 1, 1, 0], [2, 2])]),
  },
  {
    id: 'head-embeddings-rank',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'rank-3 embeddings',
    argument: 'embeddings',
    expected: /rank-2/,
    received: /shape \[2, 4, 1\]/,
    run: (mk) => mk.head(arc).apply([mk.zeros([2, 4, 1]), labels2(mk, 0, 1)]),
  },
  {
    id: 'head-embeddings-dimension',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'embeddings of a different D than the head was built with',
    argument: 'embeddings',
    expected: /\[N, 4\]/,
    received: /shape \[2, 5\]/,
    run: (mk) => mk.head(arc).apply([mk.zeros([2, 5]), labels2(mk, 0, 1)]),
  },
  {
    id: 'head-embeddings-nan',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'a NaN in the embeddings',
    argument: 'embeddings',
    expected: /finite/,
    received: /NaN/,
    run: (mk) => mk.head(arc).apply([mk.t([0, Number.NaN, 0, 0, 1, 1, 1, 1], [2, 4]), labels2(mk, 0, 1)]),
    asyncRun: (mk) => mk.head(arc).validateInputs(mk.t([0, Number.NaN, 0, 0, 1, 1, 1, 1], [2, 4]), labels2(mk, 0, 1)),
  },
  {
    id: 'head-embeddings-infinite',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'an Infinity in the embeddings',
    argument: 'embeddings',
    expected: /finite/,
    // Half-float WebGL textures read an Infinity back as NaN; the position is what matters.
    received: /(Infinity|NaN) at \[1, 2\]/,
    run: (mk) => mk.head(arc).apply([mk.t([0, 0, 0, 0, 1, 1, Infinity, 1], [2, 4]), labels2(mk, 0, 1)]),
    asyncRun: (mk) => mk.head(arc).validateInputs(mk.t([0, 0, 0, 0, 1, 1, Infinity, 1], [2, 4]), labels2(mk, 0, 1)),
  },
  {
    id: 'head-empty-batch',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'an empty batch',
    argument: 'embeddings',
    expected: /non-empty batch/,
    received: /shape \[0, 4\]/,
    run: (mk) => mk.head(arc).apply([mk.zeros([0, 4]), mk.zeros([0], 'int32')]),
  },
  {
    id: 'head-bool-embeddings',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'bool embeddings',
    argument: 'embeddings',
    expected: /float32/,
    received: /a bool tensor/,
    run: (mk) => mk.head(arc).apply([mk.t([1, 0, 1, 0, 1, 0, 1, 0], [2, 4], 'bool'), labels2(mk, 0, 1)]),
  },
  {
    id: 'head-three-inputs',
    api: 'MarginSoftmaxHead.apply',
    misuse: 'three inputs instead of [embeddings, labels]',
    argument: 'inputs',
    expected: /\[embeddings, labels\]/,
    received: /3 tensors/,
    run: (mk) => mk.head(arc).apply([x24(mk), labels2(mk, 0, 1), labels2(mk, 0, 1)]),
  },
  {
    id: 'embedding-model-unknown-head',
    api: 'layers.embeddingModel',
    misuse: 'a headName that is not in the model',
    argument: 'headName',
    expected: /the name of a layer of the model/,
    received: /"nope"/,
    run: () => {
      const input = tf.input({ shape: [4] });
      const model = tf.model({
        inputs: input,
        outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor,
      });
      try {
        return layers.embeddingModel(model, { headName: 'nope' });
      } finally {
        model.dispose();
      }
    },
  },
  // loading saved models
  {
    id: 'load-unknown-config-key',
    api: 'tf.loadLayersModel',
    misuse: 'a model.json whose layer config has a key this version does not know',
    argument: 'legacyOption',
    expected: /known keys are \{units/,
    received: /unknown key 'legacyOption'/,
    run: () =>
      loadEdited(
        () => layers.normalizedDense({ units: 3 }),
        false,
        (c) => void (c['legacy_option'] = 1),
      ),
  },
  {
    id: 'load-bad-config-value',
    api: 'tf.loadLayersModel',
    misuse: 'a model.json with an invalid value (units −2)',
    argument: 'units',
    expected: /an integer >= 1/,
    received: /received -2/,
    run: () =>
      loadEdited(
        () => layers.normalizedDense({ units: 3 }),
        false,
        (c) => void (c['units'] = -2),
      ),
  },
  {
    id: 'load-missing-config-key',
    api: 'tf.loadLayersModel',
    misuse: 'a model.json whose head config lacks numClasses',
    argument: 'numClasses',
    expected: /an integer >= 1/,
    received: /received undefined/,
    run: () => loadEdited(arc, true, (c) => void delete c['num_classes']),
  },
  {
    id: 'load-newer-format',
    api: 'tf.loadLayersModel',
    misuse: 'a model.json saved by a newer tfjs-margin (config format 2)',
    argument: 'tfjsMarginFormat',
    expected: /an integer in \[1, 1\].*newer tfjs-margin/,
    received: /received 2\b/,
    run: () => loadEdited(arc, true, (c) => void (c['tfjs_margin_format'] = 2)),
  },
  // metric losses and miners
  {
    id: 'triplet-labels-length',
    api: 'losses.tripletMarginLoss',
    misuse: '3 labels for 4 embeddings',
    argument: 'labels',
    expected: /\[4\] or \[4, 1\]/,
    received: /shape \[3\]/,
    run: (mk) => losses.tripletMarginLoss()(mk.t([0, 0, 1], [3], 'int32'), mk.t(grid(4, 3), [4, 3])),
  },
  {
    id: 'triplet-fractional-label',
    api: 'losses.tripletMarginLoss',
    misuse: 'a fractional label (1.5)',
    argument: 'labels',
    expected: /integers in \[0, 16777216\)/,
    received: /1\.5 at index 2/,
    run: (mk) => losses.tripletMarginLoss()(mk.t([0, 0, 1.5, 1], [4]), mk.t(grid(4, 3), [4, 3])),
    asyncRun: (mk) =>
      losses.validateMetricInputs(mk.t([0, 0, 1.5, 1], [4]), mk.t(grid(4, 3), [4, 3]), 'losses.tripletMarginLoss'),
  },
  {
    id: 'supcon-nan-embedding',
    api: 'losses.supervisedContrastiveLoss',
    misuse: 'a NaN embedding',
    argument: 'embeddings',
    expected: /finite values/,
    received: /NaN at \[1, 2\]/,
    run: (mk) =>
      losses.supervisedContrastiveLoss()(mk.t([0, 0, 1, 1], [4], 'int32'), mk.t(withNaN(grid(4, 3), 5), [4, 3])),
    asyncRun: (mk) =>
      losses.validateMetricInputs(
        mk.t([0, 0, 1, 1], [4], 'int32'),
        mk.t(withNaN(grid(4, 3), 5), [4, 3]),
        'losses.supervisedContrastiveLoss',
      ),
  },
  {
    id: 'contrastive-zero-embedding',
    api: 'losses.contrastiveLoss',
    misuse: 'a zero embedding (no direction to normalize)',
    argument: 'embeddings',
    expected: /nonzero norm/,
    received: /zero vector at row 2/,
    run: (mk) => losses.contrastiveLoss()(mk.t([0, 0, 1, 1], [4], 'int32'), mk.t(zeroRow(grid(4, 3), 2, 3), [4, 3])),
    asyncRun: (mk) =>
      losses.validateMetricInputs(
        mk.t([0, 0, 1, 1], [4], 'int32'),
        mk.t(zeroRow(grid(4, 3), 2, 3), [4, 3]),
        'losses.contrastiveLoss',
      ),
  },
  {
    id: 'triplet-negative-margin',
    api: 'losses.tripletMarginLoss',
    misuse: 'a negative margin',
    argument: 'margin',
    expected: /a number in \[0, 4\]/,
    received: /-0\.1/,
    run: () => losses.tripletMarginLoss({ margin: -0.1 }),
  },
  {
    id: 'triplet-unknown-mining',
    api: 'losses.tripletMarginLoss',
    misuse: "mining 'hardest' (not a strategy)",
    argument: 'mining',
    expected: /'all', 'batchHard' or 'semiHard'/,
    received: /"hardest"/,
    run: () => losses.tripletMarginLoss({ mining: 'hardest' as never }),
  },
  {
    id: 'triplet-miner-margin-without-semihard',
    api: 'losses.tripletMarginLoss',
    misuse: "minerMargin with mining 'all' (it would be ignored)",
    argument: 'minerMargin',
    expected: /only with mining: 'semiHard'/,
    received: /0\.3/,
    run: () => losses.tripletMarginLoss({ minerMargin: 0.3 }),
  },
  {
    id: 'triplet-block-elements-fraction',
    api: 'losses.tripletMarginLoss',
    misuse: 'a block budget of 2.5 elements',
    argument: 'blockElements',
    expected: /a positive integer/,
    received: /2\.5/,
    run: () => losses.tripletMarginLoss({ blockElements: 2.5 }),
  },
  {
    id: 'triplet-block-elements-batch-hard',
    api: 'losses.tripletMarginLoss',
    misuse: "blockElements with mining 'batchHard' (it has no blocks)",
    argument: 'blockElements',
    expected: /only with mining 'all' or 'semiHard'/,
    received: /1024/,
    run: () => losses.tripletMarginLoss({ mining: 'batchHard', blockElements: 1024 }),
  },
  {
    id: 'triplet-batch-too-large',
    api: 'losses.tripletMarginLoss',
    misuse: 'a batch of 4097 (its pair matrices grow as N²)',
    argument: 'embeddings',
    expected: /at most 4096/,
    received: /shape \[4097, 1\]/,
    run: (mk) =>
      losses.tripletMarginLoss()(
        mk.t(new Array(4097).fill(0), [4097], 'int32'),
        mk.t(new Array(4097).fill(1), [4097, 1]),
      ),
  },
  {
    id: 'nt-xent-zero-temperature',
    api: 'losses.ntXentLoss',
    misuse: 'temperature 0',
    argument: 'temperature',
    expected: /> 0/,
    received: /received 0\b/,
    run: () => losses.ntXentLoss({ temperature: 0 }),
  },
  {
    id: 'supcon-tiny-temperature',
    api: 'losses.supervisedContrastiveLoss',
    misuse: 'temperature 1e-9 (s / T leaves float32)',
    argument: 'temperature',
    expected: />= 1e-4/,
    received: /1e-9/,
    run: () => losses.supervisedContrastiveLoss({ temperature: 1e-9 }),
  },
  {
    id: 'multi-similarity-nan-alpha',
    api: 'losses.multiSimilarityLoss',
    misuse: 'alpha NaN',
    argument: 'alpha',
    expected: /a finite number > 0/,
    received: /NaN/,
    run: () => losses.multiSimilarityLoss({ alpha: NaN }),
  },
  {
    id: 'contrastive-cosine-margin-out-of-range',
    api: 'losses.contrastiveLoss',
    misuse: 'a cosine negMargin of 1.5',
    argument: 'negMargin',
    expected: /\[-1, 1\] \(cosines\)/,
    received: /1\.5/,
    run: () => losses.contrastiveLoss({ distance: 'cosine', negMargin: 1.5 }),
  },
  {
    id: 'metric-loss-rank-1-embeddings',
    api: 'losses.ntXentLoss',
    misuse: 'embeddings of rank 1',
    argument: 'embeddings',
    expected: /rank-2 tensor \[N, D\]/,
    received: /shape \[4\]/,
    run: (mk) => losses.ntXentLoss()(mk.t([0, 0, 1, 1], [4], 'int32'), mk.t([1, 2, 3, 4], [4])),
  },
  {
    id: 'miner-unknown-distance',
    api: 'miners.batchHard',
    misuse: "distance 'manhattan'",
    argument: 'distance',
    expected: /'euclidean' or 'cosine'/,
    received: /"manhattan"/,
    run: (mk) =>
      miners.batchHard(mk.t(grid(4, 3), [4, 3]), mk.t([0, 0, 1, 1], [4], 'int32'), { distance: 'manhattan' as never }),
  },
  {
    id: 'proxy-anchor-margin-out-of-range',
    api: 'layers.proxyAnchor',
    misuse: 'margin 2',
    argument: 'margin',
    expected: /\[0, 1\]/,
    received: /received 2\b/,
    run: () => layers.proxyAnchor({ numClasses: 3, margin: 2 }),
  },
  {
    id: 'soft-triple-zero-centers',
    api: 'layers.softTriple',
    misuse: 'centersPerClass 0',
    argument: 'centersPerClass',
    expected: /an integer in \[1, 64\]/,
    received: /received 0\b/,
    run: () => layers.softTriple({ numClasses: 3, centersPerClass: 0 }),
  },
  {
    id: 'proxy-anchor-fractional-classes',
    api: 'layers.proxyAnchor',
    misuse: 'numClasses 2.5',
    argument: 'numClasses',
    expected: /an integer >= 1/,
    received: /2\.5/,
    run: () => layers.proxyAnchor({ numClasses: 2.5 }),
  },
];

function marginOptions(): ops.MarginLogitsOptions {
  return {
    margin: ops.margins.additiveAngularMargin(0.5),
    scale: 8,
    normalizeInputs: true,
    normalizeWeights: true,
    subCenters: 1,
    gradient: 'exact',
  };
}

/**
 * Runs one case and returns the error message; throws when nothing was thrown or the error is not a
 * `MarginArgumentError`. With `useAsync`, runs the asynchronous validator instead of `run`.
 */
export async function misuseMessage(c: MisuseCase, useAsync: boolean): Promise<string> {
  const mk = new Maker();
  try {
    const fn = useAsync && c.asyncRun !== undefined ? c.asyncRun : c.run;
    try {
      await fn(mk);
    } catch (err) {
      const name = err instanceof Error ? err.name : typeof err;
      const message = err instanceof Error ? err.message : String(err);
      if (name !== 'MarginArgumentError')
        throw new Error(`${c.id}: threw ${name}, not MarginArgumentError: ${message}`);
      return message;
    }
    throw new Error(`${c.id}: nothing was thrown`);
  } finally {
    mk.dispose();
  }
}

/** `rows × cols` distinct nonzero values. */
function grid(rows: number, cols: number): number[] {
  return Array.from({ length: rows * cols }, (_, i) => ((i * 7) % 11) - 5 + 0.5);
}

/** `values` with a NaN at flat index `at`. */
function withNaN(values: number[], at: number): number[] {
  return values.map((v, i) => (i === at ? NaN : v));
}

/** `values` (rows of `cols`) with row `row` zeroed. */
function zeroRow(values: number[], row: number, cols: number): number[] {
  return values.map((v, i) => (Math.floor(i / cols) === row ? 0 : v));
}
