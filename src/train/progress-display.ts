import cliProgress from 'cli-progress';
import type { ExecutorEvent } from './executor.js';
import type { JobOutcome, JobProgress, RunJob } from './job.js';
import { plural } from '../util/plural.js';

const fmt = (x: number | undefined) => (x === undefined ? '-' : Number.isFinite(x) ? x.toPrecision(4) : String(x));

export function runName(job: RunJob): string {
  return `${job.optimiser.label} seed ${job.seed}`;
}

export function describeOutcome(o: JobOutcome): string {
  const r = o.run;
  const time = r.wallSeconds == null ? '' : ` in ${r.wallSeconds.toFixed(1)} s (evaluation ${(r.evalSeconds ?? 0).toFixed(1)} s)`;
  switch (o.kind) {
    case 'skipped': return `already ${r.status} (run ${r.id}), skipped`;
    case 'busy': return `being run by process ${r.pid} on ${r.host}, skipped`;
    case 'finished': return `${r.status}${o.stopReason === 'time-budget' ? ' (time budget)' : ''}, ${plural(r.steps ?? 0, 'step')}${time}${r.error ? `: ${r.error}` : ''}`;
    case 'interrupted': return `interrupted after ${plural(r.steps ?? 0, 'step')}; rerun the same command to redo it`;
    case 'failed': return `failed: ${o.error}`;
  }
}

/**
 * Progress of `sfn run`: on a terminal one cli-progress bar per worker; otherwise (logs, CI) plain
 * lines: a run's start, every tenth of it, and its end.
 */
export class ProgressDisplay {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<number, cliProgress.SingleBar>();
  private readonly lastTenth = new Map<number, number>();

  constructor(private readonly workers: number, tty: boolean, private readonly out: NodeJS.WritableStream = process.stdout) {
    this.multi = tty
      ? new cliProgress.MultiBar(
          {
            format: '{who} [{bar}] {value}/{total} steps | train {train} | val {val} | test {test} | eta {eta_formatted}',
            stream: out,
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  private who(worker: number, job: RunJob): string {
    return this.workers > 1 ? `[w${worker + 1}] ${runName(job)}` : runName(job);
  }

  /** a line above the bars (or a plain line) */
  log(line: string): void {
    if (this.multi) this.multi.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  handle(e: ExecutorEvent): void {
    switch (e.type) {
      case 'ready':
        return;
      case 'start':
        this.lastTenth.set(e.worker, 0);
        if (this.multi) {
          const old = this.bars.get(e.worker);
          if (old) this.multi.remove(old);
          this.bars.set(e.worker, this.multi.create(1, 0, { who: this.who(e.worker, e.job), train: '-', val: '-', test: '-' }));
        }
        this.log(`${this.who(e.worker, e.job)}: started (run ${e.runId}${e.redone ? ', redoing an unfinished run' : ''})`);
        return;
      case 'progress':
        this.progress(e.worker, e.job, e.progress);
        return;
      case 'done':
        if (e.outcome.run.steps != null) this.bars.get(e.worker)?.update(e.outcome.run.steps);
        this.log(`${this.who(e.worker, e.job)}: ${describeOutcome(e.outcome)}`);
        return;
      case 'error':
        this.log(`${e.job ? this.who(e.worker, e.job) : `worker ${e.worker + 1}`}: error: ${e.message}`);
        return;
    }
  }

  private progress(worker: number, job: RunJob, p: JobProgress): void {
    if (this.multi) {
      const bar = this.bars.get(worker);
      if (!bar) return;
      bar.setTotal(p.total);
      bar.update(p.step, { train: fmt(p.trainLoss), val: fmt(p.valLoss), test: fmt(p.testLoss) });
      return;
    }
    const tenth = Math.floor((10 * p.step) / p.total);
    if (tenth > (this.lastTenth.get(worker) ?? 0) && tenth < 10) {
      this.lastTenth.set(worker, tenth);
      this.log(`${this.who(worker, job)}: step ${p.step}/${p.total} train ${fmt(p.trainLoss)} val ${fmt(p.valLoss)} test ${fmt(p.testLoss)}`);
    }
  }

  stop(): void {
    if (!this.multi) return;
    if (this.multi.isActive) this.multi.update(); // writes log lines still buffered
    this.multi.stop();
  }
}
