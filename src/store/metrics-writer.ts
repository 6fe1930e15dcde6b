import type { MetricRow } from './types.js';

export interface MetricsWriterOptions {
  /** flush once this many rows are buffered (default 1000) */
  flushRows?: number;
  /** flush once the oldest buffered row is this old, in milliseconds (default 2000) */
  flushMs?: number;
}

/**
 * Writes a batch of rows in one transaction (provided by the store). SQLite's is synchronous; a
 * server's returns a promise, retrying while the server cannot be reached. Either way a batch is an
 * upsert keyed by (run, key, step), so a batch written twice (its commit went through but the answer
 * was lost) leaves each step's value once.
 */
export type MetricsSink = (runId: number, rows: readonly MetricRow[]) => void | Promise<void>;

/**
 * Buffers a run's metric rows and writes them in one transaction every `flushRows` rows or
 * `flushMs` milliseconds, and on close, so that per-step logging costs one commit per batch.
 * With an asynchronous sink one batch is in flight at a time and the training loop never waits for
 * it: rows go on collecting meanwhile, and a failed batch goes back to the front of the buffer.
 * A kill loses at most the unflushed buffer; every committed batch survives.
 */
export class MetricsWriter {
  private buffer: MetricRow[] = [];
  private oldest = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private deferredError: unknown = null;
  private count = 0;
  private inFlight: Promise<void> | null = null;
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

  /** rows buffered and not yet committed (a batch in flight included) */
  get pending(): number {
    return this.buffer.length + this.flying;
  }

  /** rows committed so far */
  get written(): number {
    return this.count;
  }

  private flying = 0;

  write(row: MetricRow): void {
    this.throwIfUnusable();
    if (this.buffer.length === 0) {
      this.oldest = Date.now();
      // also flush while the training loop is idle; unref: never keeps the process alive
      if (!this.timer) {
        this.timer = setTimeout(() => this.flushFromTimer(), this.flushMs);
        this.timer.unref();
      }
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.flushRows || Date.now() - this.oldest >= this.flushMs) this.startFlush();
  }

  /** Several keys measured at the same step and time, e.g. a step's loss and optimiser info. */
  writeStep(
    at: { step: number; epoch: number; wallTime: number; wallTimeExclEval: number },
    values: Record<string, number>,
  ): void {
    for (const [key, value] of Object.entries(values)) this.write({ ...at, key, value });
  }

  /**
   * Commits every row buffered so far. A synchronous sink commits before this returns (and a failure
   * throws here); an asynchronous one before the promise resolves.
   */
  flush(): Promise<void> {
    const started = this.startFlush();
    if (started === null) return Promise.resolve();
    return started.then(() => (this.buffer.length > 0 || this.inFlight ? this.flush() : undefined));
  }

  /**
   * Flushes what is left; the writer cannot be used afterwards. Safe to call twice. When the flush
   * fails (a busy or full database, a server out of reach past the retries) it throws and the writer
   * stays open with its rows, so that a later close can still record them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.deferredError = null;
    await this.flush();
    this.closed = true;
    this.onClose();
  }

  /** Starts writing the buffer unless a batch is in flight; returns what to wait for, or null when nothing is pending. */
  private startFlush(): Promise<void> | null {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) return this.inFlight;
    if (this.buffer.length === 0) return null;
    const rows = this.buffer;
    this.buffer = [];
    let result: void | Promise<void>;
    try {
      result = this.sink(this.runId, rows);
    } catch (e) {
      this.buffer = rows.concat(this.buffer);
      throw e;
    }
    if (!(result instanceof Promise)) {
      this.count += rows.length;
      return Promise.resolve();
    }
    this.flying = rows.length;
    const flight = result.then(
      () => {
        this.count += rows.length;
      },
      (e: unknown) => {
        this.buffer = rows.concat(this.buffer);
        throw e;
      },
    ).finally(() => {
      this.flying = 0;
      this.inFlight = null;
      // rows that arrived meanwhile: a full batch goes now, a partial one on its timer
      if (this.buffer.length >= this.flushRows) this.startInBackground();
      else if (this.buffer.length > 0 && !this.timer && !this.closed) {
        this.timer = setTimeout(() => this.flushFromTimer(), Math.max(0, this.flushMs - (Date.now() - this.oldest)));
        this.timer.unref();
      }
    });
    this.inFlight = flight;
    // a failure is also kept for the next write, unless a caller awaiting the flush sees it first
    flight.catch((e: unknown) => (this.deferredError = e));
    return flight;
  }

  private startInBackground(): void {
    try {
      this.startFlush()?.catch(() => {}); // the failure is kept in deferredError
    } catch (e) {
      this.deferredError = e;
    }
  }

  private flushFromTimer(): void {
    this.timer = null;
    // keep the rows; report on the next call instead of crashing from a timer
    this.startInBackground();
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

/**
 * Closes every writer (each flushes what it holds), going on past a failure so that no writer is
 * left unflushed; the first error, if any, is returned for the caller to throw after its own cleanup.
 */
export async function closeWriters(writers: Iterable<MetricsWriter>): Promise<unknown> {
  let first: unknown = null;
  for (const w of [...writers]) {
    try {
      await w.close();
    } catch (e) {
      first ??= e;
    }
  }
  return first;
}
