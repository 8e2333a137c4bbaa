/**
 * Miners: which pairs or triplets of a batch a metric loss trains on. Each is a pure function of the
 * embeddings and labels, on the backend; the losses (`losses.tripletMarginLoss({mining})`,
 * `losses.multiSimilarityLoss({mining})`) run the same rules internally.
 *
 * @module
 */
export { batchHard, type BatchHardTriplets } from './batchHard';
export { semiHard, type SemiHardOptions } from './semiHard';
export { multiSimilarity, type MultiSimilarityMinerOptions, type MinedPairs } from './multiSimilarity';
export { pairIndices, tripletIndices, type PairIndices, type TripletIndices } from './indices';
export type { MinerOptions } from './minerInput';
