import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { MAX_BAR_WIDTH } from '../internal/limits';
import { integerInRange, knownKeys } from '../internal/validate';
import { resolveLogs } from './resolveLogs';
import { stepsOfFit } from './trainingSteps';

/** Where progress goes: `process.stdout`, or anything with a `write(text)` method. */
export interface ProgressStream {
  /** Writes `text` as is (no newline added). */
  write(text: string): unknown;
  /** A progress bar is drawn only on a terminal; elsewhere one line per epoch. */
  isTTY?: boolean;
}

/** Arguments of {@link ProgressLogger}. */
export interface ProgressLoggerArgs {
  /** Default `process.stdout` (in Node); in a browser pass `{ write: (s) => ... }`. */
  stream?: ProgressStream;
  /** Also append one row per epoch to this file (Node only). */
  logFile?: string;
  /** `'csv'` or `'jsonl'`; default from `logFile`'s extension (`.csv` → csv, otherwise jsonl). */
  logFormat?: 'csv' | 'jsonl';
  /** Width of the bar in characters. Default `24`. */
  barWidth?: number;
}

interface FileSystem {
  appendFileSync(path: string, text: string): void;
  writeFileSync(path: string, text: string): void;
}

function nodeFileSystem(): FileSystem | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:fs') as FileSystem) : null;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatValue(key: string, v: number): string {
  if (key === 'lr') return v.toExponential(2);
  return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

/**
 * A progress bar for `model.fit` in Node — plain tfjs prints nothing there: epoch, batch, a bar,
 * the running loss and metrics, and the ETA, redrawn at most ten times a second on a terminal; when
 * the output is not a terminal (CI, a pipe) it prints one line per epoch only. Optionally appends each
 * epoch's logs (with elapsed time) to a CSV or JSON Lines file.
 */
export class ProgressLogger extends tfl.Callback {
  private readonly stream: ProgressStream | null;
  private readonly logFile: string | null;
  private readonly logFormat: 'csv' | 'jsonl';
  private readonly barWidth: number;
  private readonly fs: FileSystem | null;
  private epochs = 0;
  private perEpoch: number | null = null;
  private epoch = 0;
  private epochStart = 0;
  private trainStart = 0;
  private lastDraw = 0;
  private csvColumns: string[] | null = null;

  constructor(args: ProgressLoggerArgs = {}) {
    super();
    const where = 'callbacks.progressLogger';
    knownKeys(where, 'args', args, ['stream', 'logFile', 'logFormat', 'barWidth']);
    const stdout = (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
    this.stream = args.stream ?? stdout ?? null;
    if (this.stream !== null && typeof this.stream.write !== 'function') {
      throw new MarginArgumentError(where, 'stream', 'an object with a write(text) method', this.stream);
    }
    this.logFile = args.logFile ?? null;
    if (this.logFile !== null && typeof this.logFile !== 'string') {
      throw new MarginArgumentError(where, 'logFile', 'a file path', this.logFile);
    }
    const format = args.logFormat ?? (this.logFile?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
    if (format !== 'csv' && format !== 'jsonl')
      throw new MarginArgumentError(where, 'logFormat', "'csv' or 'jsonl'", format);
    this.logFormat = format;
    this.barWidth = integerInRange(where, 'barWidth', args.barWidth ?? 24, 1, MAX_BAR_WIDTH);
    this.fs = this.logFile === null ? null : nodeFileSystem();
    if (this.logFile !== null && this.fs === null) {
      throw new MarginArgumentError(
        where,
        'logFile',
        'used in Node 20.16 or later (it writes with node:fs)',
        this.logFile,
      );
    }
  }

  /** Called by tfjs when `fit` starts. */
  override async onTrainBegin(): Promise<void> {
    this.epochs = Number(this.params['epochs']);
    this.perEpoch = stepsOfFit(this.params)?.perEpoch ?? null;
    this.trainStart = Date.now();
    if (this.logFile !== null && this.csvColumns === null && this.logFormat === 'csv')
      this.fs!.writeFileSync(this.logFile, '');
    if (this.logFile !== null && this.logFormat === 'jsonl') this.fs!.writeFileSync(this.logFile, '');
  }

  /** Called by tfjs at the start of each epoch. */
  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.epochStart = Date.now();
  }

  /** Called by tfjs after each batch. */
  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    if (this.stream?.isTTY !== true) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const values = await resolveLogs(logs);
    const done = batch + 1;
    const total = this.perEpoch;
    const elapsed = (now - this.epochStart) / 1000;
    let bar = '';
    let eta = '';
    if (total !== null) {
      const filled = Math.min(this.barWidth, Math.round((this.barWidth * done) / total));
      bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(this.barWidth - filled)}] ${done}/${total}`;
      eta = ` ETA ${formatSeconds((elapsed / done) * (total - done))}`;
    } else bar = `batch ${done}`;
    const metrics = Object.entries(values)
      .filter(([k]) => k !== 'batch' && k !== 'size')
      .map(([k, v]) => `${k} ${formatValue(k, v)}`)
      .join('  ');
    this.stream.write(`\r\x1b[2Kepoch ${this.epoch + 1}/${this.epochs} ${bar}  ${metrics}${eta}`);
  }

  /** Called by tfjs at the end of each epoch. */
  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const values = await resolveLogs(logs);
    const seconds = (Date.now() - this.epochStart) / 1000;
    const metrics = Object.entries(values)
      .map(([k, v]) => `${k} ${formatValue(k, v)}`)
      .join('  ');
    const steps = this.perEpoch === null ? '' : `${this.perEpoch}/${this.perEpoch}  `;
    const remaining = ((Date.now() - this.trainStart) / 1000 / (epoch + 1)) * (this.epochs - epoch - 1);
    const eta = epoch + 1 < this.epochs ? `  ETA ${formatSeconds(remaining)}` : '';
    const clear = this.stream?.isTTY === true ? '\r\x1b[2K' : '';
    this.stream?.write(
      `${clear}epoch ${epoch + 1}/${this.epochs}  ${steps}${formatSeconds(seconds)}  ${metrics}${eta}\n`,
    );
    if (this.logFile !== null) this.appendRow({ epoch: epoch + 1, seconds, ...values });
  }

  private appendRow(row: Record<string, number>): void {
    if (this.logFormat === 'jsonl') {
      this.fs!.appendFileSync(this.logFile!, `${JSON.stringify(row)}\n`);
      return;
    }
    if (this.csvColumns === null) {
      this.csvColumns = Object.keys(row);
      this.fs!.appendFileSync(this.logFile!, `${this.csvColumns.join(',')}\n`);
    }
    this.fs!.appendFileSync(this.logFile!, `${this.csvColumns.map((k) => row[k] ?? '').join(',')}\n`);
  }
}

/** Creates a {@link ProgressLogger}.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
 * const lines: string[] = [];
 * const logger = callbacks.progressLogger({ stream: { write: (text: string) => void lines.push(text) } });
 * await model.fit(tf.ones([8, 3]), tf.zeros([8, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [logger] });
 * console.log(lines.join('')); // epoch 1/2 ... loss ..., epoch 2/2 ...
 * ```
 */
export function progressLogger(args?: ProgressLoggerArgs): ProgressLogger {
  return new ProgressLogger(args);
}
