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

/** A slot as tfjs's optimizers keep it. */
type Slot = { originalName: string; variable: tf.Variable };

/** What differs between the fused updates: the slots, the per-step inputs and the op. */
interface FusedUpdate<S> {
  /** The slot lists, each with the suffix of its slots' names (tfjs's `originalName`). */
  slots: Array<[Slot[], string]>;
  /** Tensors shared by every variable's update in this step (scalars). */
  step: () => S;
  /** TensorFlow's op and its inputs after the resource handles (variable, then slots, in order). */
  op: (
    backend: EagerBackend,
    shared: S,
    gradient: tf.Tensor,
  ) => { name: string; attrs: EagerAttr[]; inputs: tf.Tensor[] };
  /** After every variable: the optimizer's own per-step state (Adam's β powers). */
  after?: () => void;
}

/**
 * One fused TensorFlow op per variable: creates tfjs's slots as the stock update does, brings the
 * resource mirrors of the variable and its slots up to date, runs the op on them and reads the new
 * values back into the tfjs variables. `false` where it does not apply (not tfjs-node, not float32).
 */
function applyFused<S>(optimizer: tf.Optimizer, gradients: NamedGradients, update: FusedUpdate<S>): boolean {
  const backend = eagerBackend();
  if (backend === null) return false;
  const varNames = names(gradients);
  const variables = varNames.map((name) => tf.engine().registeredVariables[name]);
  if (variables.some((v) => v === undefined || v.dtype !== 'float32')) return false;
  tf.tidy(() => {
    const shared = update.step();
    varNames.forEach((name, i) => {
      const value = variables[i]!;
      for (const [list, suffix] of update.slots) {
        list[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      const gradient = gradientAt(gradients, i, name);
      if (gradient == null) return;
      const tensors = [value, ...update.slots.map(([list]) => list[i]!.variable)];
      const mirrored = mirrorsOf(backend, optimizer, i, tensors);
      sync(backend, mirrored, tensors);
      const { name: op, attrs, inputs } = update.op(backend, shared, gradient);
      backend.executeMultipleOutputs(op, attrs, [...mirrored.map((m) => m.handle), ...inputs], 0);
      readBack(backend, mirrored, tensors);
    });
    update.after?.();
  });
  (optimizer as unknown as { incrementIterations(): void }).incrementIterations();
  return true;
}

function applyAttrs(backend: EagerBackend, nesterov: boolean): EagerAttr[] {
  return [
    attrType(backend, 'T'),
    valueAttr(backend, 'use_locking', 'TF_ATTR_BOOL', false),
    valueAttr(backend, 'use_nesterov', 'TF_ATTR_BOOL', nesterov),
  ];
}

/** The fields of tfjs's `AdamOptimizer` its update reads and writes. */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

/**
 * tfjs's Adam update with one `ResourceApplyAdam` per variable. TensorFlow's form,
 * `θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε̂)`, equals tfjs's `θ ← θ − lr · m̂ / (√v̂ + ε)` with
 * `ε̂ = ε·√(1−β₂ᵗ)`; the moments, `accBeta1`/`accBeta2` and the iteration count move as tfjs's do.
 */
export function fusedAdamApply(optimizer: tf.Optimizer, gradients: NamedGradients): boolean {
  const o = optimizer as unknown as AdamFields;
  return applyFused(optimizer, gradients, {
    slots: [
      [o.accumulatedFirstMoment, 'm'],
      [o.accumulatedSecondMoment, 'v'],
    ],
    step: () => ({
      lr: tf.scalar(o.learningRate),
      beta1: tf.scalar(o.beta1),
      beta2: tf.scalar(o.beta2),
      epsilonHat: tf.mul(o.epsilon, tf.sqrt(tf.sub(1, o.accBeta2))),
    }),
    op: (backend, { lr, beta1, beta2, epsilonHat }, gradient) => ({
      name: 'ResourceApplyAdam',
      attrs: applyAttrs(backend, false),
      inputs: [o.accBeta1, o.accBeta2, lr, beta1, beta2, epsilonHat, gradient],
    }),
    after: () => {
      o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
      o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
    },
  });
}

/** The fields of tfjs's `MomentumOptimizer` its update reads and writes. */
interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: Slot[];
}

/**
 * tfjs's momentum update with one `ResourceApplyMomentum` per variable: `a ← μ·a + g`,
 * `θ ← θ − lr·a` (Nesterov: `θ ← θ − lr·(g + μ·a)`), as tfjs's `MomentumOptimizer`.
 */
export function fusedMomentumApply(optimizer: tf.Optimizer, gradients: NamedGradients): boolean {
  const o = optimizer as unknown as MomentumFields;
  return applyFused(optimizer, gradients, {
    slots: [[o.accumulations, 'momentum']],
    step: () => ({ lr: tf.scalar(o.learningRate), momentum: tf.scalar(o.momentum) }),
    op: (backend, { lr, momentum }, gradient) => ({
      name: 'ResourceApplyMomentum',
      attrs: applyAttrs(backend, o.useNesterov),
      inputs: [lr, gradient, momentum],
    }),
  });
}
