import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, nextDecisionTime, percentile, rungCutoff, rungMilestones, rungToJudge, type AshaSettings } from '../../src/tune/asha.js';

test('rungs sit at grace * rf^k strictly below max_t', () => {
  assert.deepEqual(rungMilestones(30, 4, 300), [30, 120]); // the paper's 5-minute budget
  assert.deepEqual(rungMilestones(30, 4, 7200), [30, 120, 480, 1920]); // 2 hours
  assert.deepEqual(rungMilestones(30, 4, 120), [30]); // a rung at max_t itself would never decide anything
  assert.deepEqual(rungMilestones(5, 2, 40), [5, 10, 20]);
  assert.deepEqual(rungMilestones(30, 4, 30), []);
  assert.throws(() => rungMilestones(0, 4, 300), /grace > 0/);
  assert.throws(() => rungMilestones(30, 1, 300), /reduction factor > 1/);
});

test('percentile is numpy.nanpercentile with linear interpolation (values computed by hand)', () => {
  // [1, 2, 3, 4] at 75: position 0.75 * 3 = 2.25 -> 3 + 0.25 * (4 - 3)
  assert.equal(percentile([4, 1, 3, 2], 75), 3.25);
  // position 0.75 * 2 = 1.5 between -0.5 and -0.2
  assert.ok(Math.abs(percentile([-0.5, -0.2, -0.9], 75)! - -0.35) < 1e-15);
  assert.equal(percentile([7], 75), 7);
  assert.equal(percentile([1, 2], 0), 1);
  assert.equal(percentile([1, 2], 100), 2);
  // non-finite values are ignored: [2, 4] at 75 -> 3.5
  assert.equal(percentile([Number.NaN, 2, Number.POSITIVE_INFINITY, 4, Number.NEGATIVE_INFINITY], 75), 3.5);
  assert.equal(percentile([], 75), null);
  assert.equal(percentile([Number.NaN], 75), null);
  // reduction factor 4 -> the 75th percentile; 2 -> the median
  assert.equal(rungCutoff([1, 2, 3, 4], 4), 3.25);
  assert.equal(rungCutoff([1, 2, 3, 4], 2), 2.5);
});

test('the rung judged is the highest reached one the trial has not recorded', () => {
  const m = [30, 120, 480];
  assert.equal(rungToJudge(m, 29.9, new Set()), null);
  assert.equal(rungToJudge(m, 30, new Set()), 0);
  assert.equal(rungToJudge(m, 130, new Set([0])), 1);
  assert.equal(rungToJudge(m, 130, new Set([0, 1])), null);
  // a jump over two rungs judges the highest; the one jumped over is judged by the next report
  assert.equal(rungToJudge(m, 500, new Set()), 2);
  assert.equal(rungToJudge(m, 501, new Set([2])), 1);
  assert.equal(rungToJudge(m, 502, new Set([2, 1])), 0);
  assert.equal(rungToJudge(m, 503, new Set([0, 1, 2])), null);
});

test('no report before the next decision time can judge a rung (checked against rungToJudge on every time)', () => {
  const m = [30, 120, 480];
  assert.equal(nextDecisionTime(m, 10, new Set(), 600), 30);
  assert.equal(nextDecisionTime(m, 35, new Set([0]), 600), 120);
  assert.equal(nextDecisionTime(m, 500, new Set([2]), 600), 500, 'rungs jumped over are judged by the next reports');
  assert.equal(nextDecisionTime(m, 500, new Set([0, 1, 2]), 600), 600);
  for (const recorded of [new Set<number>(), new Set([0]), new Set([0, 1]), new Set([2]), new Set([1, 2]), new Set([0, 1, 2])]) {
    for (let t = 0; t <= 600; t += 5) {
      const next = nextDecisionTime(m, t, recorded, 600);
      assert.ok(next >= t);
      for (let u = t; u < next; u += 1) assert.equal(rungToJudge(m, u, recorded), null, `t ${t}, u ${u}, recorded ${[...recorded]}`);
      if (next < 600) assert.notEqual(rungToJudge(m, next, recorded), null);
    }
  }
});

const settings: AshaSettings = { milestones: [30, 120], maxT: 300, reductionFactor: 4 };
/** rewards other trials recorded, by rung; the trial under test is never among them */
const others = (byRung: Record<number, number[]>) => {
  const asked: number[] = [];
  return { asked, at: (rung: number) => (asked.push(rung), byRung[rung] ?? []) };
};

