/**
 * Checkpoints that survive a crash, and an exact resume: the storages and the state protocol behind
 * {@link callbacks.checkpoint}.
 *
 * @module
 */
export type { CheckpointStorage } from './storage';
export { fileStorage } from './fileStorage';
export { indexedDBStorage } from './indexedDBStorage';
export { memoryStorage } from './memoryStorage';
export { CheckpointError, type TrainingPosition } from './snapshot';
export { hasTrainingState, type JsonValue, type TrainingState } from './trainingState';
