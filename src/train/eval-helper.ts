/**
 * A second thread for evaluating MLPs on the dense-chain kernel: the paper's protocol evaluates the
 * whole validation and test splits after every step (Fashion-MNIST: 20,000 rows, as long as the step
 * itself), and the kernel is single-threaded, so a split of several chunks is cut in two: the
 * training thread evaluates the first half of its chunks while this helper evaluates the second.
 * Each chunk is summed exactly as before and the chunks' sums are added in the same order, so the
 * results are bit for bit those of one thread. One helper per process, started on first use, never
 * keeping the process alive; SFN_EVAL_THREADS=1 turns it off (as does a machine with one core).
 */
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { startWorkerThread } from '../util/worker-thread.js';
import type { ChainLayout } from '../autodiff/dense-chain/chain-layout.js';
import type { ChunkSums } from '../autodiff/dense-chain/chain-passes.js';
import type { FromEvalThread, ToEvalThread } from './eval-thread.js';

const THREAD_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './eval-thread.ts' : './eval-thread.js', import.meta.url);

/** a split is shared with the helper only from this many chunks on (below, the hand-off costs more than it saves) */
export const HELPER_MIN_CHUNKS = 4;

/** whether evaluation may use the helper thread (SFN_EVAL_THREADS, default 2 where there are 2 cores) */
export function evalHelperEnabled(): boolean {
  const raw = process.env.SFN_EVAL_THREADS?.trim();
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (n !== 1 && n !== 2) throw new Error(`SFN_EVAL_THREADS must be 1 or 2 (threads for evaluation), got '${raw}'`);
    return n >= 2;
  }
  return availableParallelism() >= 2;
}

class EvalHelper {
  private readonly thread: Worker;
  private nextId = 1;
  private nextPart = 1;
  private readonly waiting = new Map<number, { resolve: (r: ChunkSums[]) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  constructor() {
    // idle, it never keeps the process alive; an awaited answer refs it (evaluate)
    this.thread = startWorkerThread(THREAD_ENTRY, (m: FromEvalThread) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.thread.unref();
      if ('error' in m) w.reject(new Error(m.error));
      else w.resolve(m.results);
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.thread.on('error', fail);
    this.thread.on('exit', (code) => fail(new Error(`the evaluation helper thread exited (code ${code})`)));
  }

  private post(m: ToEvalThread): void {
    if (this.failed) throw this.failed;
    this.thread.postMessage(m);
  }

  /** hands the helper a split's part (copies of its rows); returns its id */
  add(layout: ChainLayout, x: Float32Array, targets: Float32Array, rows: number, chunkRows: number): number {
    const part = this.nextPart++;
    this.post({ type: 'add', part, layout, x, targets, rows, chunkRows });
    return part;
  }

  remove(part: number): void {
    if (!this.failed) this.thread.postMessage({ type: 'remove', part } satisfies ToEvalThread);
  }

  /** the chunk sums of each part at these parameters */
  evaluate(params: Float32Array, parts: number[]): Promise<ChunkSums[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.thread.ref(); // an answer awaited keeps the process alive
      this.waiting.set(id, { resolve, reject });
      this.thread.postMessage({ type: 'evaluate', id, params, parts } satisfies ToEvalThread);
    });
  }
}

let helper: EvalHelper | null = null;

/** the process's evaluation helper (started on first use) */
export function evalHelper(): EvalHelper {
  helper ??= new EvalHelper();
  return helper;
}
