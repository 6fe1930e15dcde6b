/**
 * What a terminal shows after receiving `raw`: a small VT100 interpreter for the sequences a
 * progress display uses (CR, LF, backspace, cursor up/down/left/right/column, erase in display and
 * in line, hide/show cursor, autowrap on/off, colours), with xterm's deferred wrap at the right
 * margin. The screen
 * has no bottom (nothing scrolls away), so the result is the whole session as it stands at the end.
 * Any other escape sequence throws: a display using one must be taught here first, not ignored.
 * With `join`, rows the terminal wrapped are joined back into the lines that were written (as
 * `tmux capture-pane -J` does).
 */
export function terminalScreen(raw: string, columns: number, options: { join?: boolean } = {}): string[] {
  const rows: string[][] = [[]];
  const wrapped = new Set<number>(); // rows continued on the next by the right margin
  let r = 0;
  let c = 0; // c === columns: the next printable character wraps first
  let autowrap = true;
  const row = (i: number): string[] => {
    while (rows.length <= i) rows.push([]);
    return rows[i];
  };
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '\u001b') {
      if (chars[i + 1] !== '[') throw new Error(`unsupported escape sequence ESC ${JSON.stringify(chars[i + 1])}`);
      let j = i + 2;
      let params = '';
      while (j < chars.length && /[0-9;?]/.test(chars[j])) params += chars[j++];
      const final = chars[j];
      i = j;
      const n = Math.max(1, Number(params.replace('?', '').split(';')[0] || '1'));
      const p0 = Number(params.split(';')[0] || '0');
      switch (final) {
        case 'A': r = Math.max(0, r - n); c = Math.min(c, columns - 1); break;
        case 'B': r += n; row(r); c = Math.min(c, columns - 1); break;
        case 'C': c = Math.min(columns - 1, c + n); break;
        case 'D': c = Math.max(0, Math.min(c, columns - 1) - n); break;
        case 'G': c = Math.min(columns - 1, n - 1); break;
        case 'J':
          if (p0 === 0) {
            row(r).length = Math.min(row(r).length, c);
            rows.length = r + 1;
            for (const w of wrapped) if (w >= r) wrapped.delete(w);
          } else if (p0 === 2) {
            for (const line of rows) line.fill(' ');
          } else throw new Error(`unsupported erase in display ${params}`);
          break;
        case 'K':
          if (p0 === 0) row(r).length = Math.min(row(r).length, c);
          else if (p0 === 2) row(r).fill(' ');
          else throw new Error(`unsupported erase in line ${params}`);
          wrapped.delete(r);
          break;
        case 'm': break; // colours
        case 'h': case 'l':
          if (params === '?7') autowrap = final === 'h';
          else if (params !== '?25') throw new Error(`unsupported mode ESC[${params}${final}`); // ?25: cursor shown / hidden
          break;
        default:
          throw new Error(`unsupported escape sequence ESC[${params}${final ?? ''}`);
      }
    } else if (ch === '\r') {
      c = 0;
    } else if (ch === '\n') {
      r++;
      row(r);
    } else if (ch === '\b') {
      c = Math.max(0, Math.min(c, columns - 1) - 1);
    } else if (ch === '\u0007') {
      // bell
    } else {
      if (c >= columns && !autowrap) {
        c = columns - 1;
      } else if (c >= columns) {
        wrapped.add(r);
        r++;
        c = 0;
      }
      const line = row(r);
      while (line.length < c) line.push(' ');
      line[c++] = ch;
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const text = rows[i].join('');
    if (options.join && i > 0 && wrapped.has(i - 1)) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  for (let i = 0; i < lines.length; i++) lines[i] = lines[i].replace(/\s+$/, '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
