import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateSeconds, formatSeconds } from '../../src/train/eta.js';
import type { JobOutcome, RunJob } from '../../src/train/job.js';
import { ProgressDisplay } from '../../src/train/progress-display.js';
import type { RunRecord } from '../../src/store/types.js';
import { terminalScreen } from '../cli/terminal-screen.js';

function job(label: string, seed: number): RunJob {
  return {
    experimentId: 1, experiment: 'uci-energy', dataset: 'uci-energy', model: 'uci-mlp', epochs: 1, evalInterval: 1,
    maxSteps: null, timeBudgetSeconds: null, seed, config: {},
    // the display reads only the label
    optimiser: { name: 'sgd', preset: null, label, batchSize: 'full', hyperparameters: { lr: 0.1 } },
  };
}

function finished(id: number, steps: number): JobOutcome {
  const run: RunRecord = {
    id, experimentId: 1, experiment: 'uci-energy', optimiser: 'adam', preset: null, seed: 0, configHash: 'h', config: {},
    backend: 'cpu', versions: {}, status: 'completed', error: null, pid: null, host: null, startedAt: '', finishedAt: '',
    wallSeconds: 2, evalSeconds: 0.5, steps, heartbeatAt: null, leaseSeconds: null, retries: 0,
  };
  return { kind: 'finished', run, stopReason: 'epochs' };
}

/** A terminal both streams write to, `columns` wide, and a clock the test moves. */
function terminal(columns: number) {
  let raw = '';
  const write = (t: string) => (raw += t.replace(/\n/g, '\r\n')); // as a terminal's driver does (onlcr)
  const out = { columns, write };
  let ms = 0;
  return { out, err: { write }, now: () => ms, advance: (s: number) => (ms += 1000 * s), screen: () => terminalScreen(raw, columns) };
}

test('ETA: from finished runs and the pace of active ones, shared over the workers', () => {
  assert.equal(estimateSeconds([], [], 3, 1), undefined, 'nothing to go by yet');
  assert.equal(estimateSeconds([], [{ elapsed: 1, fraction: 0.01 }], 3, 1), undefined, 'too early in the first run');
  assert.equal(estimateSeconds([], [{ elapsed: 5, fraction: 0.5 }], 2, 1), 5 + 2 * 10);
  assert.equal(estimateSeconds([10, 20], [], 4, 2), (4 * 15) / 2);
  assert.equal(estimateSeconds([10], [{ elapsed: 2, fraction: 0.01 }], 0, 1), 8, 'a young run is given the typical length');
  assert.equal(estimateSeconds([], [], 0, 1), 0);
  assert.deepEqual([8.4, 65, 3600 * 3 + 20 * 60].map(formatSeconds), ['8 s', '1 min 05 s', '3 h 20 min']);
});

test('on a terminal: one line per worker and the overall line, redrawn in place; warnings above them; nothing left at the end', () => {
  const t = terminal(100);
  const d = new ProgressDisplay({ runs: 4, workers: 2, tty: true, out: t.out, err: t.err, now: t.now });
  d.handle({ type: 'start', worker: 0, job: job('adam', 0), runId: 1, redone: false });
  d.handle({ type: 'start', worker: 1, job: job('sgd', 0), runId: 2, redone: false });
  t.advance(10);
  d.handle({ type: 'progress', worker: 0, job: job('adam', 0), progress: { step: 50, total: 100, epoch: 0, trainLoss: 0.1234567, valLoss: 0.2, testLoss: 0.3 } });
  d.handle({ type: 'progress', worker: 1, job: job('sgd', 0), progress: { step: 25, total: 100, epoch: 0, trainLoss: 0.5, valLoss: 0.6, testLoss: 0.7 } });
  assert.deepEqual(t.screen(), [
    '[w1] adam seed 0 [████████████░░░░░░░░░░░░] 50/100 | train 0.1235 val 0.2000 test 0.3000',
    '[w2] sgd seed 0 [██████░░░░░░░░░░░░░░░░░░] 25/100 | train 0.5000 val 0.6000 test 0.7000',
    // adam 20 s, sgd 40 s a run: 10 s + 30 s to go, two runs of the typical 30 s to start; on two workers
    'runs 1, 2 of 4, 0 done, ETA 50 s',
  ]);
  d.warn('warning: SIGINT: stopping');
  d.handle({ type: 'done', worker: 0, job: job('adam', 0), outcome: finished(1, 100) });
  const screen = t.screen();
  assert.equal(screen[0], 'warning: SIGINT: stopping');
  assert.match(screen[1], /^\[w1\] adam seed 0: completed, 100 steps in 2\.0 s \(evaluation 0\.5 s\); 1 of 4 done, ETA \d+ s$/);
  assert.match(screen[2], /^\[w2\] sgd seed 0 \[█+░+\] 25\/100/);
  assert.match(screen[3], /^run 2 of 4, 1 done, ETA \d+ s$/);
  assert.equal(screen.length, 4, 'the bars were redrawn, not repeated');
  d.stop();
  assert.deepEqual(t.screen(), screen.slice(0, 2), 'only what was printed above the bars stays');
});

