import * as tf from '@tensorflow/tfjs-core';
import { type EagerAttr, type EagerBackend, eagerBackend, typeAttr, valueAttr } from '../internal/eagerBackend';

/** TensorFlow's anonymous resource name: each handle owns its own variable, freed with the handle. */
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

/** What `Optimizer.applyGradients` takes: gradients by variable name, as a map or a list. */
export type NamedGradients = tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>;

/** A tfjs variable's value mirrored in a TensorFlow resource variable that the fused update writes. */
interface Mirror {
  handle: tf.Variable;
  shape: number[];
  /** The tfjs tensor the resource last matched; another one means the value was set from outside. */
  dataId: object | null;
}

/**
 * The resource variables behind each optimizer the fused updates ran for: per variable index, the
 * variable and its slots. Held until the optimizer's `dispose` or `fastPath.disable()`.
 */
const mirrors = new Map<tf.Optimizer, Map<number, Mirror[]>>();

function attrType(backend: EagerBackend, name: string): EagerAttr {
  return typeAttr(backend, name);
}

function newResource(backend: EagerBackend, shape: number[]): tf.Variable {
  const resource = backend.executeSingleOutput(
    'VarHandleOp',
    [
      valueAttr(backend, 'container', 'TF_ATTR_STRING', ''),
      valueAttr(backend, 'shared_name', 'TF_ATTR_STRING', ANONYMOUS),
      attrType(backend, 'dtype'),
      valueAttr(backend, 'shape', 'TF_ATTR_SHAPE', shape),
    ],
    [],
  );
  // A tfjs variable holds the handle: disposing it deletes the anonymous TensorFlow variable.
  const handle = tf.variable(resource, false);
  resource.dispose();
  return handle;
}

/** Brings each resource up to its tfjs tensor where that tensor changed since the last update. */
function sync(backend: EagerBackend, list: Mirror[], values: tf.Tensor[]): void {
  list.forEach((mirror, k) => {
    const value = values[k]!;
    if (mirror.dataId === value.dataId) return;
    backend.executeMultipleOutputs(
      'AssignVariableOp',
      [attrType(backend, 'dtype'), valueAttr(backend, 'validate_shape', 'TF_ATTR_BOOL', false)],
      [mirror.handle, value],
      0,
    );
    mirror.dataId = value.dataId;
  });
}

/** Reads each resource back into its tfjs variable (no copy: TensorFlow copies on the next write). */
function readBack(backend: EagerBackend, list: Mirror[], variables: tf.Variable[]): void {
  list.forEach((mirror, k) => {
    const value = backend.executeSingleOutput('ReadVariableOp', [attrType(backend, 'dtype')], [mirror.handle]);
    variables[k]!.assign(value);
    mirror.dataId = variables[k]!.dataId;
    value.dispose();
  });
}

/** The mirrors of variable `i` and its slots, created on first use. */
function mirrorsOf(backend: EagerBackend, optimizer: tf.Optimizer, i: number, values: tf.Tensor[]): Mirror[] {
  let byIndex = mirrors.get(optimizer);
  if (byIndex === undefined) mirrors.set(optimizer, (byIndex = new Map()));
  let list = byIndex.get(i);
  if (
    list === undefined ||
    list.some((m, k) => m.handle.isDisposed || !tf.util.arraysEqual(m.shape, values[k]!.shape))
  ) {
    list?.forEach((m) => m.handle.dispose());
    list = values.map((v) => ({ handle: newResource(backend, v.shape), dataId: null, shape: v.shape }));
    byIndex.set(i, list);
  }
  return list;
}

/** Disposes the resource variables behind `optimizer` (every optimizer's without one). */
export function disposeMirrors(optimizer?: tf.Optimizer): void {
  for (const [o, byIndex] of mirrors) {
    if (optimizer !== undefined && o !== optimizer) continue;
    byIndex.forEach((list) => list.forEach((m) => m.handle.dispose()));
    mirrors.delete(o);
  }
}

function names(gradients: NamedGradients): string[] {
  return Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
}

function gradientAt(gradients: NamedGradients, i: number, name: string): tf.Tensor | undefined {
  return Array.isArray(gradients) ? gradients[i]?.tensor : gradients[name];
}

/** The fields of tfjs's `AdamOptimizer` its update reads and writes. */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
  incrementIterations(): void;
}

