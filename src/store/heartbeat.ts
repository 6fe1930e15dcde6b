/**
 * Heartbeats of the work this process holds (running runs and trial attempts): every interval the
 * database's clock is written into each held row. The writes come from a worker thread with its own
 * connection (heartbeat-thread.ts), so a training step that keeps the main thread busy for minutes
 * does not silence them, as Optuna writes its heartbeats from a thread. A row the write no longer
 * finds (taken over after a silence, or ended elsewhere) is lost: its signal aborts and it is released.
 * An in-memory SQLite database cannot be opened from another thread: its beats run on the main thread.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../util/worker-thread.js';

export type HeldKind = 'run' | 'trial';

export interface Held {
  kind: HeldKind;
  id: number;
  /** trials: the attempt this process holds */
  attempt?: number;
}

/** Where the thread connects: the same database as the store. */
export type HeartbeatTarget = { kind: 'sqlite'; path: string; busyTimeoutMs: number } | { kind: 'postgres'; url: string };

/** Beats the given rows once; returns those it did not find still held. */
export type BeatOnce = (items: readonly Held[]) => Promise<Held[]> | Held[];

export type ToHeartbeatThread = { type: 'hold'; item: Held } | { type: 'release'; item: Held } | { type: 'stop' };
export type FromHeartbeatThread = { type: 'ready' } | { type: 'lost'; item: Held } | { type: 'error'; message: string } | { type: 'stopped' };

export interface HeartbeatThreadData {
  target: HeartbeatTarget;
  intervalMs: number;
}

const THREAD_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './heartbeat-thread.ts' : './heartbeat-thread.js', import.meta.url);

export function heldKey(item: Held): string {
  return `${item.kind}:${item.id}:${item.attempt ?? ''}`;
}

export class Heartbeat {
  private readonly held = new Map<string, { item: Held; lost: AbortController }>();
  private thread: Worker | null = null;
  private threadReady = false;
  private timer: NodeJS.Timeout | null = null;
  private beating = false;
  private lastError: string | null = null;

  /** `source`: a target for the thread, or (in-memory SQLite) a function beating on the main thread. */
  constructor(
    private readonly source: HeartbeatTarget | BeatOnce,
    private readonly intervalMs: number,
  ) {}

  /** Starts beating the row; the signal aborts if the row is found lost. */
  hold(item: Held): AbortSignal {
    const key = heldKey(item);
    const existing = this.held.get(key);
    if (existing) return existing.lost.signal;
    const lost = new AbortController();
    this.held.set(key, { item, lost });
    if (typeof this.source === 'function') this.startTimer();
    else this.post({ type: 'hold', item });
    return lost.signal;
  }

  release(item: Held): void {
    const key = heldKey(item);
    if (!this.held.delete(key)) return;
    if (typeof this.source !== 'function') this.post({ type: 'release', item });
  }

  /** The signal of a held row (undefined when not held). */
  signal(item: Held): AbortSignal | undefined {
    return this.held.get(heldKey(item))?.lost.signal;
  }

  isHeld(item: Held): boolean {
    return this.held.has(heldKey(item));
  }

  /** The thread's last failed write (e.g. while the server is down), for diagnostics. */
  get error(): string | null {
    return this.lastError;
  }

  async close(): Promise<void> {
    this.held.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const thread = this.thread;
    this.thread = null;
    if (!thread) return;
    if (!this.threadReady) {
      // still loading: it has opened no connection yet, nothing to close gracefully
      await thread.terminate();
      return;
    }
    thread.ref(); // keeps the process alive until the thread has closed its connection
    await new Promise<void>((resolve) => {
      const guard = setTimeout(() => void thread.terminate().then(() => resolve()), 5000);
      thread.once('exit', () => {
        clearTimeout(guard);
        resolve();
      });
      thread.postMessage({ type: 'stop' } satisfies ToHeartbeatThread);
    });
  }

  private lose(item: Held, reason: string): void {
    const key = heldKey(item);
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    entry.lost.abort(new Error(reason));
  }

  private post(m: ToHeartbeatThread): void {
    this.ensureThread().postMessage(m);
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const workerData: HeartbeatThreadData = { target: this.source as HeartbeatTarget, intervalMs: this.intervalMs };
    this.threadReady = false;
    // never keeps the process alive
    const thread = startWorkerThread(THREAD_ENTRY, (m: FromHeartbeatThread) => {
      if (m.type === 'ready') this.threadReady = true;
      else if (m.type === 'lost') this.lose(m.item, `${m.item.kind} ${m.item.id} is no longer held by this process (taken over after a silence, or ended elsewhere)`);
      else if (m.type === 'error') this.lastError = m.message;
    }, { workerData });
    thread.on('error', (e) => (this.lastError = e.message));
    thread.on('exit', () => {
      if (this.thread === thread) this.thread = null;
    });
    this.thread = thread;
    return thread;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beatInline(), this.intervalMs);
    this.timer.unref();
  }

  private async beatInline(): Promise<void> {
    if (this.beating || typeof this.source !== 'function') return;
    if (this.held.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.beating = true;
    try {
      const items = [...this.held.values()].map((h) => h.item);
      for (const item of await this.source(items)) this.lose(item, `${item.kind} ${item.id} is no longer held by this process`);
    } catch (e) {
      this.lastError = (e as Error).message;
    } finally {
      this.beating = false;
    }
  }
}
