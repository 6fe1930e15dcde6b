import { plural } from '../util/plural.js';
import { estimateSeconds, formatSeconds } from './eta.js';
import type { ExecutorEvent } from './executor.js';
import type { JobOutcome, JobProgress, RunJob } from './job.js';
import { LiveLines, fit, type TerminalOut } from './live-lines.js';

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
    case 'gave-up': return `failed: ${r.error}`;
    case 'finished': return `${r.status}${o.stopReason === 'time-budget' ? ' (time budget)' : ''}, ${plural(r.steps ?? 0, 'step')}${time}${r.error ? `: ${r.error}` : ''}`;
    case 'interrupted': return `interrupted after ${plural(r.steps ?? 0, 'step')}; rerun the same command to redo it`;
    case 'failed': return `failed: ${o.error}`;
  }
}

export interface ProgressOptions {
  /** runs this invocation is to run: the n of "run k of n" */
  runs: number;
  workers: number;
  /** a terminal: bars kept up to date at the bottom; otherwise (logs, CI) plain lines */
  tty: boolean;
  /** where progress goes (default process.stdout) */
  out?: TerminalOut;
  /** where warnings go (default process.stderr) */
  err?: { write(text: string): unknown };
  /** clock in milliseconds (default Date.now) */
  now?: () => number;
}

/** A run in progress on one worker. */
interface Slot {
  job: RunJob;
  /** k: the how-manieth run of this invocation */
  index: number;
  startedAt: number;
  progress?: JobProgress;
}

const BAR_MAX = 24;
const BAR_MIN = 8;

/**
 * Progress of `sfn run`. On a terminal: an overall line "run k of n, m done, ETA ..." (with one
 * worker also the run's bar and losses; with several, one such line per worker above it), redrawn in
 * place, with finished runs and warnings printed above it and the whole region erased at the end, so
 * nothing stale stays on the screen. Otherwise plain lines: a run's start, every tenth of it, its end.
 */
export class ProgressDisplay {
  private readonly live: LiveLines | null;
  private readonly out: TerminalOut;
  private readonly err: { write(text: string): unknown };
  private readonly now: () => number;
  private readonly slots = new Map<number, Slot>();
  private readonly lastTenth = new Map<number, number>();
  /** seconds each finished run took */
  private readonly durations: number[] = [];
  private started = 0;
  private done = 0;

