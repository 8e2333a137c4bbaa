import { canReadSync } from '../../internal/syncRead';
import { MarginArgumentError } from '../../internal/errors';
import type { CenterStore, CenterStoreKind, RowFiller } from './centerStore';
import { HostCenterStore } from './hostCenterStore';
import { eagerBackend } from '../../internal/eagerBackend';
import { TensorFlowCenterStore } from './tensorflowCenterStore';
import { TensorCenterStore } from './tensorCenterStore';

/** The store `kind` resolves to on the active backend. */
export function resolveStoreKind(where: string, kind: CenterStoreKind): Exclude<CenterStoreKind, 'auto'> {
  if (kind === 'auto') {
    if (eagerBackend() !== null) return 'tensorflow';
    return canReadSync() ? 'host' : 'tensor';
  }
  if (kind === 'tensorflow' && eagerBackend() === null) {
    throw new MarginArgumentError(
      where,
      'centerStore',
      "'tensorflow' only on the tensorflow backend (tfjs-node)",
      kind,
    );
  }
  if (kind === 'host' && !canReadSync()) {
    throw new MarginArgumentError(
      where,
      'centerStore',
      "'tensor' or 'auto' on this backend ('host' reads the gradient synchronously, which webgpu cannot)",
      kind,
    );
  }
  return kind;
}

/**
 * A center store of the resolved kind. `'auto'` falls back from `'tensorflow'` to `'host'` with no
 * error when this tfjs-node cannot run the resource-variable ops.
 */
export function createCenterStore(
  where: string,
  kind: CenterStoreKind,
  rows: number,
  dim: number,
  fill: () => RowFiller,
): CenterStore {
  const resolved = resolveStoreKind(where, kind);
  if (resolved === 'tensorflow') {
    try {
      return new TensorFlowCenterStore(eagerBackend()!, rows, dim, fill());
    } catch (error) {
      if (kind !== 'auto') throw error;
      return new HostCenterStore(rows, dim, fill());
    }
  }
  if (resolved === 'host') return new HostCenterStore(rows, dim, fill());
  return new TensorCenterStore(rows, dim, fill());
}