test('on a terminal: one worker shows its run, bar and loss on the overall line, cut to the width', () => {
  for (const columns of [140, 80, 50, 30]) {
    const t = terminal(columns);
    const d = new ProgressDisplay({ runs: 2, workers: 1, tty: true, out: t.out, err: t.err, now: t.now });
    d.handle({ type: 'start', worker: 0, job: job('ours-adaptive:code', 12), runId: 1, redone: false });
    const starting = 'run 1 of 2, 0 done, ETA ? | ours-adaptive:code seed 12 | starting';
    const [first] = t.screen();
    if (columns > starting.length) assert.equal(first, starting);
    else assert.equal(first, `${starting.slice(0, columns - 2)}…`, 'cut to one less than the width, marked');
    t.advance(4);
    d.handle({ type: 'progress', worker: 0, job: job('ours-adaptive:code', 12), progress: { step: 40, total: 160, epoch: 0, trainLoss: 0.01, valLoss: 0.02, testLoss: 0.03 } });
    const [line] = t.screen();
    assert.ok([...line].length < columns, `${columns}: ${line}`);
    if (columns === 140) assert.equal(line, 'run 1 of 2, 0 done, ETA 28 s | ours-adaptive:code seed 12 [██████░░░░░░░░░░░░░░░░░░] 40/160 | train 0.01000 val 0.02000 test 0.03000');
    if (columns === 80) assert.equal(line, 'run 1 of 2, 0 done, ETA 28 s | ours-adaptive:code seed 12 | train 0.01000', 'the loss before the bar and steps');
    if (columns === 30) assert.match(line, /^run 1 of 2, 0 done, ETA 28 s…$/);
  }
});

test('without a terminal: plain lines, the start with k of n, every tenth, the end with what is left', () => {
  let text = '';
  const out = { write: (t: string) => (text += t) };
  let ms = 0;
  const d = new ProgressDisplay({ runs: 2, workers: 1, tty: false, out, err: out, now: () => ms });
  d.handle({ type: 'start', worker: 0, job: job('adam', 0), runId: 7, redone: true });
  for (let step = 1; step <= 10; step++) {
    ms += 1000;
    d.handle({ type: 'progress', worker: 0, job: job('adam', 0), progress: { step, total: 10, epoch: 0, trainLoss: 1 / step } });
  }
  d.handle({ type: 'done', worker: 0, job: job('adam', 0), outcome: finished(7, 10) });
  d.stop();
  const lines = text.trim().split('\n');
  assert.equal(lines[0], 'adam seed 0: started (run 1 of 2, id 7, redoing an unfinished run)');
  assert.equal(lines[1], 'adam seed 0: step 1/10 train 1.000 val - test -');
  assert.equal(lines.length, 1 + 9 + 1);
  assert.equal(lines[10], 'adam seed 0: completed, 10 steps in 2.0 s (evaluation 0.5 s); 1 of 2 done, ETA 10 s');
  assert.ok(!text.includes('\u001b'), 'no escape sequences');
});
