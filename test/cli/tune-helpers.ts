import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/store.js';
import type { StudyRecord, TrialRecord } from '../../src/store/study-types.js';
import { sleep } from './run-helpers.js';

/**
 * ASHA replayed by hand, independently of src/tune, over the validation losses a study recorded:
 * for a study run by one worker with --time-attr steps (trials one after another in trial order,
 * one report per step), what each trial's fate must have been. Returns, per trial, its expected
 * state, the step it must have ended at, and its rung records.
 */
export function replayAsha(study: StudyRecord, seriesOf: (t: TrialRecord) => { step: number; value: number }[], trials: TrialRecord[]) {
  const { grace, reductionFactor: rf, budget } = study.settings;
  const milestones: number[] = [];
  for (let m = grace; m < budget; m *= rf) milestones.push(m);
  const rungs = milestones.map(() => new Map<number, number>()); // trial number -> reward (-loss)
  const p = (values: number[], q: number) => {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) return null;
    const pos = (q / 100) * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  const out = new Map<number, { state: string; endStep: number; records: [number, number, number][] }>();
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    const series = seriesOf(t);
    const records: [number, number, number][] = [];
    const unrecorded = (step: number) => {
      for (let k = milestones.length - 1; k >= 0; k--) if (step >= milestones[k] && !rungs[k].has(t.number)) return k;
      return null;
    };
    const record = (k: number, step: number, value: number) => {
      rungs[k].set(t.number, -value);
      records.push([k, step, value]);
    };
    let state = '';
    let endStep = 0;
    for (const { step, value } of series) {
      endStep = step;
      if (!Number.isFinite(value)) {
        state = 'stopped';
        break;
      }
      const k = unrecorded(step);
      if (step >= budget) {
        if (k !== null) record(k, step, value);
        state = 'completed';
        break;
      }
      if (k === null) continue;
      const cutoff = p([...rungs[k]].filter(([n]) => n !== t.number).map(([, r]) => r), (1 - 1 / rf) * 100);
      record(k, step, value);
      if (cutoff !== null && -value < cutoff) {
        state = 'stopped';
        break;
      }
    }
    if (!state) {
      // trained to its end before the budget: the last value goes to its highest unrecorded rung
      const last = series[series.length - 1];
      const k = unrecorded(last.step);
      if (k !== null) record(k, last.step, last.value);
      state = 'completed';
    }
    out.set(t.number, { state, endStep, records });
  }
  return out;
}

/** Checks a finished single-worker study against the replay: every trial's state, last step and rung records. */
export async function assertStudyMatchesReplay(db: string, name: string): Promise<{ study: StudyRecord; trials: TrialRecord[] }> {
  const store = await openStore(db, { readonly: true });
  try {
    const studies = store.studies();
    const study = (await studies.findStudy(name))!;
    const trials = await studies.listTrials(study.id);
    for (const t of trials) assert.notEqual(t.runId, null, `trial ${t.number} has a run`);
    const recorded = await store.metricSeriesForRuns(trials.map((t) => t.runId!), 'val_loss');
    const series = (t: TrialRecord) => recorded.get(t.runId!)!.map((p) => ({ step: p.step, value: p.value }));
    const expected = replayAsha(study, series, trials);
    const results = await studies.listRungResults(study.id);
    for (const t of trials) {
      const e = expected.get(t.number)!;
      const got = series(t);
      assert.equal(t.state, e.state, `trial ${t.number}: state`);
      assert.equal(t.lastStep, e.endStep, `trial ${t.number}: ended at step ${e.endStep}`);
      assert.equal(got.length, e.endStep, `trial ${t.number}: one recorded step per step, none after the stop`);
      const mine = results.filter((r) => r.trialNumber === t.number).map((r) => [r.rung, r.step, r.value]);
      assert.deepEqual(mine.sort((a, b) => a[0] - b[0]), e.records.sort((a, b) => a[0] - b[0]), `trial ${t.number}: rung records`);
    }
    return { study, trials };
  } finally {
    await store.close();
  }
}

/** Polls the database until `ready` holds for the study's trials (or fails after `ms`). */
export async function waitForTrials(db: string, name: string, ready: (trials: TrialRecord[], store: Store) => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await sleep(50);
    let store: Store;
    try {
      store = await openStore(db, { readonly: true });
    } catch {
      continue; // not created (or not migrated) yet
    }
    try {
      const study = await store.studies().findStudy(name);
      if (study && (await ready(await store.studies().listTrials(study.id), store))) return;
    } finally {
      await store.close();
    }
  }
  throw new Error(`timed out waiting on study ${name} in ${db}`);
}
