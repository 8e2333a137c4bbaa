import type * as tfl from '@tensorflow/tfjs-layers';

interface ScalarLike {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}

/**
 * Replaces scalar tensors in `fit`'s logs by numbers, in place and asynchronously (no GPU stall),
 * disposing them as tfjs-layers' own `CustomCallback` does.
 */
export async function resolveLogs(logs: tfl.Logs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (logs === undefined) return out;
  const record = logs as unknown as Record<string, number | ScalarLike>;
  for (const key of Object.keys(record)) {
    const value = record[key]!;
    if (typeof value === 'number') out[key] = value;
    else {
      const data = await value.data();
      value.dispose();
      record[key] = data[0]!;
      out[key] = data[0]!;
    }
  }
  return out;
}
