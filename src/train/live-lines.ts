/**
 * A few lines kept up to date at the bottom of a terminal (progress bars), with ordinary lines
 * printed above them. After each frame the cursor rests at the start of the line below the region,
 * so what the terminal itself echoes there (^C) is erased by the next frame instead of landing on a
 * bar; lines are cut to the terminal's width so none wraps (a wrapped line would leave a stale copy
 * behind, as the redraw moves up by lines, not rows). Every frame is one write.
 */

/** The part of a terminal stream this needs (process.stdout is one). */
export interface TerminalOut {
  write(text: string): unknown;
  columns?: number;
}

const UP = (n: number): string => `\u001b[${n}A`;
const ERASE_DOWN = '\u001b[J';
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';

export class LiveLines {
  private shown = 0;
  private cursorHidden = false;
  private readonly restoreCursor = (): void => {
    if (this.cursorHidden) this.out.write(SHOW_CURSOR);
  };

  constructor(private readonly out: TerminalOut) {}

  /** Columns a line may use: one less than the terminal's, so the cursor never wraps (80 if unknown). */
  width(): number {
    return Math.max(10, (this.out.columns || 80) - 1);
  }

  /** Replaces the region's lines with these. */
  render(lines: readonly string[]): void {
    this.out.write(this.erase() + this.draw(lines));
  }

  /** Prints `text` (whole lines, each ending in a newline) above the region, then redraws `lines`. */
  printAbove(text: string, lines: readonly string[]): void {
    this.out.write(this.erase() + text + this.draw(lines));
  }

  /** Removes the region for good (its lines erased, the cursor shown again). */
  close(text = ''): void {
    this.out.write(this.erase() + text + (this.cursorHidden ? SHOW_CURSOR : ''));
    this.cursorHidden = false;
    process.off('exit', this.restoreCursor);
  }

  private erase(): string {
    const up = this.shown > 0 ? UP(this.shown) : '';
    this.shown = 0;
    return `${up}\r${ERASE_DOWN}`;
  }

  private draw(lines: readonly string[]): string {
    let hide = '';
    if (!this.cursorHidden && lines.length > 0) {
      this.cursorHidden = true;
      hide = HIDE_CURSOR;
      process.once('exit', this.restoreCursor); // a second Ctrl-C exits at once: leave the cursor visible
    }
    this.shown = lines.length;
    const w = this.width();
    return hide + lines.map((l) => `${fit(l, w)}\n`).join('');
  }
}

/** The line cut to `width` characters (code points), with an ellipsis where it was cut. */
export function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}
