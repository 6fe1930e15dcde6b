/**
 * How runs enter the statistics. One place, so the tables' notes, the JSON and the code agree.
 *
 * - final loss of a run: for a diverged run its last finite value, the value just before its loss
 *   became non-finite (the reference code stops a run at the first non-finite update, so the
 *   paper's numbers count diverged runs the same way); for any other run the value at its last step,
 *   and when that one is not finite (an evaluation that overflowed) the run is left out of that
 *   median and counted as below, never given an earlier value.
 * - lowest loss of a run: its smallest finite value.
 * - a run with no finite value of a loss at all is left out of that loss's median and counted
 *   (the tables show "n=" beside the value when fewer runs than the group's entered).
 * - curves: a diverged run holds its last finite value after it stops, so the median curve ends
 *   where the tables' final median is; a curve starts where every run has started and goes on to
 *   the end of the longest run, the median past another run's end being over the runs still going
 *   (the plots mark those ends).
 * - statuses: completed and diverged runs by default; running, failed and interrupted runs are
 *   excluded unless --status names them, and their number is printed.
 */
export const DIVERGED_POLICY =
  'Diverged runs enter the medians with their last finite loss (the value before it became non-finite) ' +
  'and are counted in the Runs column; a run with no finite value of a loss, or another run whose last value ' +
  'of it is not finite, is left out of that median and the value shows n=<runs that entered>. ' +
  'In the curves a diverged run holds its last finite value.';

export const STATISTIC_DESCRIPTION = (resamples: number, seed: number) =>
  `Values: mean over ${resamples} bootstrap resamples (runs drawn with replacement, seed ${seed}) of the ` +
  'median over runs; error: standard deviation of the resampled medians. Medians to four significant ' +
  'figures, errors to two, as in the paper\'s Table 5.';
