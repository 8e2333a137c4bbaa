/**
 * Where checkpoints live. A checkpoint is a manifest (JSON) and numbered binary entries (tensors,
 * row ranges of Partial FC's centers). A storage publishes a checkpoint atomically: until `write`
 * resolves, readers see the previous checkpoints only, and a crash in the middle of a write leaves
 * them intact. {@link checkpoint.fileStorage} (Node: a folder, one rename) and
 * {@link checkpoint.indexedDBStorage} (browsers: one transaction) implement it; any other (a cloud
 * bucket, a test double) can.
 */
export interface CheckpointStorage {
  /** Where the checkpoints are, for messages (a folder, a database name). */
  readonly location: string;
  /** The names of the published checkpoints, in no particular order. */
  list(): Promise<string[]>;
  /**
   * Writes checkpoint `name`: every entry of `entries`, in order (entry `i` is the `i`-th chunk), then
   * the manifest that `manifest()` returns once they are consumed; publishes it in one atomic step.
   */
  write(name: string, entries: AsyncIterable<Uint8Array>, manifest: () => Uint8Array): Promise<void>;
  /** The manifest of checkpoint `name`. */
  readManifest(name: string): Promise<Uint8Array>;
  /** Entry `index` of checkpoint `name` (a missing entry rejects). */
  readEntry(name: string, index: number): Promise<Uint8Array>;
  /** Deletes checkpoint `name` (nothing when it is absent). */
  remove(name: string): Promise<void>;
}
