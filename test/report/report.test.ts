import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { openStore, type Store } from '../../src/store/index.js';
import { registerReportCommand } from '../../src/cli/report.js';
import { Rng } from '../../src/util/random.js';
import { bootstrapMedian } from '../../src/report/bootstrap.js';
import { buildReport } from '../../src/report/build-report.js';
import { derivedSeed } from '../../src/report/derived-seed.js';
import { renderCsv } from '../../src/report/render-csv.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { writeReportFolder } from '../../src/report/write-report.js';
import { recordRuns, tempDir, type HandRun, type Point } from './fixtures.js';
import { assertWellFormedSvg } from './xml.js';

/** five steps, loss falling from `start` to `end`, validation and test a bit above */
function falling(start: number, end: number, secondsPerStep = 0.5): Point[] {
  return Array.from({ length: 5 }, (_, step) => {
    const v = step === 4 ? end : start + ((end - start) * step) / 4;
    return { step, wall: (step + 1) * secondsPerStep, compute: (step + 1) * secondsPerStep * 0.8, train: v, val: v * 1.2, test: v * 1.1 };
  });
}

const RUNS: HandRun[] = [
  { experiment: 'uci-energy', optimiser: 'sgd', seed: 0, status: 'completed', points: falling(1, 0.3) },
  { experiment: 'uci-energy', optimiser: 'sgd', seed: 1, status: 'completed', points: falling(1, 0.25) },
  { experiment: 'uci-energy', optimiser: 'sgd', seed: 2, status: 'completed', points: falling(1, 0.4) },
  { experiment: 'uci-energy', optimiser: 'sgd', seed: 9, status: 'interrupted', points: falling(1, 0.9).slice(0, 2) },
  { experiment: 'uci-energy', optimiser: 'adam', seed: 0, status: 'completed', points: falling(0.5, 0.05) },
  { experiment: 'uci-energy', optimiser: 'adam', seed: 1, status: 'completed', points: falling(0.5, 0.07) },
  // diverged at step 3: its last finite training loss is 5 (and its lowest 0.5)
  {
    experiment: 'uci-energy', optimiser: 'adam', seed: 2, status: 'diverged',
    points: [...falling(0.5, 0.5).slice(0, 2), { step: 2, wall: 1.5, train: 5, val: 6, test: 5.5 }, { step: 3, wall: 2, train: NaN, val: NaN, test: NaN }],
  },
  // diverged at once: no finite value at all
  { experiment: 'uci-energy', optimiser: 'adam', seed: 3, status: 'diverged', points: [{ step: 0, wall: 0.4, train: NaN, val: NaN, test: NaN }] },
  { experiment: 'uci-energy', optimiser: 'ours', preset: 'paper', seed: 0, status: 'completed', points: falling(2, 0.02, 2) },
  { experiment: 'uci-energy', optimiser: 'ours', preset: 'paper', seed: 1, status: 'completed', points: falling(2, 0.04, 2) },
  { experiment: 'my-toy', optimiser: 'sgd', seed: 0, status: 'completed', points: falling(3, 1) },
];

async function withStore<T>(fn: (store: Store, path: string, dir: string) => Promise<T>, runs: readonly HandRun[] = RUNS): Promise<T> {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    const store = await openStore(path);
    await recordRuns(store, runs);
    try {
      return await fn(store, path, dir);
    } finally {
      await store.close();
    }
  } finally {
    cleanup();
  }
}

