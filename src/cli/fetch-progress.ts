import cliProgress from 'cli-progress';
import type { FetchProgress } from '../data/types.js';

/**
 * A progress bar per file on a terminal, plain start/end lines otherwise (logs, CI), on stderr.
 * `quiet` leaves out the lines for files that were already there (cached or built in).
 */
export class FetchProgressPrinter {
  private bar: cliProgress.SingleBar | undefined;
  private current = '';
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly options: { quiet?: boolean } = {}) {}

  update(p: FetchProgress): void {
    const key = `${p.dataset}/${p.file}`;
    if (p.phase === 'cached') {
      this.stop();
      if (!this.options.quiet) console.error(`${key}: in cache, verified`);
      return;
    }
    if (p.phase === 'built-in') {
      this.stop();
      if (!this.options.quiet) console.error(`${key}: built into sfn, verified (${p.source})`);
      return;
    }
    if (p.phase === 'replace') {
      this.stop();
      console.error(`${key}: cached file failed its check (${p.problem}); fetching it again from ${p.source}`);
      return;
    }
    if (p.phase === 'done') {
      this.stop();
      console.error(`${key}: stored (${megabytes(p.total)}, checksum ok)`);
      return;
    }
    if (`${p.phase} ${key}` !== this.current) {
      this.stop();
      this.current = `${p.phase} ${key}`;
      const what = p.phase === 'verify' ? 'checking' : `fetching from ${p.source ?? '?'}`;
      if (!this.tty) {
        if (p.phase === 'download') console.error(`${key}: ${what}`);
        return;
      }
      this.bar = new cliProgress.SingleBar(
        { format: `${key} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total, 0);
    }
    this.bar?.update(p.bytes);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.current = '';
  }
}


export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1)} MB`;
}
