import type { Report } from './build-report.js';
import { CURVES_DESCRIPTION, type PlotFile } from './report-plots.js';
import { rankingsBySetting, rankingText, reportNotes, table5Text, type TextTable } from './text-tables.js';
import { escapeXml as escape } from './svg-plot.js';
import { plural } from '../util/plural.js';

function htmlTable(t: TextTable): string {
  const cell = (tag: string, text: string, i: number) => `<${tag}${t.numeric[i] ? ' class="num"' : ''}>${escape(text)}</${tag}>`;
  return [
    '<div class="wide"><table>',
    `<thead><tr>${t.headers.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`,
    '<tbody>',
    ...t.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`),
    '</tbody>',
    '</table></div>',
  ].join('\n');
}

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 16px; color: #222; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ccc; } h3 { font-size: 16px; }
.wide { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: left; white-space: nowrap; }
th { background: #f2f2f2; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plots figure { margin: 0; flex: 1 1 560px; max-width: 720px; } .plots img { width: 100%; height: auto; border: 1px solid #eee; }
.meta, .notes { color: #555; font-size: 13px; } .notes li { margin: 4px 0; }
`;

/** index.html: the tables, the rankings with their bar charts and the loss curves of every setting. */
export function renderHtml(report: Report, plots: readonly PlotFile[]): string {
  const img = (p: PlotFile) => `<figure><img src="${escape(p.file)}" alt="${escape(p.title)}"></figure>`;
  const runs = report.stats.reduce((a, s) => a + s.runs, 0);
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>sfn report</title>',
    `<style>${STYLE}</style></head><body>`,
    '<h1>sfn report</h1>',
    `<p class="meta">${escape(`${plural(runs, 'run')} in ${plural(report.stats.length, 'group')} from ${report.db}; generated ${report.generatedAt}; time axis: ${report.time === 'wall' ? 'wall-clock, evaluation included' : 'evaluation excluded'}.`)}</p>`,
  ];
  if (report.table.length === 0) {
    parts.push('<p>No runs match the filters.</p>');
  } else {
    parts.push('<h2>Final losses (Table 5 layout)</h2>', htmlTable(table5Text(report)));
    parts.push('<h2>Lowest losses, ranked (Figure 5)</h2>');
    for (const s of rankingsBySetting(report)) {
      parts.push(`<h3>${escape(s.setting)}</h3>`, htmlTable(rankingText(s.training, s.test)));
      parts.push(`<div class="plots">${plots.filter((p) => p.kind === 'ranking' && p.setting === s.setting).map(img).join('')}</div>`);
    }
    parts.push('<h2>Loss curves (Figures 2–4, 6–8)</h2>');
    parts.push(`<p class="meta">${escape(CURVES_DESCRIPTION)}</p>`);
    for (const setting of [...new Set(plots.filter((p) => p.kind === 'curve').map((p) => p.setting))]) {
      parts.push(`<h3>${escape(setting)}</h3>`);
      parts.push(`<div class="plots">${plots.filter((p) => p.kind === 'curve' && p.setting === setting).map(img).join('')}</div>`);
    }
  }
  parts.push('<h2>Notes</h2>', `<ul class="notes">${reportNotes(report).map((n) => `<li>${escape(n)}</li>`).join('')}</ul>`);
  parts.push('</body></html>', '');
  return parts.join('\n');
}