test('Table 5 rows: paper order, presets named, diverged runs counted and entering with their last finite value', async () => {
  await withStore(async (store) => {
    const report = await buildReport(store, { resamples: 50, seed: 11 });
    assert.deepEqual(
      report.table.map((r) => [r.setting, r.algorithm, r.runs, r.diverged]),
      [
        ['UCI Energy', 'Ours [paper]', 2, 0],
        ['UCI Energy', 'SGD', 3, 0],
        ['UCI Energy', 'Adam', 4, 2],
        ['my-toy', 'SGD', 1, 0],
      ],
    );
    const adam = report.stats.find((s) => s.group.label === 'adam')!;
    // final training losses: 0.05, 0.07, 5 (the diverged run's last finite value); seed 3 has none
    assert.deepEqual(adam.losses.training.perRun.map((v) => v.final), [0.05, 0.07, 5, null]);
    assert.deepEqual(adam.losses.training.perRun.map((v) => v.lowest), [0.05, 0.07, 0.5, null]);
    assert.equal(adam.losses.training.missing, 1);
    const final = adam.losses.training.final;
    assert.equal(final.median, 0.07);
    assert.equal(final.n, 3);
    const expected = bootstrapMedian([0.05, 0.07, 5], 50, new Rng(derivedSeed(11, 'uci-energy', 'adam', 'training', 'final')));
    assert.deepEqual(final, expected);
    // the same numbers whatever else the filters keep
    const alone = await buildReport(store, { resamples: 50, seed: 11, optimisers: ['adam'] });
    assert.deepEqual(alone.stats[0].losses, adam.losses);

    const md = renderMarkdown(report);
    assert.match(md, /\| UCI Energy \| Ours \[paper\] \| 2 \|/);
    assert.match(md, /\| {2}\| Adam \| 4 \(2 diverged\) \| [0-9.e+-]+ ± [0-9.e+-]+ \(n=3\) \|/);
    assert.match(md, /Excluded by status: 1 interrupted \(include them with --status\)/);
    assert.match(md, /Diverged runs enter the medians with their last finite loss/);
    const csv = renderCsv(report).split('\n');
    assert.equal(csv[0], 'setting,algorithm,optimiser,runs,diverged,training_loss,training_loss_error,training_loss_n,test_loss,test_loss_error,test_loss_n,validation_loss,validation_loss_error,validation_loss_n');
    assert.match(csv[3], /^UCI Energy,Adam,adam,4,2,[^,]+,[^,]+,3,/);
  });
});

test('filters by experiment, optimiser label and status; unknown names are errors naming what exists', async () => {
  await withStore(async (store) => {
    const ours = await buildReport(store, { optimisers: ['ours:paper'], resamples: 5 });
    assert.deepEqual(ours.table.map((r) => r.label), ['ours:paper']);
    const toy = await buildReport(store, { experiments: ['my-toy'], resamples: 5 });
    assert.deepEqual(toy.table.map((r) => `${r.experiment}/${r.label}`), ['my-toy/sgd']);
    const all = await buildReport(store, { experiments: ['uci-energy'], optimisers: ['sgd'], statuses: ['completed', 'interrupted'], resamples: 5 });
    assert.equal(all.table[0].runs, 4);
    assert.deepEqual(all.excluded, {});
    const onlyDiverged = await buildReport(store, { statuses: ['diverged'], resamples: 5 });
    assert.deepEqual(onlyDiverged.table.map((r) => [r.label, r.runs, r.diverged]), [['adam', 2, 2]]);
    await assert.rejects(buildReport(store, { experiments: ['cifar'] }), /no runs of experiment 'cifar' in .*; recorded: .*uci-energy/);
    await assert.rejects(buildReport(store, { optimisers: ['kfac'] }), /no runs of optimiser 'kfac' .*recorded: adam, my-toy|recorded: .*ours:paper/);
  });
});

