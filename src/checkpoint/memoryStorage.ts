import type { CheckpointStorage } from './storage';

/**
 * Checkpoints in this process's memory: lost with it, so no protection against a crash, but a way to
 * roll a run back (e.g. after a diverging step) and a storage for tests. Entries are copied in and
 * out, so a caller cannot change a published checkpoint.
 *
 * @example
 * ```ts
 * const saver = callbacks.checkpoint({ storage: checkpoint.memoryStorage(), everySteps: 10 });
 * ```
 */
export function memoryStorage(): CheckpointStorage & {
  /** The stored bytes of each checkpoint (for tests that damage them on purpose). */
  readonly checkpoints: Map<string, { manifest: Uint8Array; entries: Uint8Array[] }>;
} {
  const checkpoints = new Map<string, { manifest: Uint8Array; entries: Uint8Array[] }>();
  return {
    location: 'memory',
    checkpoints,
    async list() {
      return [...checkpoints.keys()];
    },
    async write(name, entries, manifest) {
      const copies: Uint8Array[] = [];
      for await (const entry of entries) copies.push(entry.slice());
      checkpoints.set(name, { manifest: manifest().slice(), entries: copies });
    },
    async readManifest(name) {
      const found = checkpoints.get(name);
      if (found === undefined) throw new Error(`no checkpoint ${name}`);
      return found.manifest.slice();
    },
    async readEntry(name, index) {
      const entry = checkpoints.get(name)?.entries[index];
      if (entry === undefined) throw new Error(`entry ${index} is missing`);
      return entry.slice();
    },
    async remove(name) {
      checkpoints.delete(name);
    },
  };
}
