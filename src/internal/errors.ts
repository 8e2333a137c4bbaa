/**
 * Error thrown for a bad argument to a tfjs-margin function or layer. Its message always names the
 * function, the argument, what was expected and what was received.
 */
export class MarginArgumentError extends Error {
  /** The function or layer that rejected the argument, e.g. `ops.softmax` or `NormalizedDense`. */
  readonly where: string;
  /** The argument that was rejected, e.g. `temperature`. */
  readonly argument: string;

  constructor(where: string, argument: string, expected: string, received: unknown) {
    super(`${where}: argument '${argument}' must be ${expected}, but received ${describe(received)}.`);
    this.name = 'MarginArgumentError';
    this.where = where;
    this.argument = argument;
  }
}

/** A received value already put in words (e.g. `row 3 of length 2`), shown as is rather than quoted. */
export class ReceivedText {
  constructor(readonly text: string) {}
}

/** Wraps a description of what was received so error messages show it verbatim. */
export function receivedText(text: string): ReceivedText {
  return new ReceivedText(text);
}

/** A short, human-readable rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof ReceivedText) return value.text;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 6).map((v) => describe(v));
    return `[${shown.join(', ')}${value.length > 6 ? ', ...' : ''}]`;
  }
  if (isTensorLike(value)) return `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function isTensorLike(value: unknown): value is { dtype: string; shape: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'dtype' in value &&
    'shape' in value &&
    Array.isArray((value as { shape: unknown }).shape)
  );
}