test('runs of one entry under different hyperparameters are separate rows, never pooled', async () => {
  const runs = [0, 1, 2].flatMap((seed): HandRun[] => [
    { experiment: 'uci-energy', optimiser: 'adam', seed, status: 'completed', points: falling(1, 0.1), hyperparameters: { lr: 0.1 } },
    { experiment: 'uci-energy', optimiser: 'adam', seed, status: 'completed', points: falling(1, 0.5), hyperparameters: { lr: 0.2 } },
    { experiment: 'uci-energy', optimiser: 'sgd', seed, status: 'completed', points: falling(1, 0.3) },
  ]);
  await withStore(async (store) => {
    const r = await buildReport(store, { resamples: 5 });
    assert.deepEqual(r.table.map((row) => row.runs), [3, 3, 3]);
    const titles = r.table.map((row) => row.algorithm);
    assert.equal(titles[0], 'SGD');
    assert.deepEqual(titles.slice(1).sort(), ['Adam {lr 0.1}', 'Adam {lr 0.2}'], 'named by what differs');
    const finals = r.table.slice(1).map((row) => row.cells.training.estimate).sort();
    assert.deepEqual(finals, [0.1, 0.5]);
  }, runs);
});

test('ranking of lowest losses is sorted, and --paper compares in units of the paper\'s error', async () => {
  await withStore(async (store) => {
    const report = await buildReport(store, { experiments: ['uci-energy'], resamples: 30, paper: true });
    const training = report.rankings.find((r) => r.loss === 'training')!;
    assert.deepEqual(training.entries.map((e) => e.label), ['ours:paper', 'adam', 'sgd']);
    assert.deepEqual(training.entries.map((e) => e.rank), [1, 2, 3]);
    const values = training.entries.map((e) => e.estimate);
    assert.deepEqual([...values].sort((a, b) => a - b), values);
    const sgd = report.table.find((r) => r.label === 'sgd')!;
    assert.ok(sgd.paper, 'UCI Energy SGD has a row in the paper');
    assert.equal(sgd.paper.training.median, 0.001947);
    assert.equal(sgd.paper.training.delta, (sgd.cells.training.estimate - 0.001947) / 0.0002);
    assert.equal(sgd.paper.validation.error, 0.00038);
    const md = renderMarkdown(report);
    assert.match(md, /Training Loss \(paper\) \| Δ\/σ/);
    assert.match(md, /\| SGD \| 3 \| [^|]+ \| 0\.001947 ± 0\.0002 \| \+\d+ \|/);
  });
});

test('a completed run whose last evaluation is not finite is left out of that median, not given an earlier value', async () => {
  const overflowed = falling(1, 0.2);
  overflowed[4] = { ...overflowed[4], test: Infinity };
  await withStore(async (store) => {
    const [row] = (await buildReport(store, { resamples: 5 })).table;
    assert.deepEqual([row.cells.test.n, row.cells.test.of], [1, 2]);
    assert.equal(row.cells.test.estimate, 0.3 * 1.1);
    assert.equal(row.cells.training.n, 2);
  }, [
    { experiment: 'uci-energy', optimiser: 'sgd', seed: 0, status: 'completed', points: falling(1, 0.3) },
    { experiment: 'uci-energy', optimiser: 'sgd', seed: 1, status: 'completed', points: overflowed },
  ]);
});

test('--paper compares only runs of the paper\'s setting; shortened runs are named in the notes', async () => {
  await withStore(async (store) => {
    const report = await buildReport(store, { resamples: 5, paper: true });
    const byLabel = Object.fromEntries(report.table.map((r) => [r.label, r]));
    assert.equal(byLabel.sgd.paper, undefined);
    assert.equal(byLabel.sgd.paperMismatch, '40 epochs, the paper ran 6000');
    assert.equal(byLabel.adam.paper, undefined);
    assert.equal(byLabel.adam.paperMismatch, 'stopped after 5 steps');
    assert.equal(byLabel['ours-adaptive:code'].paper?.training.median, 0.001029);
    assert.match(renderMarkdown(report), /Not compared with the paper because their runs are not its setting: UCI Energy SGD \(40 epochs, the paper ran 6000\); UCI Energy Adam \(stopped after 5 steps\)\./);
  }, [
    { experiment: 'uci-energy', optimiser: 'sgd', seed: 0, status: 'completed', points: falling(1, 0.3), epochs: 40 },
    { experiment: 'uci-energy', optimiser: 'adam', seed: 0, status: 'completed', points: falling(1, 0.3), maxSteps: 5 },
    { experiment: 'uci-energy', optimiser: 'ours-adaptive', preset: 'code', seed: 0, status: 'completed', points: falling(1, 0.3) },
  ]);
});

