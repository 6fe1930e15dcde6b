/**
 * A trial attempt's part in its run (src/train/job.ts RunHooks): link the run to the trial, report
 * measured steps to the study (ASHA decides in the store; between rungs only every QUIET_REPORT_MS),
 * and record how the attempt ended.
 * Holds nothing but the attempt's own last report, which it passes on when the run ends by itself.
 */
import type { RunHooks } from '../train/job.js';
import type { StepRecord } from '../train/types.js';
import type { StudyStore, TrialLink, TrialReport } from '../store/study-types.js';
import { metricOf } from './metrics.js';

/** The time attribute's value at a step: run seconds (evaluation included), steps, or epochs done. */
export function timeOf(r: StepRecord, link: Pick<TrialLink, 'timeAttr' | 'stepsPerEpoch'>): number {
  switch (link.timeAttr) {
    case 'time': return r.wallTime;
    case 'steps': return r.step;
    case 'epochs': return r.step / link.stepsPerEpoch;
  }
}

/**
 * Between rungs a report can only be answered "continue", so the hooks skip the store until the time
 * attribute reaches the decision's nextDecisionAt, but still ask at least this often (wall-clock ms)
 * to learn soon when the trial has been taken from this worker.
 */
export const QUIET_REPORT_MS = 2000;

export function trialHooks(studies: StudyStore, link: TrialLink): RunHooks {
  const { trialId, attempt } = link;
  let last: TrialReport | undefined;
  let lost: string | null = null;
  let quietUntil = -Infinity; // the time attribute before which reports need not go to the store
  let askedAt = 0;
  return {
    started: async (run) => {
      if (!(await studies.attachRun(trialId, attempt, run.id))) {
        throw new Error(`trial ${link.number} of study ${link.study} (attempt ${attempt}) is no longer held by this process`);
      }
    },
    shouldStop: (r) => {
      const value = metricOf(r, link.metric);
      if (value === undefined) return false; // not measured at this step (evaluation interval)
      last = { time: timeOf(r, link), value, step: r.step, wallTime: r.wallTime };
      const now = Date.now();
      if (Number.isFinite(value) && last.time < quietUntil && now - askedAt < QUIET_REPORT_MS) return false;
      askedAt = now;
      return studies.reportTrial(trialId, attempt, last).then((d) => {
        if (d.action === 'lost') lost = d.reason;
        quietUntil = d.action === 'continue' ? d.nextDecisionAt ?? -Infinity : -Infinity;
        return d.action !== 'continue';
      });
    },
    // a trial taken from this worker (requeued as abandoned, or finished elsewhere) leaves an interrupted run
    abandoned: () => lost,
    ended: async (outcome) => {
      switch (outcome.kind) {
        case 'finished':
          if (outcome.stopReason === 'stopped') return; // decided and recorded by the report that stopped it
          if (outcome.stopReason === 'diverged') {
            await studies.finishTrial(trialId, attempt, { state: 'stopped', reason: outcome.run.error ?? 'diverged', last });
          } else {
            await studies.finishTrial(trialId, attempt, { state: 'completed', reason: `trained to its end (${outcome.stopReason})`, last });
          }
          return;
        case 'interrupted':
          if (lost !== null) return; // no longer ours to requeue
          await studies.requeueTrial(trialId, attempt, `attempt ${attempt} interrupted after ${outcome.run.steps ?? 0} steps; it restarts when the study resumes`);
          return;
        case 'failed':
          await studies.finishTrial(trialId, attempt, { state: 'failed', reason: outcome.error });
          return;
        case 'skipped':
        case 'busy':
          await studies.finishTrial(trialId, attempt, { state: 'failed', reason: `its run key is taken by run ${outcome.run.id} (${outcome.run.status})` });
      }
    },
  };
}
