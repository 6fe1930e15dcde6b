/** `sfn report`: bootstrap-median tables (Table 5 layout), rankings (Figure 5) and loss-curve plots from the results database. */
import { Option, type Command } from 'commander';
import { RUN_STATUSES, type RunStatus } from '../store/types.js';
import { DEFAULT_RESAMPLES } from '../report/bootstrap.js';
import { buildReport, DEFAULT_CURVE_POINTS, type TimeClock } from '../report/build-report.js';
import { renderCsv } from '../report/render-csv.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { DEFAULT_STATUSES } from '../report/select-runs.js';
import { checkReportFolder, writeReportFolder } from '../report/write-report.js';
import { collectNames, integerOption } from './options.js';
import { resolveStorage, storageOptions, type StorageFlags } from './storage.js';
import { plural } from '../util/plural.js';

interface ReportCliOptions extends StorageFlags {
  experiment?: string[];
  optimiser?: string[];
  status?: string[];
  format: 'markdown' | 'csv' | 'json';
  resamples: number;
  seed: number;
  time: TimeClock;
  gridPoints: number;
  plots?: string;
  paper?: boolean;
  study?: string;
}


export function registerReportCommand(program: Command): void {
  const command = program
    .command('report')
    .description(
      'bootstrap-median tables (the paper\'s Table 5 layout), rankings of lowest losses (Figure 5) and, with --plots, ' +
        'SVG loss curves and an index.html, from the runs recorded by `sfn run`',
    )
    .option('--experiment <names>', 'only these experiments (repeat or comma-separate)', collectNames)
    .option('--optimiser <names>', 'only these optimisers, by name (ours) or with preset (ours:paper); repeat or comma-separate', collectNames)
    .option(
      '--status <statuses>',
      `only runs with these statuses (${RUN_STATUSES.join(', ')}, or all); default ${DEFAULT_STATUSES.join(',')}`,
      collectNames,
    )
    .addOption(
      new Option('--format <format>', 'table format on stdout (csv: the Table 5 rows; json: everything, full precision)')
        .choices(['markdown', 'csv', 'json'])
        .default('markdown'),
    )
    .option('--resamples <n>', 'bootstrap resamples of the runs', integerOption('--resamples', 1), DEFAULT_RESAMPLES)
    .option('--seed <n>', 'seed of the bootstrap resampling', integerOption('--seed', 0), 0)
    .addOption(
      new Option('--time <clock>', 'time axis of the curves: wall (evaluation included, as the paper) or compute (evaluation excluded)')
        .choices(['wall', 'compute'])
        .default('wall'),
    )
    .option('--grid-points <n>', 'points of the common grid the curves are interpolated onto', integerOption('--grid-points', 2), DEFAULT_CURVE_POINTS)
    .option('--plots <dir>', 'also write SVG plots, index.html and the tables (md, csv, json) into this folder')
    .option('--paper', "add the paper's Table 5 values beside ours, with the difference in units of the paper's error")
    .option('--study <name>', 'instead: an `sfn tune` study\'s trials (table) and every trial\'s curve with the rungs (SVG, into --plots or beside the database)');
  storageOptions(command, false)
    .action(async (opts: ReportCliOptions, cmd: Command) => {
      const target = resolveStorage(opts, cmd);
      if (opts.study !== undefined) {
        try {
          const { reportStudy } = await import('../tune/study-report.js'); // the database driver only when it is used
          const svg = await reportStudy(target, opts.study, { format: opts.format, plots: opts.plots });
          process.stderr.write(`wrote ${svg}\n`);
        } catch (err) {
          cmd.error(`error: ${(err as Error).message}`, { exitCode: 1 });
        }
        return;
      }
      const statuses = parseStatuses(opts.status, cmd);
      // bad files are one line each (main.ts prints them): thrown, not cmd.error, which adds the usage
      if (opts.plots !== undefined) {
        try {
          checkReportFolder(opts.plots);
        } catch (err) {
          throw new Error(`--plots ${(err as Error).message}`, { cause: err });
        }
      }
      const { openResults } = await import('../report/open-results.js'); // the database driver only when it is used
      const store = await openResults(target);
      try {
        const report = await buildReport(store, {
          experiments: opts.experiment,
          optimisers: opts.optimiser,
          statuses,
          resamples: opts.resamples,
          seed: opts.seed,
          time: opts.time,
          curves: opts.plots !== undefined,
          curvePoints: opts.gridPoints,
          paper: opts.paper ?? false,
        });
        const text = opts.format === 'csv' ? renderCsv(report) : opts.format === 'json' ? renderJson(report) : renderMarkdown(report);
        process.stdout.write(text);
        if (opts.plots !== undefined) {
          const written = writeReportFolder(report, opts.plots);
          process.stderr.write(`wrote ${plural(written.length, 'file')} to ${opts.plots} (open ${opts.plots.replace(/\/$/, '')}/index.html)\n`);
        }
      } finally {
        await store.close();
      }
    });
}

function parseStatuses(values: string[] | undefined, cmd: Command): RunStatus[] | undefined {
  if (values === undefined) return undefined;
  if (values.includes('all')) return [...RUN_STATUSES];
  const unknown = values.filter((v) => !(RUN_STATUSES as readonly string[]).includes(v));
  if (unknown.length) {
    cmd.error(`error: unknown --status ${unknown.map((u) => `'${u}'`).join(', ')}; use ${RUN_STATUSES.join(', ')} or all`, { exitCode: 2 });
  }
  return [...new Set(values)] as RunStatus[];
}
