/** How long the rest of an `sfn run` will take, from the runs finished so far and those in progress. */

export interface ActiveRun {
  /** seconds since the run started */
  elapsed: number;
  /** share of its planned steps done, 0..1 */
  fraction: number;
}

/** A run's length is read from its progress only once this share of it is done (earlier is noise). */
const MIN_FRACTION = 0.05;

/**
 * Seconds until `remaining` runs not yet started and the `active` ones are done, on `workers`
 * parallel workers; undefined while nothing tells yet. A run's length is estimated from the runs
 * that finished (`finished`, in seconds) and from the active ones' pace (elapsed / fraction).
 */
export function estimateSeconds(finished: readonly number[], active: readonly ActiveRun[], remaining: number, workers: number): number | undefined {
  const paced = active.filter((a) => a.fraction >= MIN_FRACTION).map((a) => a.elapsed / a.fraction);
  const lengths = [...finished, ...paced];
  if (lengths.length === 0) return remaining === 0 && active.length === 0 ? 0 : undefined;
  const typical = lengths.reduce((s, x) => s + x, 0) / lengths.length;
  let work = remaining * typical;
  for (const a of active) work += Math.max(0, (a.fraction >= MIN_FRACTION ? a.elapsed / a.fraction : typical) - a.elapsed);
  return work / Math.max(1, workers);
}

/** "8 s", "2 min 05 s", "3 h 20 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