test('plots: well-formed SVGs with one path and band per optimiser, bar charts, and an index.html showing them', async () => {
  await withStore(async (store, _path, dir) => {
    const report = await buildReport(store, { experiments: ['uci-energy'], resamples: 20, curves: true, paper: true });
    const out = join(dir, 'report');
    const written = writeReportFolder(report, out).map((p) => p.slice(out.length + 1));
    const svgs = written.filter((f) => f.endsWith('.svg')).sort();
    assert.deepEqual(svgs, [
      'uci-energy-ranking-test.svg',
      'uci-energy-ranking-training.svg',
      'uci-energy-test-loss-vs-step.svg',
      'uci-energy-test-loss-vs-time.svg',
      'uci-energy-training-loss-vs-step.svg',
      'uci-energy-training-loss-vs-time.svg',
    ]);
    for (const f of svgs) {
      const svg = readFileSync(join(out, f), 'utf8');
      assertWellFormedSvg(svg);
      if (f.includes('-loss-vs-')) {
        const labels = [...svg.matchAll(/<path class="series" data-label="([^"]*)"/g)].map((m) => m[1]);
        assert.deepEqual(labels, ['Ours [paper] (2 runs)', 'SGD (3 runs)', 'Adam (3 runs)'], f);
        assert.equal((svg.match(/<path class="band"/g) ?? []).length, 3, f);
        assert.match(svg, f.endsWith('time.svg') ? /Runtime \(s\), evaluation included/ : />Step</);
        assert.match(svg, f.includes('training') ? /Training Loss/ : /Test Loss/);
        assert.match(svg, /10<tspan/, 'log axis ticks');
      } else {
        assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 3, f);
        assert.equal((svg.match(/<path class="error-bar"/g) ?? []).length, 3, f);
        assert.match(svg, /1 diverged|2 diverged/);
      }
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const f of svgs) assert.ok(html.includes(`<img src="${f}"`), `index.html shows ${f}`);
    assert.match(html, /<th[^>]*>Training Loss \(paper\)<\/th>/);
    assert.match(html, /4 \(2 diverged\)/);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(json.table.length, 3);
    const curves = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
    assert.equal(curves.groups[0].curves.training.step.x[0], 1, 'step 0 is not on a log axis');
  });
});

/**
 * Runs `sfn report ...` in this process (as main.ts would: a thrown error is one line and exit
 * status 1), capturing output and exit code.
 */
