/**
 * Asynchronous successive halving (ASHA) as Ray Tune's AsyncHyperBandScheduler runs it with one
 * bracket (../shared/REFERENCE.md, "More detail"): a pure rule over recorded results, so that any
 * process holding the study's records makes the same decision.
 *
 * Rungs sit at grace * rf^k below max_t. On each report of a trial at time t with reward r:
 * - t >= max_t: the trial is complete (Ray's on_trial_complete then records it at its highest
 *   reached, unrecorded rung, without judging it);
 * - else the highest rung with milestone <= t that this trial has not recorded is judged: the cutoff
 *   is the (1 - 1/rf) percentile (numpy's linear interpolation, non-finite values ignored) of the
 *   rewards other trials recorded there; the trial stops if r < cutoff; either way r is recorded.
 *   An empty rung (no finite reward) continues. At most one rung per report.
 * The paper's own rule comes first: a non-finite metric stops the trial at once.
 */

export interface AshaSettings {
  /** milestones in units of the time attribute, ascending: grace * rf^k < maxT */
  milestones: readonly number[];
  maxT: number;
  reductionFactor: number;
}

export type AshaAction = 'continue' | 'stop' | 'complete';

export interface AshaDecision {
  action: AshaAction;
  /** index of the rung recorded by this report, or null */
  rung: number | null;
  /** the cutoff the reward was compared with (null: no rung judged, or the rung was empty) */
  cutoff: number | null;
  /** why, in words (for the trial's record and the log) */
  reason: string;
}

/** grace * rf^k for k = 0, 1, ... while below maxT (Ray's int(log(maxT / grace) / log(rf)) + 1 rungs, less a rung equal to maxT, which never decides anything). */
export function rungMilestones(grace: number, reductionFactor: number, maxT: number): number[] {
  if (!(grace > 0) || !(reductionFactor > 1) || !(maxT > 0)) {
    throw new Error(`ASHA needs grace > 0, reduction factor > 1 and max_t > 0 (got ${grace}, ${reductionFactor}, ${maxT})`);
  }
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const m = grace * reductionFactor ** k;
    if (m >= maxT) break;
    out.push(m);
  }
  return out;
}

/** The rung a report at time t judges: the highest reached one the trial has not recorded; null if none. */
export function rungToJudge(milestones: readonly number[], t: number, recorded: ReadonlySet<number>): number | null {
  for (let k = milestones.length - 1; k >= 0; k--) {
    if (t >= milestones[k] && !recorded.has(k)) return k;
  }
  return null;
}

/**
 * The time before which no report of a trial can judge a rung, given the rungs it has recorded after
 * a report at time t: t itself while a reached rung is still unrecorded (rungs are judged one per
 * report), else the lowest unreached milestone, else maxT (where the trial completes). A report with
 * a finite value before that time can only be answered "continue" (trial-hooks.ts skips the store).
 */
export function nextDecisionTime(milestones: readonly number[], t: number, recorded: ReadonlySet<number>, maxT: number): number {
  for (let k = 0; k < milestones.length; k++) {
    if (!recorded.has(k)) return milestones[k] <= t ? t : milestones[k];
  }
  return maxT;
}

/** numpy's linear interpolation between a and b (the same rounding as numpy >= 1.22's _lerp). */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.nanpercentile(values, q) with linear interpolation, non-finite values ignored; null if none is finite. */
export function percentile(values: readonly number[], q: number): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return lerp(v[lo], v[hi], pos - lo);
}

/** The cutoff of a rung: the (1 - 1/rf) * 100 percentile of the other trials' rewards there. */
export function rungCutoff(rewards: readonly number[], reductionFactor: number): number | null {
  return percentile(rewards, (1 - 1 / reductionFactor) * 100);
}

/**
 * The decision for one report. `othersAt(k)` gives the rewards other trials recorded at rung k (it
 * is asked about one rung at most, so a store can fetch just that one). `show` writes a reward in
 * the reason as the user knows it (e.g. as the validation loss it is the negative of).
 */
export function decide(
  settings: AshaSettings,
  report: { time: number; reward: number },
  recorded: ReadonlySet<number>,
  othersAt: (rung: number) => readonly number[],
  show: (reward: number) => string = String,
): AshaDecision {
  const { time, reward } = report;
  if (!Number.isFinite(reward)) {
    return { action: 'stop', rung: null, cutoff: null, reason: `non-finite metric at ${time}` };
  }
  const rung = rungToJudge(settings.milestones, time, recorded);
  const cutoff = rung === null ? null : rungCutoff(othersAt(rung), settings.reductionFactor);
  if (time >= settings.maxT) {
    return { action: 'complete', rung, cutoff, reason: `reached max_t ${settings.maxT}` };
  }
  if (rung === null) return { action: 'continue', rung: null, cutoff: null, reason: 'no new rung reached' };
  const at = `rung ${rung} (${settings.milestones[rung]})`;
  if (cutoff === null) return { action: 'continue', rung, cutoff, reason: `first at ${at}` };
  const values = `${show(reward)}, cutoff ${show(cutoff)}`;
  if (reward < cutoff) return { action: 'stop', rung, cutoff, reason: `worse than the cutoff at ${at}: ${values}` };
  return { action: 'continue', rung, cutoff, reason: `promoted at ${at}: ${values}` };
}
