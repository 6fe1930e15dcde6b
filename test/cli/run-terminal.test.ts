import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import { NO_PTY, startInTerminal } from './pty.js';
import { terminalScreen } from './terminal-screen.js';

const COLUMNS = 80;
const BAR = /[█░]/;

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tty-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const shown = (screen: string[]) => `\n--- screen ---\n${screen.join('\n')}\n---`;

test('sfn run in a terminal: an overall line with the run and its loss while running; at the end every finished run once and no bar left', { skip: NO_PTY }, async () => {
  await inTempDir(async (dir) => {
    const args = ['run', 'configs/uci-energy.yaml', '--optimiser', 'adam', '--seeds', '2', '--max-steps', '30', '--db', path.join(dir, 'r.db'), '--data-dir', path.join(dir, 'data')];
    const { code, raw } = await startInTerminal(args, COLUMNS, 24).done;
    const screen = terminalScreen(raw, COLUMNS, { join: true });
    assert.equal(code, 0, shown(screen));
    // while running: "run k of n, m done, ETA ..." with the run's bar, steps and training loss
    assert.match(raw, /run 1 of 2, 0 done, ETA [^|\r\n]+ \| adam seed 0 \[[█░]+\] \d+\/30 \| train \d/);
    assert.match(raw, /run 2 of 2, 1 done, ETA [^|\r\n]+ \| adam seed 1 \[[█░]+\] \d+\/30 \| train \d/);
    // the final screen: no bar and no overall line left over, each run's end exactly once, then the summary
    assert.ok(!screen.some((l) => BAR.test(l) || /^run \d+ of/.test(l)), `a stale progress line ${shown(screen)}`);
    // no progress line ever reached the right margin (a wrapped one would leave a stale copy)
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is stripped here
    const frames = raw.split('\r\n').map((f) => f.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/^.*\r/, ''));
    assert.ok(frames.filter((f) => BAR.test(f)).every((f) => [...f].length < COLUMNS), 'progress lines fit the terminal');
    const ends = screen.filter((l) => /^adam seed \d: /.test(l));
    assert.equal(ends.length, 2, shown(screen));
    assert.match(ends[0], /^adam seed 0: completed, 30 steps in [\d.]+ s \(evaluation [\d.]+ s\); 1 of 2 done, ETA \d/);
    assert.match(ends[1], /^adam seed 1: completed, 30 steps in [\d.]+ s \(evaluation [\d.]+ s\)$/);
    assert.ok(screen.includes(`experiment uci-energy (id 1) in ${path.join(dir, 'r.db')}: 2 runs, 0 already done, 2 to run on 1 worker`), shown(screen));
    const summary = screen.indexOf('medians over completed runs (final = last step):');
    assert.ok(summary > screen.indexOf(ends[1]), shown(screen));
    assert.match(screen[summary + 2], /^adam +2 +2 +0 +0 /);
  });
});

test('sfn run in a terminal: Ctrl-C prints its warning on a line of its own, above the bar, and the run is kept as interrupted', { skip: NO_PTY }, async () => {
  await inTempDir(async (dir) => {
    const db = path.join(dir, 'r.db');
    const args = ['run', 'configs/uci-energy.yaml', '--optimiser', 'adam', '--seeds', '2', '--max-steps', '5000', '--db', db, '--data-dir', path.join(dir, 'data')];
    const run = startInTerminal(args, COLUMNS, 24);
    await run.waitFor(/\| train \d/); // the bar is up
    run.interrupt();
    const { code, raw } = await run.done;
    const screen = terminalScreen(raw, COLUMNS, { join: true });
    assert.equal(code, 130, shown(screen));
    const warning = screen.indexOf('warning: SIGINT: stopping after the current step (again to quit at once); rerun the same command to finish');
    assert.ok(warning >= 0, `the warning is a whole line of its own ${shown(screen)}`);
    assert.ok(!screen.some((l) => BAR.test(l) || /^run \d+ of/.test(l) || l.includes('^C')), `a bar or ^C left over ${shown(screen)}`);
    const end = screen.findIndex((l) => /^adam seed 0: interrupted after \d+ steps?; rerun the same command to redo it$/.test(l));
    assert.ok(end > warning, shown(screen));
    assert.ok(screen.includes('interrupted: finished runs are kept; rerun the same command to do the rest'), shown(screen));
    // nothing recorded is lost: the run is marked interrupted with every step it took
    const store = await openStore(db, { readonly: true });
    try {
      const runs = (await store.listRuns());
      assert.deepEqual(runs.map((r) => [r.seed, r.status]), [[0, 'interrupted']]);
      assert.ok(runs[0].steps! > 0);
      assert.equal((await store.metricSeries(runs[0].id, 'train_loss')).length, runs[0].steps);
    } finally {
      await store.close();
    }
  });
});