  constructor(private readonly options: ProgressOptions) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.live = options.tty ? new LiveLines(this.out) : null;
  }

  private who(worker: number, job: RunJob): string {
    return this.options.workers > 1 ? `[w${worker + 1}] ${runName(job)}` : runName(job);
  }

  /** a line above the live lines (or a plain line) on stdout */
  log(line: string): void {
    if (this.live) this.live.printAbove(`${line}\n`, this.lines());
    else this.out.write(`${line}\n`);
  }

  /** a line on stderr, above the live lines so it never lands on a bar */
  warn(line: string): void {
    if (this.live) {
      this.live.printAbove('', []); // erase the bars, then the line on its own stream, then the bars again
      this.err.write(`${line}\n`);
      this.live.render(this.lines());
    } else {
      this.err.write(`${line}\n`);
    }
  }

  handle(e: ExecutorEvent): void {
    switch (e.type) {
      case 'ready':
        return;
      case 'start': {
        this.started++;
        this.slots.set(e.worker, { job: e.job, index: this.started, startedAt: this.now() });
        this.lastTenth.set(e.worker, 0);
        const redone = e.redone ? ', redoing an unfinished run' : '';
        if (!this.live) this.log(`${this.who(e.worker, e.job)}: started (run ${this.started} of ${this.options.runs}, id ${e.runId}${redone})`);
        else if (e.redone) this.log(`${this.who(e.worker, e.job)}: redoing unfinished run ${e.runId}`);
        else this.live.render(this.lines());
        return;
      }
      case 'progress': {
        const slot = this.slots.get(e.worker);
        if (slot) slot.progress = e.progress;
        if (this.live) this.live.render(this.lines());
        else this.plainProgress(e.worker, e.job, e.progress);
        return;
      }
      case 'done': {
        const slot = this.slots.get(e.worker);
        this.slots.delete(e.worker);
        if (!slot) this.started++; // skipped without starting
        else if (e.outcome.kind === 'finished') this.durations.push((this.now() - slot.startedAt) / 1000);
        // an interrupted run is not done: the invocation is stopping, and a rerun redoes it
        if (e.outcome.kind !== 'interrupted') this.done++;
        const eta = this.eta();
        const counts = e.outcome.kind !== 'interrupted' && this.done < this.options.runs ? `; ${this.done} of ${this.options.runs} done${eta ? `, ETA ${eta}` : ''}` : '';
        this.log(`${this.who(e.worker, e.job)}: ${describeOutcome(e.outcome)}${counts}`);
        return;
      }
      case 'error':
        this.log(`${e.job ? this.who(e.worker, e.job) : `worker ${e.worker + 1}`}: error: ${e.message}`);
        return;
    }
  }

  /** Ends the display: the live lines are erased (what was printed above them stays). */
  stop(): void {
    this.live?.close();
  }

  private eta(): string | undefined {
    const t = this.now();
    const active = [...this.slots.values()].map((s) => ({
      elapsed: (t - s.startedAt) / 1000,
      fraction: s.progress && s.progress.total > 0 ? Math.min(1, s.progress.step / s.progress.total) : 0,
    }));
    const remaining = Math.max(0, this.options.runs - this.done - active.length);
    const seconds = estimateSeconds(this.durations, active, remaining, this.options.workers);
    return seconds === undefined ? undefined : formatSeconds(seconds);
  }

  /** The live lines: with several workers one per running run, then the overall line. */
  private lines(): string[] {
    const width = this.live?.width() ?? 80;
    const slots = [...this.slots.entries()].sort(([a], [b]) => a - b);
    const running = slots.map(([, s]) => s.index).sort((a, b) => a - b);
    const which = running.length > 1 ? `runs ${running.join(', ')}` : `run ${running[0] ?? Math.min(this.started + 1, this.options.runs)}`;
    const eta = this.eta();
    const overall = `${which} of ${this.options.runs}, ${this.done} done, ETA ${eta ?? '?'}`;
    if (this.options.workers <= 1) {
      const slot = slots[0]?.[1];
      return [slot ? runLine(`${overall} | ${runName(slot.job)}`, slot.progress, width) : overall];
    }
    return [...slots.map(([w, s]) => runLine(this.who(w, s.job), s.progress, width)), overall];
  }

  private plainProgress(worker: number, job: RunJob, p: JobProgress): void {
    const tenth = Math.floor((10 * p.step) / p.total);
    if (tenth > (this.lastTenth.get(worker) ?? 0) && tenth < 10) {
      this.lastTenth.set(worker, tenth);
      this.log(`${this.who(worker, job)}: step ${p.step}/${p.total} train ${fmt(p.trainLoss)} val ${fmt(p.valLoss)} test ${fmt(p.testLoss)}`);
    }
  }
}

/**
 * "<head> [████░░░░] 150/300 | train 0.006 val 0.007 test 0.007", fitted to `width`: the bar
 * shrinks first, then validation and test losses go, then the bar, then the step count; the
 * training loss stays as long as the head leaves room for it.
 */
function runLine(head: string, p: JobProgress | undefined, width: number): string {
  if (!p) return fit(`${head} | starting`, width);
  const steps = `${p.step}/${p.total}`;
  const train = `train ${fmt(p.trainLoss)}`;
  for (const loss of [`${train} val ${fmt(p.valLoss)} test ${fmt(p.testLoss)}`, train]) {
    const room = width - [...`${head} [] ${steps} | ${loss}`].length;
    if (room >= BAR_MIN) return `${head} [${bar(p.step / p.total, Math.min(BAR_MAX, room))}] ${steps} | ${loss}`;
  }
  const withSteps = `${head} ${steps} | ${train}`;
  return fit([...withSteps].length <= width ? withSteps : `${head} | ${train}`, width);
}

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}
