import type { MetricRow } from './types.js';

export interface MetricsWriterOptions {
  /** flush once this many rows are buffered (default 1000) */
  flushRows?: number;
  /** flush once the oldest buffered row is this old, in milliseconds (default 2000) */
  flushMs?: number;
}

/** Writes a batch of rows in one transaction (provided by the Store). */
export type MetricsSink = (runId: number, rows: readonly MetricRow[]) => void;

/**
 * Buffers a run's metric rows and writes them in one transaction every `flushRows` rows or
 * `flushMs` milliseconds, and on close, so that per-step logging costs one commit per batch.
 * A kill loses at most the unflushed buffer; every committed batch survives.
 */
export class MetricsWriter {
  private buffer: MetricRow[] = [];
  private oldest = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private deferredError: unknown = null;
  private count = 0;
  private readonly flushRows: number;
  private readonly flushMs: number;

  constructor(
    readonly runId: number,
    private readonly sink: MetricsSink,
    options: MetricsWriterOptions = {},
    private readonly onClose: () => void = () => {},
  ) {
    this.flushRows = options.flushRows ?? 1000;
    this.flushMs = options.flushMs ?? 2000;
    if (!(this.flushRows >= 1)) throw new Error(`flushRows must be >= 1 (got ${this.flushRows})`);
    if (!(this.flushMs >= 0)) throw new Error(`flushMs must be >= 0 (got ${this.flushMs})`);
  }

  /** rows buffered and not yet committed */
  get pending(): number {
    return this.buffer.length;
  }

  /** rows committed so far */
  get written(): number {
    return this.count;
  }

  write(row: MetricRow): void {
    this.throwIfUnusable();
    if (this.buffer.length === 0) {
      this.oldest = Date.now();
      // also flush while the training loop is idle; unref: never keeps the process alive
      this.timer = setTimeout(() => this.flushFromTimer(), this.flushMs);
      this.timer.unref();
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.flushRows || Date.now() - this.oldest >= this.flushMs) this.flush();
  }

  /** Several keys measured at the same step and time, e.g. a step's loss and optimiser info. */
  writeStep(
    at: { step: number; epoch: number; wallTime: number; wallTimeExclEval: number },
    values: Record<string, number>,
  ): void {
    for (const [key, value] of Object.entries(values)) this.write({ ...at, key, value });
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.sink(this.runId, rows);
    this.count += rows.length;
    this.buffer = [];
  }

  /**
   * Flushes what is left; the writer cannot be used afterwards. Safe to call twice. When the flush
   * fails (a busy or full database) it throws and the writer stays open with its rows, so that a
   * later close can still record them.
   */
  close(): void {
    if (this.closed) return;
    this.deferredError = null;
    this.flush();
    this.closed = true;
    this.onClose();
  }

  private flushFromTimer(): void {
    this.timer = null;
    try {
      this.flush();
    } catch (e) {
      // keep the rows; report on the next call instead of crashing from a timer
      this.deferredError = e;
    }
  }

  private throwIfUnusable(): void {
    if (this.closed) throw new Error(`metrics writer of run ${this.runId} is closed`);
    if (this.deferredError) {
      const e = this.deferredError;
      this.deferredError = null;
      throw e;
    }
  }
}
