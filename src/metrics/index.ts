/**
 * Evaluation of embeddings, in plain TypeScript over arrays (get rows with `await tensor.array()`):
 * face-verification accuracy by the LFW protocol, ROC/AUC/EER and TAR@FAR, retrieval precision and
 * MAP@R, one-shot nearest-neighbour classification, and the angular statistics the margin papers report.
 *
 * @module
 */
export { roc, tarAtFar, type RocCurve, type TarAtFar } from './roc';
export { verification, type VerificationOptions, type VerificationResult } from './verification';
export { retrieval, type RetrievalOptions, type RetrievalResult } from './retrieval';
export { oneShot, type OneShotOptions, type OneShotResult } from './oneShot';
export { angularStats, type AngularStats } from './angularStats';
export type { EmbeddingRows, PairFlags } from './input';
