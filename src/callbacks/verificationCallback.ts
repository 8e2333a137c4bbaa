import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { JsonValue } from '../checkpoint/trainingState';
import { MarginArgumentError, receivedText } from '../internal/errors';
import { integerAtLeast, knownKeys } from '../internal/validate';
import { embeddingModel } from '../layers/embeddingModel';
import type { PairFlags } from '../metrics/input';
import { verification, type VerificationOptions, type VerificationResult } from '../metrics/verification';

/** Arguments of {@link VerificationCallback}. */
export interface VerificationCallbackArgs extends VerificationOptions {
  /** Held-out pairs: inputs of the embedding model (e.g. images) for both sides, and whether each pair is the same identity. */
  pairs: { a: tf.Tensor; b: tf.Tensor; isSame: PairFlags };
  /** Maps inputs to embeddings. Default: `layers.embeddingModel(model)` of the model being fit. */
  embeddingModel?: tfl.LayersModel;
  /** Evaluate after every this many epochs (and after the last). Default `1`. */
  everyEpochs?: number;
  /** Batch size of the embedding pass. Default `256`. */
  batchSize?: number;
  /** Called with each result. */
  onResult?: (epoch: number, result: VerificationResult) => void | Promise<void>;
}

/**
 * Open-set verification during training: every `everyEpochs` epochs, embeds held-out pairs and runs
 * {@link verification} (the LFW protocol) on them, adding `verificationAccuracy`, `verificationTar`
 * (VAL at the target FAR) and `verificationAuc` to the epoch's logs — and so to `history` and any
 * logger after it. Reads embeddings asynchronously; costs one forward pass over the pairs.
 */
export class VerificationCallback extends tfl.Callback {
  readonly results: { epoch: number; result: VerificationResult }[] = [];
  private readonly args: VerificationCallbackArgs;
  private readonly every: number;
  private readonly batchSize: number;
  private readonly options: VerificationOptions;

  constructor(args: VerificationCallbackArgs) {
    super();
    const where = 'callbacks.verificationCallback';
    knownKeys(where, 'args', args, [
      'pairs',
      'embeddingModel',
      'everyEpochs',
      'batchSize',
      'onResult',
      'folds',
      'distance',
      'normalize',
      'far',
    ]);
    const pairs = args?.pairs;
    if (
      pairs === undefined ||
      typeof pairs !== 'object' ||
      pairs.a?.shape === undefined ||
      pairs.b?.shape === undefined
    ) {
      throw new MarginArgumentError(where, 'pairs', '{a, b, isSame} with a and b tensors of model inputs', pairs);
    }
    if (pairs.a.shape[0] !== pairs.b.shape[0] || pairs.isSame?.length !== pairs.a.shape[0]) {
      throw new MarginArgumentError(
        where,
        'pairs',
        'as many rows in a and b as entries in isSame',
        receivedText(`a [${pairs.a.shape.join(', ')}], b [${pairs.b.shape.join(', ')}], ${pairs.isSame?.length} flags`),
      );
    }
    this.args = args;
    this.every = integerAtLeast(where, 'everyEpochs', args.everyEpochs ?? 1, 1);
    this.batchSize = integerAtLeast(where, 'batchSize', args.batchSize ?? 256, 1);
    this.options = {
      ...(args.folds === undefined ? {} : { folds: args.folds }),
      ...(args.distance === undefined ? {} : { distance: args.distance }),
      ...(args.normalize === undefined ? {} : { normalize: args.normalize }),
      ...(args.far === undefined ? {} : { far: args.far }),
    };
  }

  /** `{ results }`: the evaluations so far, for a checkpoint (see `callbacks.checkpoint`). */
  getTrainingState(): JsonValue {
    return { results: JSON.parse(JSON.stringify(this.results)) as JsonValue };
  }

  /** Restores the evaluations read by {@link getTrainingState}. */
  setTrainingState(state: JsonValue): void {
    const results = typeof state === 'object' && state !== null && !Array.isArray(state) ? state['results'] : undefined;
    if (!Array.isArray(results)) {
      throw new MarginArgumentError(
        'VerificationCallback.setTrainingState',
        'state',
        'an object with a results array',
        state,
      );
    }
    this.results.length = 0;
    this.results.push(...(JSON.parse(JSON.stringify(results)) as { epoch: number; result: VerificationResult }[]));
  }

  /** Runs the evaluation now, with the model's current weights. */
  async evaluate(): Promise<VerificationResult> {
    const embedder = this.args.embeddingModel ?? embeddingModel(this.model);
    const embed = async (x: tf.Tensor): Promise<number[][]> => {
      const e = embedder.predict(x, { batchSize: this.batchSize }) as tf.Tensor;
      try {
        return (await e.array()) as number[][];
      } finally {
        e.dispose();
      }
    };
    const [a, b] = [await embed(this.args.pairs.a), await embed(this.args.pairs.b)];
    return verification(a, b, this.args.pairs.isSame, this.options);
  }

  /** Called by tfjs at the end of each epoch. */
  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const last = epoch + 1 === Number(this.params['epochs']);
    if ((epoch + 1) % this.every !== 0 && !last) return;
    const result = await this.evaluate();
    this.results.push({ epoch, result });
    if (logs !== undefined) {
      logs['verificationAccuracy'] = result.accuracy.mean;
      logs['verificationTar'] = result.val.mean;
      logs['verificationAuc'] = result.auc;
    }
    await this.args.onResult?.(epoch, result);
  }
}

/** Creates a {@link VerificationCallback}.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.arcFace({ numClasses: 3, scale: 16, margin: 0.3 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const pairs = { a: tf.randomNormal([4, 8]), b: tf.randomNormal([4, 8]), isSame: [1, 0, 1, 0] };
 * const verify = callbacks.verificationCallback({ pairs, folds: 2 }); // adds verificationAccuracy etc. to the logs
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0, callbacks: [verify] });
 * ```
 */
export function verificationCallback(args: VerificationCallbackArgs): VerificationCallback {
  return new VerificationCallback(args);
}
