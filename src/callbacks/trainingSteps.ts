/** Steps per epoch and total steps of the current `fit`, from the params tfjs-layers hands callbacks. */
export function stepsOfFit(
  params: Readonly<Record<string, unknown>> | undefined,
): { perEpoch: number; total: number } | null {
  if (params === undefined) return null;
  const epochs = Number(params['epochs']);
  const initialEpoch = Number(params['initialEpoch'] ?? 0);
  const steps = params['steps'];
  const samples = params['samples'];
  const batchSize = params['batchSize'];
  let perEpoch: number | null = null;
  if (typeof steps === 'number' && steps > 0) perEpoch = steps;
  else if (typeof samples === 'number' && typeof batchSize === 'number' && batchSize > 0) {
    perEpoch = Math.ceil(samples / batchSize);
  }
  if (perEpoch === null || !Number.isFinite(epochs)) return null;
  return { perEpoch, total: perEpoch * (epochs - initialEpoch) };
}
