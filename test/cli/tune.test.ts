import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { openStore } from '../../src/store/store.js';
import { assertWellFormedSvg } from '../report/xml.js';
import { sfn } from './run-helpers.js';
import { assertStudyMatchesReplay } from './tune-helpers.js';

// 8 Adam configurations from the paper's space, 30 steps each at most; rungs at 3, 6, 12 and 24 steps
const STUDY = ['--algo', 'adam', '--time-attr', 'steps', '--budget', '30', '--grace', '3', '--reduction', '2', '--samples', '8', '--seed', '3'];

test('a whole small study (--time-attr steps): stops and promotions match ASHA replayed by hand; best.yaml, --from-study, report --study', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tune-'));
  try {
    const db = path.join(dir, 'r.db');
    const data = ['--db', db, '--data-dir', path.join(dir, 'data')];
    const r = await sfn(['tune', 'configs/uci-energy.yaml', ...STUDY, ...data, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /study uci-energy-adam \(new\) in .*: adam on uci-energy, 8 configurations from the paper's space, ASHA on val_loss: grace 3 steps, reduction 2, budget 30 steps/);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.counts.stopped + out.counts.completed, 8);
    assert.ok(out.counts.stopped > 0 && out.counts.completed > 0, JSON.stringify(out.counts));

    const { study, trials } = await assertStudyMatchesReplay(db, 'uci-energy-adam');
    assert.equal(study.settings.trialSeed, 0);
    assert.deepEqual(trials.map((t) => t.attempt), Array(8).fill(1));

    // the trials' runs are ordinary runs of their own experiment, one per trial, recorded step by step
    const store = await openStore(db, { readonly: true });
    const runs = (await store.listRuns({ experiment: 'tune:uci-energy-adam' }));
    assert.deepEqual(runs.map((x) => x.preset).sort(), trials.map((t) => `trial-${t.number}`).sort());
    for (const x of runs) assert.ok(x.status === 'completed' && x.steps === (await store.metricSeries(x.id, 'train_loss')).length);
    await store.close();

    // the best configuration, as an optimiser entry
    const best = trials.find((t) => t.number === out.best.trial)!;
    assert.ok(trials.every((t) => t.lastValue === null || t.lastValue >= best.lastValue!), 'best = lowest last validation loss');
    assert.equal(out.bestFile, path.join(dir, 'tune', 'uci-energy-adam', 'best.yaml'));
    const yaml = readFileSync(out.bestFile, 'utf8');
    assert.match(yaml, /^# best configuration of study uci-energy-adam \(adam on uci-energy\): trial \d+/);
    const [entry] = parse(yaml) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(entry), ['name', 'preset', 'lr', 'beta1', 'beta2', 'eps']);
    assert.deepEqual([entry.name, entry.preset, entry.lr, entry.eps, entry.beta1, entry.beta2], ['adam', 'tuned', best.config.lr, best.config.eps, best.config.beta1, best.config.beta2]);

    // the same command again: nothing to do, nothing duplicated
    const again = await sfn(['tune', 'configs/uci-energy.yaml', ...STUDY, ...data]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /study uci-energy-adam \(resumed\)/);
    assert.doesNotMatch(again.stdout, /started/);

    // another study under the same name is refused, saying what differs
    const other = await sfn(['tune', 'configs/uci-energy.yaml', ...STUDY.map((a) => (a === '8' ? '9' : a)), ...data]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /study uci-energy-adam exists in .* with other settings:\n {2}samples: stored 8, asked 9\n/);
    assert.match(other.stderr, /give a new study a name of its own with --study <name>/);

    // the final runs of the best configuration
    const final = await sfn(['run', 'configs/uci-energy.yaml', '--from-study', 'uci-energy-adam', '--seeds', '2', '--max-steps', '5', ...data, '--json']);
    assert.equal(final.code, 0, final.stderr);
    const summary = JSON.parse(final.stdout.trim().split('\n').pop()!);
    assert.deepEqual(summary.optimisers.map((o: { optimiser: string; completed: number }) => [o.optimiser, o.completed]), [['adam:tuned', 2]]);
    const check = await openStore(db, { readonly: true });
    const tuned = (await check.listRuns({ experiment: 'uci-energy', preset: 'tuned' }));
    assert.equal(tuned.length, 2);
    const hp = (tuned[0].config as { hyperparameters: Record<string, number> }).hyperparameters;
    assert.deepEqual([hp.lr, hp.eps, hp.beta1, hp.beta2], [best.config.lr, best.config.eps, best.config.beta1, best.config.beta2]);
    await check.close();

    // the study's report: settings, rungs, every trial; the SVG with every trial and the rungs
    const report = await sfn(['report', '--study', 'uci-energy-adam', '--db', db, '--plots', path.join(dir, 'plots')]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^## Study uci-energy-adam: adam on uci-energy/);
    assert.match(report.stdout, /\| rung \| at \| recorded \| stopped there \| cutoff \(val_loss\) \|\n\|---\|---\|---\|---\|---\|\n\| 0 \| 3 steps \|/);
    for (const t of trials) assert.match(report.stdout, new RegExp(`\\n\\| ${t.number} \\| ${t.state} \\| `));
    const svgFile = path.join(dir, 'plots', 'uci-energy-adam-trials.svg');
    assert.match(report.stderr, new RegExp(`wrote ${svgFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const svg = readFileSync(svgFile, 'utf8');
    assertWellFormedSvg(svg);
    assert.equal((svg.match(/data-label="trial \d+ \((stopped|completed)\)"/g) ?? []).length, 8);
    assert.equal((svg.match(/data-label="rung \d"/g) ?? []).length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: unknown algorithm, budget below the grace period, budget in the wrong unit', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tune-bad-'));
  try {
    const db = ['--db', path.join(dir, 'r.db')];
    const cases: [string[], RegExp][] = [
      [['--algo', 'adma'], /--algo: 'adma' is not an optimiser \(did you mean 'adam'\?\); allowed: ours, ours-adaptive, sgd, adam, /],
      [['--algo', 'sgd', '--budget', '20s'], /--budget 20 s is below the grace period 30 s: ASHA never stops a trial before the grace period/],
      [['--algo', 'sgd', '--time-attr', 'steps', '--budget', '5m'], /--budget: got '5m'; allowed: a whole number of steps >= 1 \(with --time-attr steps\)/],
      [['--algo', 'sgd', '--time-attr', 'epochs'], /--budget: required with --time-attr epochs/],
    ];
    for (const [args, message] of cases) {
      const r = await sfn(['tune', 'configs/uci-energy.yaml', ...args, ...db]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    // the card's usage names no config: the default experiment is used and said so
    const none = await sfn(['tune', '--algo', 'sgd', '--budget', '10s', ...db]);
    assert.match(none.stdout, /no config named: using the default experiment configs\/uci-energy.yaml/);
    assert.match(none.stderr, /--budget 10 s is below the grace period 30 s/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