async function runReport(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  registerReportCommand(program);
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  // only the command's text is captured: the test runner's own (binary) reports on stdout pass through
  process.stdout.write = ((t: string | Uint8Array, ...rest: never[]) =>
    typeof t === 'string' ? ((out += t), true) : stdoutWrite.call(process.stdout, t, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'sfn', 'report', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    return { code: 1, out, err: `${err}sfn: ${(e as Error).message}\n` };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

test('sfn report command: formats, filters, plots folder, clear errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    const store = await openStore(path);
    await recordRuns(store, RUNS);
    await store.close();
    const sfn = (...args: string[]) => runReport(['--db', path, ...args]);
    const md = await sfn('--resamples', '10');
    assert.equal(md.code, 0, md.err);
    assert.match(md.out, /^## Final losses \(Table 5 layout\)/);
    assert.match(md.out, /Adam \| 4 \(2 diverged\)/);
    const csv = await sfn('--format', 'csv', '--experiment', 'my-toy');
    assert.equal(csv.code, 0, csv.err);
    assert.equal(csv.out.trim().split('\n').length, 2);
    const json = await sfn('--format', 'json', '--optimiser', 'sgd,adam', '--status', 'all', '--seed', '3');
    assert.equal(json.code, 0, json.err);
    const parsed = JSON.parse(json.out);
    assert.equal(parsed.seed, 3);
    assert.deepEqual(parsed.table.map((r: { label: string; runs: number }) => [r.label, r.runs]), [['sgd', 4], ['adam', 4], ['sgd', 1]]);
    const plots = await sfn('--plots', join(dir, 'out'), '--time', 'compute', '--experiment', 'uci-energy');
    assert.equal(plots.code, 0, plots.err);
    assert.match(plots.err, /wrote 12 files to .*out/);
    assert.match(readFileSync(join(dir, 'out', 'uci-energy-training-loss-vs-time.svg'), 'utf8'), /evaluation excluded/);
    const badStatus = await sfn('--status', 'done');
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.err, /unknown --status 'done'; use running, completed, diverged, failed, interrupted or all/);
    const badResamples = await sfn('--resamples', '0');
    assert.notEqual(badResamples.code, 0);
    assert.match(badResamples.err, /--resamples must be an integer >= 1, got '0'/);
    const badFormat = await sfn('--format', 'xml');
    assert.notEqual(badFormat.code, 0);
    assert.match(badFormat.err, /Allowed choices are markdown, csv, json/);
    const unknown = await sfn('--experiment', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no runs of experiment 'nope'/);
    const missing = await runReport(['--db', join(dir, 'none.db')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no results database at .*none\.db: run `sfn run` first/);

    // end to end through the real program once
    const real = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', '--db', path, '--paper'], { encoding: 'utf8' });
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /\| UCI Energy \| Ours \[paper\] \| 2 \|/);
  } finally {
    cleanup();
  }
});

test('sfn report: a --db that is no results database and a --plots that is a file are one line each, naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    const store = await openStore(path);
    await recordRuns(store, RUNS);
    await store.close();
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const empty = write('empty.db', '');
    const yaml = write('uci-energy.yaml', 'name: uci-energy\n');
    const oneLine = (r: { code: number; out: string; err: string }, pattern: RegExp) => {
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.doesNotMatch(r.err, /Usage:/);
      assert.match(r.err, pattern);
    };
    oneLine(await runReport(['--db', empty]), /empty\.db is empty, not an SQLite results database written by `sfn run`.*: record runs into it with `sfn run --db .*empty\.db` or point --db at another file/);
    oneLine(await runReport(['--db', yaml]), /uci-energy\.yaml is not a results database \(not an SQLite file\): point --db at an SQLite results database/);
    oneLine(await runReport(['--db', dir]), /is a folder: point --db at an SQLite results database written by `sfn run` \(default runs\/sfn\.db\), e\.g\. --db .*sfn\.db/);
    oneLine(await runReport(['--db', path, '--plots', yaml]), /--plots .*uci-energy\.yaml is a file, not a folder: name a folder for the plots and tables \(it is created if missing\)/);
    oneLine(await runReport(['--db', path, '--plots', join(yaml, 'plots')]), /--plots cannot make the folder .*plots: .*uci-energy\.yaml is a file/);
    // nothing was changed: the files are as they were, the database still reports
    assert.equal(readFileSync(empty, 'utf8'), '');
    assert.equal(readFileSync(yaml, 'utf8'), 'name: uci-energy\n');
    assert.equal((await runReport(['--db', path])).code, 0);
  } finally {
    cleanup();
  }
});

