// The page's persistent state in IndexedDB: the gallery (gallery.toJSON), the drawings it was made
// from (their strokes, to re-embed after a fine-tune), the fine-tuned adapter's weights and the ones
// "Undo fine-tune" restores. Saved in
// one transaction, so a reload sees either the old state or the new one, never half of each.
const DB = 'tfjs-margin-enrol';
const STORE = 'state';
const KEYS = ['gallery', 'drawings', 'adapter', 'previousAdapter'];

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  const req = indexedDB.open(DB, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  return request(req);
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** `{gallery, drawings, adapter, previousAdapter}` as last saved (each `undefined` when never saved). */
export async function loadState() {
  const db = await open();
  try {
    const tx = db.transaction(STORE, 'readonly');
    const store = tx.objectStore(STORE);
    const values = await Promise.all(KEYS.map((k) => request(store.get(k))));
    return Object.fromEntries(KEYS.map((k, i) => [k, values[i]]));
  } finally {
    db.close();
  }
}

/** Writes the state in one transaction (adapters: arrays of weight arrays, or null). */
export async function saveState(state) {
  const db = await open();
  try {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const k of KEYS) store.put(state[k], k);
    await done(tx);
  } finally {
    db.close();
  }
}

/** Deletes everything the page stored. */
export async function clearState() {
  const db = await open();
  try {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).clear();
    await done(tx);
  } finally {
    db.close();
  }
}
