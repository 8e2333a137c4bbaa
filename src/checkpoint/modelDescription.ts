import * as tfl from '@tensorflow/tfjs-layers';
import type * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from './trainingState';

/** A layer as a checkpoint records it: where it sits, what it is, its settings and its weights' shapes. */
export interface LayerDescription {
  path: string;
  className: string;
  /** The settings that change what training computes (names, initializers, seeds and learning rates left out). */
  config: JsonValue;
  weights: { shape: number[]; dtype: string }[];
}

/** Every layer of a model but its inputs, nested models' layers included, with a path (`3`, `2/5`) that does not depend on names. */
export function layersOf(model: tfl.LayersModel): { path: string; layer: tfl.layers.Layer }[] {
  const out: { path: string; layer: tfl.layers.Layer }[] = [];
  const walk = (layers: tfl.layers.Layer[], prefix: string): void => {
    // Input layers hold nothing, and tfjs lists a Sequential model's only once it is built.
    layers
      .filter((layer) => layer.getClassName() !== 'InputLayer')
      .forEach((layer, i) => {
        const path = `${prefix}${i}`;
        out.push({ path, layer });
        const nested = (layer as unknown as { layers?: unknown }).layers;
        if (Array.isArray(nested)) walk(nested as tfl.layers.Layer[], `${path}/`);
      });
  };
  walk(model.layers, '');
  return out;
}

/** Keys that do not change the computation of a resumed run (or that the resume restores itself). */
function ignored(key: string): boolean {
  return key === 'name' || key === 'seed' || key === 'learningRate' || key.endsWith('Initializer');
}

/** A config made comparable: ignored keys dropped at every depth, `undefined` dropped, keys sorted. */
export function comparableConfig(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map((v) => comparableConfig(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (ignored(key) || v === undefined || typeof v === 'function') continue;
      out[key] = comparableConfig(v);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) {
    return value;
  }
  return String(value);
}

/** The checkpoint's description of `model`. */
export function describeModel(model: tfl.LayersModel): LayerDescription[] {
  return layersOf(model).map(({ path, layer }) => {
    const container = Array.isArray((layer as unknown as { layers?: unknown }).layers);
    let config: JsonValue = null;
    if (!container) {
      try {
        config = comparableConfig(layer.getConfig());
      } catch {
        config = null; // a layer that cannot describe itself is compared by class and weights only
      }
    }
    return {
      path,
      className: layer.getClassName(),
      config,
      weights: container ? [] : layer.weights.map((w) => ({ shape: w.shape.map((d) => d ?? -1), dtype: w.dtype })),
    };
  });
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The first difference between two JSON values, as `key: a vs b`, or null. */
function firstDifference(a: JsonValue | undefined, b: JsonValue | undefined, at: string): string | null {
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      const d = firstDifference(a[key], b[key], at === '' ? key : `${at}.${key}`);
      if (d !== null) return d;
    }
    return null;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  return `${at === '' ? 'config' : at} is ${show(a)} in the checkpoint but ${show(b)} in this model`;
}

/** What makes `current` a different model from the checkpoint's `saved`, in words, or null when none. */
export function modelDifference(saved: LayerDescription[], current: LayerDescription[]): string | null {
  if (saved.length !== current.length) {
    return `the checkpoint's model has ${saved.length} layers, this model ${current.length}`;
  }
  for (let i = 0; i < saved.length; i++) {
    const a = saved[i]!;
    const b = current[i]!;
    const where = `layer ${b.path} (${b.className})`;
    if (a.className !== b.className)
      return `layer ${b.path} is ${a.className} in the checkpoint but ${b.className} in this model`;
    if (a.weights.length !== b.weights.length) {
      return `${where} has ${a.weights.length} weights in the checkpoint but ${b.weights.length} in this model`;
    }
    for (let k = 0; k < a.weights.length; k++) {
      const [wa, wb] = [a.weights[k]!, b.weights[k]!];
      if (wa.dtype !== wb.dtype || wa.shape.join(',') !== wb.shape.join(',')) {
        return `${where}: weight ${k} is ${wa.dtype} [${wa.shape.join(', ')}] in the checkpoint but ${wb.dtype} [${wb.shape.join(', ')}] in this model`;
      }
    }
    const d = firstDifference(a.config, b.config, '');
    if (d !== null) return `${where}: ${d}`;
  }
  return null;
}

/** The optimizer as a checkpoint records it: class and settings (its learning rate is restored, not compared). */
export interface OptimizerDescription {
  className: string;
  config: JsonValue;
}

export function describeOptimizer(optimizer: tf.Optimizer): OptimizerDescription {
  return { className: optimizer.getClassName(), config: comparableConfig(optimizer.getConfig()) };
}

export function optimizerDifference(saved: OptimizerDescription, current: OptimizerDescription): string | null {
  if (saved.className !== current.className) {
    return `the optimizer is ${saved.className} in the checkpoint but ${current.className} in this model`;
  }
  const d = firstDifference(saved.config, current.config, '');
  return d === null ? null : `optimizer ${current.className}: ${d}`;
}
