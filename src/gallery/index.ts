/**
 * An identity gallery: enrol embeddings under names, search the nearest identities by cosine
 * similarity on the backend, calibrate a threshold and make the open-set decision ("unknown"),
 * serialize to plain data.
 *
 * @module
 */
import { MarginArgumentError, receivedText } from '../internal/errors';
import { Gallery, type GalleryJSON } from './gallery';

export {
  Gallery,
  type GalleryJSON,
  type GalleryMatch,
  type GalleryDecision,
  type CalibrationOptions,
  type EmbeddingInput,
} from './gallery';

/**
 * Creates an empty gallery of `dim`-dimensional embeddings.
 *
 * @example
 * ```ts
 * const g = gallery.create({ dim: 2 });
 * await g.add('alice', [[1, 0], [0.9, 0.1]]);
 * await g.add('bob', tf.tensor2d([[0, 1]]));
 * console.log(await g.search([[0.8, 0.3]], { k: 2 })); // [[{name: 'alice', score: 0.99…}, {name: 'bob', …}]]
 * g.threshold = 0.9;
 * console.log(await g.match([[0.8, 0.3], [-1, 0]])); // alice, then null (unknown)
 * g.dispose();
 * ```
 */
export function create(options: { dim: number }): Gallery {
  if (options === null || typeof options !== 'object') {
    throw new MarginArgumentError('gallery.create', 'options', 'an object {dim}', options);
  }
  return new Gallery(options.dim);
}

/**
 * Rebuilds a gallery from `toJSON()`'s data (e.g. read back from IndexedDB or a file), checking it.
 *
 * @example
 * ```ts
 * const g = gallery.create({ dim: 2 });
 * await g.add('alice', [[1, 0]]);
 * const copy = gallery.fromJSON(JSON.parse(JSON.stringify(g.toJSON())));
 * console.log(copy.identities()); // ['alice']
 * ```
 */
export function fromJSON(json: GalleryJSON): Gallery {
  const where = 'gallery.fromJSON';
  if (json === null || typeof json !== 'object' || json.format !== 'tfjs-margin-gallery') {
    throw new MarginArgumentError(where, 'json', "an object with format 'tfjs-margin-gallery'", json);
  }
  if (json.version !== 1) {
    throw new MarginArgumentError(where, 'version', '1 (this version reads gallery format 1)', json.version);
  }
  const g = new Gallery(json.dim);
  const names = json.names;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length === 0)) {
    throw new MarginArgumentError(where, 'names', 'an array of non-empty strings', names);
  }
  const e = json.embeddings;
  if (
    !Array.isArray(e) ||
    e.length !== names.length * g.dim ||
    e.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  ) {
    throw new MarginArgumentError(
      where,
      'embeddings',
      `${names.length} × ${g.dim} finite numbers`,
      receivedText(Array.isArray(e) ? `${e.length} values` : typeof e),
    );
  }
  const t = json.threshold;
  if (t !== null && (typeof t !== 'number' || !(t >= -1 && t <= 1))) {
    throw new MarginArgumentError(where, 'threshold', 'null or a cosine in [-1, 1]', t);
  }
  g.load([...names], Float32Array.from(e), t);
  return g;
}
