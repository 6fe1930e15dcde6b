import type { Report } from './build-report.js';
import { rankingsBySetting, rankingText, reportNotes, table5Text, type TextTable } from './text-tables.js';

export function markdownTable(t: TextTable): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const rule = `|${t.numeric.map((n) => (n ? '---:' : ':---')).join('|')}|`;
  return [line(t.headers), rule, ...t.rows.map(line)].join('\n');
}

/** The whole report as Markdown: Table 5, the rankings per setting, the notes. */
export function renderMarkdown(report: Report): string {
  if (report.table.length === 0) return `No runs in ${report.db} match the filters.\n\n${notesMarkdown(report)}`;
  const parts = [
    '## Final losses (Table 5 layout)',
    '',
    markdownTable(table5Text(report)),
    '',
    '## Lowest losses, ranked (Figure 5)',
  ];
  for (const s of rankingsBySetting(report)) parts.push('', `### ${s.setting}`, '', markdownTable(rankingText(s.training, s.test)));
  parts.push('', notesMarkdown(report));
  return parts.join('\n');
}

function notesMarkdown(report: Report): string {
  return ['Notes:', ...reportNotes(report).map((n) => `- ${n}`)].join('\n') + '\n';
}
