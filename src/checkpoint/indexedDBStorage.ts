import { MarginArgumentError } from '../internal/errors';
import type { CheckpointStorage } from './storage';

const MANIFESTS = 'manifests';
const ENTRIES = 'entries';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Copies into a buffer of its own: IndexedDB clones the whole underlying buffer of a view. */
function own(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * Checkpoints in the browser's IndexedDB, database `database`: a manifest per checkpoint and its
 * entries keyed `[name, index]`. A checkpoint's entries are gathered first, then written with its
 * manifest in one transaction, so a tab closed or reloaded mid-write leaves the previous
 * checkpoints as they were (IndexedDB commits a transaction whole or not at all).
 *
 * @param database The database name (created when missing).
 *
 * @example
 * ```ts
 * if (typeof indexedDB !== 'undefined') {
 *   // In a browser: survives a reload or a closed tab.
 *   const saver = callbacks.checkpoint({ storage: checkpoint.indexedDBStorage('my-run'), everySteps: 50 });
 * }
 * ```
 */
export function indexedDBStorage(database: string): CheckpointStorage {
  const where = 'checkpoint.indexedDBStorage';
  if (typeof database !== 'string' || database.length === 0) {
    throw new MarginArgumentError(where, 'database', 'a database name', database);
  }
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new MarginArgumentError(where, 'database', 'used where IndexedDB exists (a browser)', database);
  }
  let opened: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    opened ??= new Promise((resolve, reject) => {
      const r = factory.open(database, 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore(MANIFESTS);
        r.result.createObjectStore(ENTRIES);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error(`cannot open IndexedDB ${database}`));
    });
    return opened;
  };
  const range = (name: string): IDBKeyRange => IDBKeyRange.bound([name, 0], [name, Infinity]);
  return {
    location: `indexeddb://${database}`,
    async list() {
      const db = await open();
      const keys = await request(db.transaction(MANIFESTS, 'readonly').objectStore(MANIFESTS).getAllKeys());
      return keys.map(String);
    },
    async write(name, entries, manifest) {
      const chunks: Uint8Array[] = [];
      for await (const entry of entries) chunks.push(own(entry));
      const body = own(manifest());
      const db = await open();
      const tx = db.transaction([MANIFESTS, ENTRIES], 'readwrite');
      const finished = done(tx);
      const entryStore = tx.objectStore(ENTRIES);
      entryStore.delete(range(name));
      chunks.forEach((chunk, i) => entryStore.put(chunk, [name, i]));
      tx.objectStore(MANIFESTS).put(body, name);
      await finished;
    },
    async readManifest(name) {
      const db = await open();
      const value = await request(db.transaction(MANIFESTS, 'readonly').objectStore(MANIFESTS).get(name));
      if (!(value instanceof Uint8Array)) throw new Error(`no manifest for checkpoint ${name}`);
      return value;
    },
    async readEntry(name, index) {
      const db = await open();
      const value = await request(db.transaction(ENTRIES, 'readonly').objectStore(ENTRIES).get([name, index]));
      if (!(value instanceof Uint8Array)) throw new Error(`entry ${index} is missing`);
      return value;
    },
    async remove(name) {
      const db = await open();
      const tx = db.transaction([MANIFESTS, ENTRIES], 'readwrite');
      const finished = done(tx);
      tx.objectStore(MANIFESTS).delete(name);
      tx.objectStore(ENTRIES).delete(range(name));
      await finished;
    },
  };
}
