import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Report } from './build-report.js';
import type { MedianCurve } from './curves.js';
import { renderCsv, renderRankingCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { curvePlots, rankingPlots } from './report-plots.js';

/**
 * Writes the report into a folder: the SVG plots, index.html showing tables and plots together,
 * and the tables as report.md, table5.csv, ranking.csv, report.json, plus the curves as
 * curves.json. Returns the paths written.
 */
export function writeReportFolder(report: Report, dir: string): string[] {
  checkReportFolder(dir);
  mkdirSync(dir, { recursive: true });
  const plots = [...rankingPlots(report), ...curvePlots(report)];
  const files: [string, string][] = [
    ...plots.map((p): [string, string] => [p.file, p.svg]),
    ['index.html', renderHtml(report, plots)],
    ['report.md', renderMarkdown(report)],
    ['table5.csv', renderCsv(report)],
    ['ranking.csv', renderRankingCsv(report)],
    ['report.json', renderJson(report)],
    ['curves.json', curvesJson(report)],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}

/**
 * Throws one clear line when `dir` cannot be the report's folder: it, or the nearest part of its
 * path that exists, is a file. Called before the report is computed, so a typo fails at once.
 */
export function checkReportFolder(dir: string): void {
  for (let p = dir; ; p = dirname(p)) {
    if (existsSync(p)) {
      if (statSync(p).isDirectory()) return;
      throw new Error(
        p === dir
          ? `${dir} is a file, not a folder: name a folder for the plots and tables (it is created if missing)`
          : `cannot make the folder ${dir}: ${p} is a file; name a folder for the plots and tables (it is created if missing)`,
      );
    }
    if (dirname(p) === p) return;
  }
}

function curvesJson(report: Report): string {
  const plain = (c: MedianCurve | undefined) =>
    c && { runs: c.runs, x: [...c.x], estimate: [...c.estimate], error: [...c.error], lower: [...c.lower], upper: [...c.upper], ends: [...c.ends] };
  const body = report.stats.map((s) => ({
    setting: s.group.setting,
    experiment: s.group.experiment,
    optimiser: s.group.label,
    curves: Object.fromEntries(
      Object.entries(s.curves ?? {}).map(([loss, byAxis]) => [
        loss,
        Object.fromEntries(Object.entries(byAxis ?? {}).map(([axis, c]) => [axis, plain(c)])),
      ]),
    ),
  }));
  return JSON.stringify({ time: report.time, resamples: report.resamples, seed: report.seed, groups: body }) + '\n';
}
