import type { GroupStats } from './group-stats.js';
import { PLOTTED_LOSSES, type LossId } from './losses.js';

export interface RankingEntry {
  rank: number;
  label: string;
  algorithm: string;
  /** bootstrap median of the runs' lowest losses, and its error */
  estimate: number;
  error: number;
  n: number;
  runs: number;
  diverged: number;
}

/** Figure 5: one setting's optimisers sorted by lowest training (or test) loss, best first. */
export interface Ranking {
  experimentId: number;
  setting: string;
  loss: LossId;
  entries: RankingEntry[];
}

/**
 * The rankings of Figure 5 for every setting and plotted loss. The lowest loss of a run is its
 * smallest finite value; the ranked value is the bootstrap median of those over runs. Rows without
 * any finite value rank last, unnumbered (rank 0).
 */
export function rankings(stats: readonly GroupStats[]): Ranking[] {
  const bySetting = new Map<number, GroupStats[]>();
  for (const s of stats) bySetting.set(s.group.experimentId, [...(bySetting.get(s.group.experimentId) ?? []), s]);
  const out: Ranking[] = [];
  for (const [experimentId, groups] of bySetting) {
    for (const loss of PLOTTED_LOSSES) {
      const entries = groups.map((s) => {
        const low = s.losses[loss].lowest;
        return {
          rank: 0,
          label: s.group.label,
          algorithm: s.group.title,
          estimate: low.estimate,
          error: low.error,
          n: low.n,
          runs: s.runs,
          diverged: s.byStatus.diverged ?? 0,
        };
      });
      const valued = entries.filter((e) => e.n > 0).sort((a, b) => a.estimate - b.estimate);
      valued.forEach((e, i) => (e.rank = i + 1));
      out.push({
        experimentId,
        setting: groups[0].group.setting,
        loss,
        entries: [...valued, ...entries.filter((e) => e.n === 0)],
      });
    }
  }
  return out;
}
