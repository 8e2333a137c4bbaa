/**
 * `model.fit` callbacks for margin training: learning-rate schedules (tfjs has none), margin
 * warm-up, a progress logger for Node, open-set verification between epochs, and checkpoints with
 * an exact resume.
 *
 * @module
 */
export {
  LearningRateScheduler,
  learningRateScheduler,
  polynomialDecay,
  cosineDecay,
  stepDecay,
  setLearningRate,
  type LearningRateSchedule,
  type LearningRateSchedulerArgs,
  type WarmupScheduleArgs,
} from './learningRateScheduler';
export { Checkpoint, checkpoint, type CheckpointArgs, type ResumePoint } from './checkpoint';
export { MarginWarmup, marginWarmup, type MarginWarmupArgs } from './marginWarmup';
export { ProgressLogger, progressLogger, type ProgressLoggerArgs, type ProgressStream } from './progressLogger';
export { VerificationCallback, verificationCallback, type VerificationCallbackArgs } from './verificationCallback';
