import { MarginArgumentError } from '../internal/errors';
import type { CheckpointStorage } from './storage';

/** The part of `node:fs` and `node:path` a file storage uses. */
interface NodeFs {
  mkdirSync(path: string, options: { recursive: boolean }): unknown;
  readdirSync(path: string): string[];
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
  readFileSync(path: string): Uint8Array;
  existsSync(path: string): boolean;
}

interface NodePath {
  join(...parts: string[]): string;
  resolve(path: string): string;
}

function nodeModules(where: string): { fs: NodeFs; path: NodePath } {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule !== 'function') {
    throw new MarginArgumentError(
      where,
      'directory',
      'used in Node 20.16 or later (it writes with node:fs); in a browser use checkpoint.indexedDBStorage',
      'no process.getBuiltinModule',
    );
  }
  return { fs: p.getBuiltinModule('node:fs') as NodeFs, path: p.getBuiltinModule('node:path') as NodePath };
}

const PARTIAL = '.partial-';
const MANIFEST = 'manifest.json';

/** One checkpoint folder's name: letters, digits, `-`, `_` and `.`, not starting with `.`. */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
    throw new MarginArgumentError(
      'checkpoint.fileStorage',
      'name',
      'letters, digits, -, _ and . (a folder name)',
      name,
    );
  }
  return name;
}

/**
 * Checkpoints as folders under `directory` (Node 20.16+): `<directory>/<name>/manifest.json` and one
 * file per entry. A checkpoint is written into `.partial-<name>-…`, each file flushed to disk, and
 * published by renaming that folder, so a crash mid-write leaves only a partial folder, which the
 * next write removes.
 *
 * @param directory The folder (created when missing).
 *
 * @example
 * ```ts
 * const storage = checkpoint.fileStorage('runs/arcface/checkpoints');
 * const saver = callbacks.checkpoint({ storage, everyEpochs: 1 });
 * ```
 */
export function fileStorage(directory: string): CheckpointStorage {
  const where = 'checkpoint.fileStorage';
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new MarginArgumentError(where, 'directory', 'a folder path', directory);
  }
  const { fs, path } = nodeModules(where);
  const root = path.resolve(directory);
  const writeFile = (file: string, bytes: Uint8Array): void => {
    const fd = fs.openSync(file, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes.subarray(at));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const syncFolder = (folder: string): void => {
    // Makes a rename durable; some file systems refuse to open folders, which only weakens durability.
    try {
      const fd = fs.openSync(folder, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* best effort */
    }
  };
  return {
    location: root,
    async list() {
      if (!fs.existsSync(root)) return [];
      return fs.readdirSync(root).filter((n) => !n.startsWith('.') && fs.existsSync(path.join(root, n, MANIFEST)));
    },
    async write(name, entries, manifest) {
      checkName(name);
      fs.mkdirSync(root, { recursive: true });
      // Left by a crash mid-write: never published, never read.
      for (const n of fs.readdirSync(root)) {
        if (n.startsWith(PARTIAL)) fs.rmSync(path.join(root, n), { recursive: true, force: true });
      }
      const partial = path.join(root, `${PARTIAL}${name}-${Math.random().toString(16).slice(2, 10)}`);
      fs.mkdirSync(partial, { recursive: true });
      try {
        let index = 0;
        for await (const entry of entries) writeFile(path.join(partial, `${index++}.bin`), entry);
        writeFile(path.join(partial, MANIFEST), manifest());
        syncFolder(partial);
        const target = path.join(root, name);
        if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(partial, target);
        syncFolder(root);
      } catch (error) {
        fs.rmSync(partial, { recursive: true, force: true });
        throw error;
      }
    },
    async readManifest(name) {
      return fs.readFileSync(path.join(root, checkName(name), MANIFEST));
    },
    async readEntry(name, index) {
      return fs.readFileSync(path.join(root, checkName(name), `${index}.bin`));
    },
    async remove(name) {
      fs.rmSync(path.join(root, checkName(name)), { recursive: true, force: true });
    },
  };
}