/**
 * tfjs's Adam update with one `ResourceApplyAdam` per variable. TensorFlow's form,
 * `θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε̂)`, equals tfjs's `θ ← θ − lr · m̂ / (√v̂ + ε)` with
 * `ε̂ = ε·√(1−β₂ᵗ)`; the moments, `accBeta1`/`accBeta2` and the iteration count move as tfjs's do.
 */
export function fusedAdamApply(optimizer: tf.Optimizer, gradients: NamedGradients): boolean {
  const backend = eagerBackend();
  if (backend === null) return false;
  const o = optimizer as unknown as AdamFields;
  const varNames = names(gradients);
  const variables = varNames.map((name) => tf.engine().registeredVariables[name]!);
  if (variables.some((v) => v === undefined || v.dtype !== 'float32')) return false;
  tf.tidy(() => {
    const oneMinusAccBeta2 = tf.sub(1, o.accBeta2);
    const lr = tf.scalar(o.learningRate);
    const beta1 = tf.scalar(o.beta1);
    const beta2 = tf.scalar(o.beta2);
    const epsilonHat = tf.mul(o.epsilon, tf.sqrt(oneMinusAccBeta2));
    const beta2Power = o.accBeta2;
    const beta1Power = o.accBeta1;
    varNames.forEach((name, i) => {
      const value = variables[i]!;
      o.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      o.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = gradientAt(gradients, i, name);
      if (gradient == null) return;
      const m = o.accumulatedFirstMoment[i]!.variable;
      const v = o.accumulatedSecondMoment[i]!.variable;
      const list = mirrorsOf(backend, optimizer, i, [value, m, v]);
      sync(backend, list, [value, m, v]);
      backend.executeMultipleOutputs(
        'ResourceApplyAdam',
        [
          attrType(backend, 'T'),
          valueAttr(backend, 'use_locking', 'TF_ATTR_BOOL', false),
          valueAttr(backend, 'use_nesterov', 'TF_ATTR_BOOL', false),
        ],
        [
          list[0]!.handle,
          list[1]!.handle,
          list[2]!.handle,
          beta1Power,
          beta2Power,
          lr,
          beta1,
          beta2,
          epsilonHat,
          gradient,
        ],
        0,
      );
      readBack(backend, list, [value, m, v]);
    });
    o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
    o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
  });
  o.incrementIterations();
  return true;
}

/** The fields of tfjs's `MomentumOptimizer` its update reads and writes. */
interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: Array<{ originalName: string; variable: tf.Variable }>;
  incrementIterations(): void;
}

/**
 * tfjs's momentum update with one `ResourceApplyMomentum` per variable: `a ← μ·a + g`,
 * `θ ← θ − lr·a` (Nesterov: `θ ← θ − lr·(g + μ·a)`), as tfjs's `MomentumOptimizer`.
 */
export function fusedMomentumApply(optimizer: tf.Optimizer, gradients: NamedGradients): boolean {
  const backend = eagerBackend();
  if (backend === null) return false;
  const o = optimizer as unknown as MomentumFields;
  const varNames = names(gradients);
  const variables = varNames.map((name) => tf.engine().registeredVariables[name]!);
  if (variables.some((v) => v === undefined || v.dtype !== 'float32')) return false;
  tf.tidy(() => {
    const lr = tf.scalar(o.learningRate);
    const momentum = tf.scalar(o.momentum);
    varNames.forEach((name, i) => {
      const value = variables[i]!;
      o.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = gradientAt(gradients, i, name);
      if (gradient == null) return;
      const accumulation = o.accumulations[i]!.variable;
      const list = mirrorsOf(backend, optimizer, i, [value, accumulation]);
      sync(backend, list, [value, accumulation]);
      backend.executeMultipleOutputs(
        'ResourceApplyMomentum',
        [
          attrType(backend, 'T'),
          valueAttr(backend, 'use_locking', 'TF_ATTR_BOOL', false),
          valueAttr(backend, 'use_nesterov', 'TF_ATTR_BOOL', o.useNesterov),
        ],
        [list[0]!.handle, list[1]!.handle, lr, gradient, momentum],
        0,
      );
      readBack(backend, list, [value, accumulation]);
    });
  });
  o.incrementIterations();
  return true;
}
