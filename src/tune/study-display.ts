/**
 * Live view of `sfn tune`: a line when a trial starts and when it ends (with ASHA's reason), and a
 * status (trial counts, the best value so far with its configuration, each rung's cutoff) read from
 * the store: on a terminal one status line kept at the bottom and refreshed every second, otherwise
 * printed after every trial that ends.
 */
import type { StudyRecord, StudyStore } from '../store/study-types.js';
import type { ExecutorEvent } from '../train/executor.js';
import { formatConfig, formatTime, num } from './format.js';
import { formatCounts, trialEndLine } from './study-summary.js';

const REFRESH_MS = 1000;

export class StudyDisplay {
  private status = '';
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly studies: StudyStore,
    private readonly study: StudyRecord,
    private readonly workers: number,
    private readonly tty: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  start(): void {
    if (!this.tty) return;
    this.timer = setInterval(() => void this.queue(() => this.refresh()), REFRESH_MS);
    this.timer.unref();
  }

  /** a line above the status line */
  log(line: string): void {
    if (this.tty && this.status) this.out.write(`\r\x1b[2K${line}\n${this.status}`);
    else this.out.write(`${line}\n`);
  }

  handle(e: ExecutorEvent): void {
    const who = (worker: number) => (this.workers > 1 ? ` [w${worker + 1}]` : '');
    switch (e.type) {
      case 'start':
        if (e.job.trial) {
          const t = e.job.trial;
          this.log(`trial ${t.number}${who(e.worker)}: started (attempt ${t.attempt}, run ${e.runId}) ${formatConfig(this.configOf(e.job.config))}`);
        }
        return;
      case 'done':
        if (e.job.trial) {
          const id = e.job.trial.trialId;
          void this.queue(async () => {
            const t = await this.studies.getTrial(id);
            if (t) this.log(`${trialEndLine(this.study, t).replace(/^trial (\d+)/, `trial $1${who(e.worker)}`)}`);
            if (!this.tty) this.log(await this.statusText());
          });
        }
        return;
      case 'error':
        this.log(`${e.job?.trial ? `trial ${e.job.trial.number}` : `worker ${e.worker + 1}`}: error: ${e.message}`);
        return;
      default:
        return;
    }
  }

  /** Waits for queued store reads and clears the status line. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pending;
    if (this.tty && this.status) this.out.write('\r\x1b[2K');
    this.status = '';
  }

  async statusText(): Promise<string> {
    const s = this.study.settings;
    const p = await this.studies.studyProgress(this.study.id);
    const best = p.best ? `best ${s.metric} ${num(p.best.lastValue)} (trial ${p.best.number}: ${formatConfig(p.best.config)})` : 'no result yet';
    const rungs = p.rungs.map((r) => `${formatTime(r.milestone, s.timeAttr)}: ${r.cutoffValue === null ? 'empty' : `cutoff ${num(r.cutoffValue)}`} (${r.recorded})`);
    return `study ${this.study.name}: ${formatCounts(p)} | ${best}${rungs.length ? ` | rungs ${rungs.join(', ')}` : ''}`;
  }

  private async refresh(): Promise<void> {
    const text = await this.statusText();
    const width = (this.out as NodeJS.WriteStream).columns ?? 160;
    this.status = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
    this.out.write(`\r\x1b[2K${this.status}`);
  }

  /** store reads one after another, so lines keep their order */
  private queue(fn: () => Promise<void>): Promise<void> {
    this.pending = this.pending.then(fn).catch(() => {});
    return this.pending;
  }

  private configOf(config: Record<string, unknown>): Record<string, unknown> {
    const hp = (config.hyperparameters ?? {}) as Record<string, unknown>;
    const space = this.study.settings.space as { params: { name: string }[] };
    return Object.fromEntries(space.params.map((p) => [p.name, p.name === 'batchSize' ? config.batchSize : hp[p.name]]));
  }
}
