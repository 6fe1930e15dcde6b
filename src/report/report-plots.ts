import type { Report } from './build-report.js';
import { CURVE_BAND } from './bootstrap.js';
import type { CurveAxis } from './curves.js';
import { formatMedianError } from './format-number.js';
import { lossInfo, PLOTTED_LOSSES, type LossId } from './losses.js';
import type { Ranking } from './ranking.js';
import { renderBarChart } from './svg-bars.js';
import { PALETTE, renderLinePlot, type SeriesSpec } from './svg-plot.js';
import { plural } from '../util/plural.js';

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

/** The legend's words for the circles on a line. */
export const MARKS_LABEL = 'a run ends';

/** How the curve plots are drawn, for the notes under them. */
export const CURVES_DESCRIPTION =
  `Lines: bootstrap mean of the median over runs; bands: ${CURVE_BAND.description} (positive, so they never reach the bottom of a log axis); ` +
  'the number in brackets is the runs that entered. A line goes on to the end of the longest run: a circle marks where one of its runs ends, ' +
  'and after it the median is over the runs still going (a diverged run holds its last finite value instead).';

/**
 * Figures 2-4 and 6-8: per setting, median training and test loss against runtime and against
 * steps, log-log, one line (bootstrap mean of the median), band (CURVE_BAND) and end marks per
 * optimiser (CURVES_DESCRIPTION). Needs a report built with curves.
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
            label: `${g.group.title} (${plural(c.runs, 'run')})`,
            x: c.x,
            y: c.estimate,
            color: colours.get(g.group.label),
            band: { lower: c.lower, upper: c.upper },
            marks: c.ends,
          });
        }
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
            marksLabel: MARKS_LABEL,
          }),
        });
      }
    }
  }
  return out;
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