test('one experiment recorded under different settings: each labelled by what differs, in tables, rankings and plot files', async () => {
  const setting = (epochs: number) => ({ dataset: 'uci-energy', model: 'uci-mlp', epochs, batchSize: 'full', maxSteps: null });
  const runs = [0, 1].flatMap((seed): HandRun[] => [
    { experiment: 'uci-energy', experimentConfig: setting(300), epochs: 300, optimiser: 'adam', seed, status: 'completed', points: falling(1, 0.1) },
    { experiment: 'uci-energy', experimentConfig: setting(1000), epochs: 1000, optimiser: 'adam', seed, status: 'completed', points: falling(1, 0.05) },
    { experiment: 'uci-energy', experimentConfig: setting(200), epochs: 200, optimiser: 'adam', seed, status: 'completed', points: falling(1, 0.2) },
    { experiment: 'my-toy', optimiser: 'sgd', seed, status: 'completed', points: falling(3, 1) },
  ]);
  await withStore(async (store, _path, dir) => {
    const report = await buildReport(store, { resamples: 5, curves: true });
    assert.deepEqual(report.table.map((r) => r.setting), ['UCI Energy (200 epochs)', 'UCI Energy (300 epochs)', 'UCI Energy (1000 epochs)', 'my-toy']);
    assert.deepEqual(report.rankings.filter((r) => r.loss === 'training').map((r) => r.setting), report.table.map((r) => r.setting));
    assert.doesNotMatch(renderMarkdown(report), /#\d/);
    // the label does not depend on the filters
    assert.deepEqual((await buildReport(store, { experiments: ['uci-energy'], resamples: 5 })).table.map((r) => r.setting).slice(0, 1), ['UCI Energy (200 epochs)']);
    const files = writeReportFolder(report, join(dir, 'out')).map((f) => f.slice(join(dir, 'out').length + 1));
    assert.ok(files.includes('uci-energy-300-epochs-training-loss-vs-time.svg'), files.join(' '));
    assert.ok(files.includes('uci-energy-1000-epochs-ranking-test.svg'), files.join(' '));
  }, runs);
});

test('curves go on to the end of the longest run, with its runs\' ends marked and a percentile band that stays positive', async () => {
  // three runs of one optimiser, 5, 8 and 10 steps long at 1 s a step; losses far apart (heavy-tailed)
  const run = (seed: number, steps: number, scale: number): HandRun => ({
    experiment: 'uci-energy', optimiser: 'sgd', seed, status: 'completed',
    points: Array.from({ length: steps }, (_, i) => ({ step: i + 1, wall: i + 1, train: scale / (i + 1), test: scale / (i + 1) })),
  });
  await withStore(async (store, _path, dir) => {
    const report = await buildReport(store, { resamples: 50, curves: true, curvePoints: 200 });
    for (const axis of ['step', 'wall'] as const) {
      const c = report.stats[0].curves!.training![axis]!;
      assert.equal(c.x[c.x.length - 1], 10, `${axis}: to the end of the longest run`);
      assert.deepEqual([...c.ends], [5, 8], `${axis}: where the shorter runs end`);
      assert.ok(Math.abs(c.estimate[c.x.length - 1] - 0.1) < 1e-12, 'at the end, the median of the one run still going');
      for (let i = 0; i < c.x.length; i++) {
        assert.ok(c.lower[i] > 0 && c.lower[i] <= c.upper[i], `${axis} band at ${c.x[i]}: [${c.lower[i]}, ${c.upper[i]}]`);
      }
      assert.ok(c.x.some((_, i) => c.estimate[i] - c.error[i] <= 0), 'where median ± sd would have reached zero');
    }
    const out = join(dir, 'out');
    writeReportFolder(report, out);
    const svg = readFileSync(join(out, 'uci-energy-training-loss-vs-time.svg'), 'utf8');
    assertWellFormedSvg(svg);
    const marks = /<path class="marks" d="([^"]*)"/.exec(svg)?.[1] ?? '';
    assert.equal((marks.match(/M/g) ?? []).length, 2, 'two circles on the line');
    assert.match(svg, />a run ends</);
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /bands: 16th–84th percentile of the resampled medians/);
  }, [run(0, 5, 1), run(1, 8, 100), run(2, 10, 1)]);
});
