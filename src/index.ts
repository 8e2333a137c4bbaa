/**
 * tfjs-margin: margin-based softmax heads and losses for TensorFlow.js.
 *
 * Namespaces: {@link ops} (pure tensor functions), {@link losses} (compile-ready losses),
 * {@link layers} (serializable tfjs layers), {@link metrics} (verification and retrieval evaluation),
 * {@link callbacks} (schedules, margin warm-up, progress, verification during `fit`), {@link data} (samplers), {@link miners} (pair and triplet mining for the metric losses), {@link gallery} (enrol, search and match identities), {@link fastPath} (TensorFlow's fused kernels for the whole training step on tfjs-node), {@link checkpoint} (storages and state for checkpoints and resume).
 * @packageDocumentation
 */
export * as ops from './ops/index';
export * as losses from './losses/index';
export * as layers from './layers/index';
export * as metrics from './metrics/index';
export * as callbacks from './callbacks/index';
export * as data from './data/index';
export * as miners from './miners/index';
export * as gallery from './gallery/index';
export * as fastPath from './fastPath/index';
export * as checkpoint from './checkpoint/index';
export { MarginArgumentError } from './internal/errors';
export { version } from './version';
