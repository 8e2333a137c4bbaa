/**
 * The training step's hot kernels in TensorFlow's fused ops, on tfjs-node: an explicit opt-in that
 * speeds up ordinary `tf.layers` models and tfjs optimizers without changing their numbers or their
 * saved format.
 *
 * What {@link enable} replaces, on the `tensorflow` backend only (elsewhere each falls back to the
 * stock code at run time):
 * - `tf.layers.batchNormalization` (last axis, float32, rank 2–4), in training and inference:
 *   `FusedBatchNormV3` forward and `FusedBatchNormGradV3` for x, γ and β (Ioffe & Szegedy 2015,
 *   `y = γ·(x − μ)/√(σ² + ε) + β`); the moving statistics are updated as tfjs-layers does,
 *   `m ← m − (m − μ_B)·(1 − momentum)`, with the batch's biased variance.
 * - the gradients of `Relu` (`ReluGrad`) and `LeakyRelu` (`LeakyReluGrad`);
 * - `tf.train.adam` and `tf.train.momentum` updates: one `ResourceApplyAdam` /
 *   `ResourceApplyMomentum` per variable (Kingma & Ba 2015; Polyak 1964, Sutskever et al. 2013),
 *   with the variable and its slots kept as tfjs variables as before (`getWeights`, saving and
 *   checkpoints see the same state).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-node';
 * import { fastPath } from 'tfjs-margin';
 * const status = fastPath.enable(); // { enabled: true, active: true, replaced: [...] }
 * await model.fit(xs, ys, { epochs: 10 });
 * fastPath.disable(); // the stock kernels and gradients again
 * ```
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { eagerBackend } from '../internal/eagerBackend';
import { FUSED_ACTIVATION_GRADS, fusedActivationGrad } from './activationGrads';
import { batchNormPrototype, fusedBatchNormLayerCall } from './batchNorm';
import { disposeMirrors, fusedAdamApply, fusedMomentumApply, type NamedGradients } from './optimizers';

/** What the fast path does now; returned by {@link enable}, {@link disable} and {@link status}. */
export interface FastPathStatus {
  /** Whether {@link enable} is in effect (its replacements are installed). */
  enabled: boolean;
  /** The active backend's name. */
  backend: string;
  /** Whether the fused kernels run on the active backend (enabled, and it is tfjs-node's `tensorflow`). */
  active: boolean;
  /** What is replaced, e.g. `'BatchNormalization (training and inference)'`; empty when not enabled. */
  replaced: string[];
  /** Why nothing is replaced, when nothing is. */
  reason?: string;
}

interface Patch {
  name: string;
  undo: () => void;
}

let patches: Patch[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- prototype methods of any signature
type Method = (this: any, ...args: any[]) => any;

interface Patchable {
  [key: string]: unknown;
}

function patchMethod(target: object, key: string, name: string, make: (stock: Method) => Method): Patch {
  const host = target as Patchable;
  const own = Object.prototype.hasOwnProperty.call(host, key);
  const stock = host[key] as Method;
  host[key] = make(stock);
  return {
    name,
    undo: () => {
      if (own) host[key] = stock;
      else delete host[key];
    },
  };
}

function optimizerPatches(cls: object, name: string, apply: (o: tf.Optimizer, g: NamedGradients) => boolean): Patch[] {
  const proto = (cls as { prototype: object }).prototype;
  return [
    patchMethod(
      proto,
      'applyGradients',
      name,
      (stock) =>
        function (this: tf.Optimizer, gradients: NamedGradients) {
          if (!apply(this, gradients)) stock.call(this, gradients);
        },
    ),
    patchMethod(
      proto,
      'dispose',
      `${name}: dispose`,
      (stock) =>
        function (this: tf.Optimizer) {
          disposeMirrors(this);
          stock.call(this);
        },
    ),
  ];
}

function install(): Patch[] {
  const installed: Patch[] = [];
  const proto = batchNormPrototype() as unknown as object;
  installed.push(
    patchMethod(
      proto,
      'call',
      'BatchNormalization (training and inference): FusedBatchNormV3 / FusedBatchNormGradV3',
      (stock) => fusedBatchNormLayerCall(stock as Parameters<typeof fusedBatchNormLayerCall>[0]),
    ),
  );
  for (const { kernel, fused } of FUSED_ACTIVATION_GRADS) {
    const stock = tf.getGradient(kernel);
    if (stock === undefined) continue;
    tf.registerGradient(fusedActivationGrad(kernel, fused, stock));
    installed.push({ name: `gradient of ${kernel}: ${fused}`, undo: () => tf.registerGradient(stock) });
  }
  installed.push(...optimizerPatches(tf.AdamOptimizer, 'Adam update: ResourceApplyAdam', fusedAdamApply));
  installed.push(
    ...optimizerPatches(tf.MomentumOptimizer, 'momentum update: ResourceApplyMomentum', fusedMomentumApply),
  );
  return installed;
}

/**
 * What the fast path does now: enabled or not, on which backend, and what it replaces.
 *
 * @example
 * ```ts
 * const { enabled, active, replaced, reason } = fastPath.status();
 * console.log(enabled, active, replaced.length, reason); // false false 0 'not enabled' until enable()
 * ```
 */
export function status(): FastPathStatus {
  const backend = tf.getBackend();
  const enabled = patches.length > 0;
  const result: FastPathStatus = {
    enabled,
    backend,
    active: enabled && eagerBackend() !== null,
    replaced: patches.filter((p) => !p.name.endsWith(': dispose')).map((p) => p.name),
  };
  if (!enabled) result.reason = 'not enabled';
  else if (!result.active)
    result.reason = `the active backend '${backend}' is not tfjs-node's 'tensorflow': the stock kernels run`;
  return result;
}

/**
 * Turns the fast path on: on tfjs-node's `tensorflow` backend, batch normalization, the ReLU
 * family's gradients and the Adam and momentum updates run as TensorFlow's fused ops (see the
 * namespace's summary). Idempotent. On any other backend it installs nothing and returns a status
 * whose `reason` says so.
 * @returns the status after the call; `replaced` lists what is now replaced.
 *
 * @example
 * ```ts
 * const status = fastPath.enable(); // with '@tensorflow/tfjs-node' imported: active, 5 replacements
 * if (!status.active) console.log(status.reason); // elsewhere: why nothing was replaced
 * fastPath.disable();
 * ```
 */
export function enable(): FastPathStatus {
  if (patches.length > 0) return status();
  if (eagerBackend() === null) {
    const result = status();
    result.reason = `the fast path needs tfjs-node's 'tensorflow' backend (with TensorFlow eager ops); the active backend is '${tf.getBackend()}': nothing replaced`;
    return result;
  }
  patches = install();
  return status();
}

/**
 * Turns the fast path off: restores tfjs-layers' `BatchNormalization.call`, the stock gradients and
 * the optimizers' own updates exactly. Idempotent.
 * @returns the status after the call.
 *
 * @example
 * ```ts
 * fastPath.enable();
 * const after = fastPath.disable();
 * console.log(after.enabled, after.replaced); // false []
 * ```
 */
export function disable(): FastPathStatus {
  for (const patch of patches.reverse()) patch.undo();
  patches = [];
  // The resource copies are caches of state the tfjs variables hold: nothing is lost.
  disposeMirrors();
  return status();
}