test('decisions against hand-computed cutoffs', () => {
  // rung 0 holds rewards -4, -3, -2, -1 (losses 4, 3, 2, 1): cutoff = 75th percentile = -1.75
  const o = others({ 0: [-4, -3, -2, -1] });
  const stop = decide(settings, { time: 31, reward: -1.8 }, new Set(), o.at);
  assert.deepEqual([stop.action, stop.rung, stop.cutoff], ['stop', 0, -1.75]);
  assert.deepEqual(o.asked, [0], 'only the judged rung is read');
  const keep = decide(settings, { time: 31, reward: -1.7 }, new Set(), o.at);
  assert.deepEqual([keep.action, keep.rung, keep.cutoff], ['continue', 0, -1.75]);
  // equal to the cutoff is not worse (Ray stops on reward < cutoff)
  assert.equal(decide(settings, { time: 31, reward: -1.75 }, new Set(), o.at).action, 'continue');
});

test('an empty rung continues and records; a rung of only non-finite rewards counts as empty', () => {
  const d = decide(settings, { time: 30, reward: -100 }, new Set(), others({}).at);
  assert.deepEqual([d.action, d.rung, d.cutoff], ['continue', 0, null]);
  const nan = decide(settings, { time: 30, reward: -100 }, new Set(), others({ 0: [Number.NaN] }).at);
  assert.deepEqual([nan.action, nan.rung, nan.cutoff], ['continue', 0, null]);
  // non-finite values among finite ones are ignored: [-1, -3] -> cutoff -1.5
  const mixed = decide(settings, { time: 30, reward: -2 }, new Set(), others({ 0: [-1, Number.NaN, -3] }).at);
  assert.deepEqual([mixed.action, mixed.cutoff], ['stop', -1.5]);
});

test('between rungs the answer is continue without reading any rung', () => {
  const o = others({ 0: [0], 1: [0] });
  const d = decide(settings, { time: 60, reward: -9 }, new Set([0]), o.at);
  assert.deepEqual([d.action, d.rung], ['continue', null]);
  assert.deepEqual(o.asked, []);
});

test('a non-finite metric stops the trial at once (the paper\'s rule), recording nothing', () => {
  for (const reward of [Number.NaN, Number.NEGATIVE_INFINITY]) {
    const o = others({ 0: [-1] });
    const d = decide(settings, { time: 5, reward }, new Set(), o.at);
    assert.deepEqual([d.action, d.rung], ['stop', null]);
    assert.deepEqual(o.asked, []);
  }
});

test('at max_t the trial completes; its result still goes to its highest unrecorded rung, unjudged', () => {
  const o = others({ 1: [0, 0, 0] });
  const d = decide(settings, { time: 300, reward: -5 }, new Set([0]), o.at);
  assert.deepEqual([d.action, d.rung, d.cutoff], ['complete', 1, 0]);
  const done = decide(settings, { time: 301, reward: -5 }, new Set([0, 1]), others({}).at);
  assert.deepEqual([done.action, done.rung], ['complete', null]);
});

test('a whole sequence of trials, simulated by hand', () => {
  // three trials reporting at t = 30, 120, 300 (the budget); losses (reward = -loss):
  //   A: 1.0, 0.5, 0.2   B: 2.0, -, -   C: 0.8, 0.6, 0.1
  // A reaches rung 0 first (empty -> continue), rung 1 (empty -> continue), completes.
  // B at rung 0: cutoff = percentile([-1.0], 75) = -1.0; -2.0 < -1.0 -> stop.
  // C at rung 0: rewards [-1.0, -2.0] -> cutoff -1.25; -0.8 >= -1.25 -> continue;
  //   at rung 1: [-0.5] -> cutoff -0.5; -0.6 < -0.5 -> stop.
  const records = new Map<number, Map<string, number>>([[0, new Map()], [1, new Map()]]);
  const report = (trial: string, time: number, loss: number) => {
    const recorded = new Set([...records].filter(([, m]) => m.has(trial)).map(([k]) => k));
    const d = decide(settings, { time, reward: -loss }, recorded, (k) => [...records.get(k)!].filter(([t]) => t !== trial).map(([, r]) => r));
    if (d.rung !== null) records.get(d.rung)!.set(trial, -loss);
    return [d.action, d.cutoff];
  };
  assert.deepEqual(report('A', 30, 1.0), ['continue', null]);
  assert.deepEqual(report('A', 120, 0.5), ['continue', null]);
  assert.deepEqual(report('A', 300, 0.2), ['complete', null]);
  assert.deepEqual(report('B', 30, 2.0), ['stop', -1.0]);
  assert.deepEqual(report('C', 30, 0.8), ['continue', -1.25]);
  assert.deepEqual(report('C', 120, 0.6), ['stop', -0.5]);
});
