import type { Report } from './build-report.js';
import type { CurveAxis } from './curves.js';
import { formatMedianError } from './format-number.js';
import { lossInfo, PLOTTED_LOSSES, type LossId } from './losses.js';
import type { Ranking } from './ranking.js';
import { renderBarChart } from './svg-bars.js';
import { PALETTE, renderLinePlot, type SeriesSpec } from './svg-plot.js';

/** One SVG file of the report. */
export interface PlotFile {
  file: string;
  title: string;
  setting: string;
  kind: 'curve' | 'ranking';
  svg: string;
}

/** "UCI Energy #3" -> "uci-energy-3" */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'setting';
}

/** The same colour for an optimiser label in every plot of the report. */
export function colourMap(report: Report): Map<string, string> {
  const labels = [...new Set(report.stats.map((s) => s.group.label))];
  return new Map(labels.map((l, i) => [l, PALETTE[i % PALETTE.length]]));
}

const AXIS_LABEL: Record<CurveAxis, string> = {
  step: 'Step',
  wall: 'Runtime (s), evaluation included',
  compute: 'Runtime (s), evaluation excluded',
};

/**
 * Figures 2-4 and 6-8: per setting, median training and test loss against runtime and against
 * steps, log-log, one line (bootstrap mean of the median) and band (± one standard deviation of the
 * resampled medians) per optimiser. Needs a report built with curves.
 */
export function curvePlots(report: Report): PlotFile[] {
  const colours = colourMap(report);
  const settings = [...new Set(report.stats.map((s) => s.group.setting))];
  const out: PlotFile[] = [];
  for (const setting of settings) {
    const groups = report.stats.filter((s) => s.group.setting === setting);
    for (const loss of PLOTTED_LOSSES) {
      for (const axis of ['step', report.time] as CurveAxis[]) {
        const series: SeriesSpec[] = [];
        for (const g of groups) {
          const c = g.curves?.[loss]?.[axis];
          if (!c) throw new Error('curvePlots: the report was built without curves (buildReport with curves: true)');
          if (c.x.length === 0) continue;
          series.push({
            label: `${g.group.title} (${c.runs})`,
            x: c.x,
            y: c.estimate,
            color: colours.get(g.group.label),
            band: {
              lower: Float64Array.from(c.estimate, (m, i) => m - c.error[i]),
              upper: Float64Array.from(c.estimate, (m, i) => m + c.error[i]),
            },
          });
        }
        clipBandsToAxis(series);
        const what = lossInfo(loss).title;
        const against = axis === 'step' ? 'step' : 'time';
        const title = `${setting}: ${what.toLowerCase()} against ${against}`;
        out.push({
          file: `${slug(setting)}-${loss}-loss-vs-${against}.svg`,
          title,
          setting,
          kind: 'curve',
          svg: renderLinePlot({
            title,
            width: 720,
            height: 440,
            x: { label: AXIS_LABEL[axis], scale: 'log' },
            y: { label: `${what} (median of runs)`, scale: 'log' },
            series,
          }),
        });
      }
    }
  }
  return out;
}

/** How far below the lowest line the axis may reach to show band edges (a factor). */
const BAND_DEPTH = 4;

/**
 * On a log axis a band whose lower edge is at or below zero cannot be drawn; like matplotlib, draw
 * it down to the bottom of the axis. The bottom is set by the lines: BAND_DEPTH below the lowest of
 * them, and lower band edges beyond it are drawn to it — a median ± sd band of a few heavy-tailed
 * runs would otherwise stretch the axis over decades where no line is and flatten every curve.
 */
export function clipBandsToAxis(series: SeriesSpec[]): void {
  let lowestLine = Infinity;
  for (const s of series) for (let i = 0; i < s.y.length; i++) if (s.y[i] > 0) lowestLine = Math.min(lowestLine, s.y[i]);
  if (!Number.isFinite(lowestLine)) return;
  let floor = lowestLine;
  for (const s of series) for (let i = 0; i < s.band!.lower.length; i++) if (s.band!.lower[i] > 0) floor = Math.min(floor, s.band!.lower[i]);
  floor = Math.max(floor, lowestLine / BAND_DEPTH);
  for (const s of series) {
    const lower = Float64Array.from(s.band!.lower);
    for (let i = 0; i < lower.length; i++) if (Number.isFinite(s.y[i]) && !(lower[i] >= floor)) lower[i] = floor;
    s.band = { ...s.band!, lower };
  }
}

/** Figure 5: per setting, the optimisers ranked by lowest training and by lowest test loss. */
export function rankingPlots(report: Report): PlotFile[] {
  const colours = colourMap(report);
  return report.rankings.map((r: Ranking) => {
    const what = lossInfo(r.loss as LossId).title.toLowerCase();
    const title = `${r.setting}: lowest ${what}, ranked`;
    return {
      file: `${slug(r.setting)}-ranking-${r.loss}.svg`,
      title,
      setting: r.setting,
      kind: 'ranking' as const,
      svg: renderBarChart({
        title,
        valueLabel: `lowest ${what} (median of runs ± bootstrap error)`,
        width: 720,
        entries: r.entries.map((e) => ({
          label: `${e.rank ? `${e.rank}. ` : ''}${e.algorithm}`,
          value: e.n ? e.estimate : NaN,
          error: e.error,
          text: e.n ? formatMedianError(e.estimate, e.error) + (e.diverged ? ` (${e.diverged} diverged)` : '') : 'no finite value',
          color: colours.get(e.label) ?? PALETTE[0],
        })),
      }),
    };
  });
}
