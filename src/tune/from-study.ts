/**
 * `sfn run <config> --from-study <study>`: the study's best configuration as the experiment's one
 * optimiser entry (preset `tuned`), for the final runs with many seeds.
 */
import type { ExperimentSpec, OptimiserSpec } from '../config/experiment.js';
import { openStore } from '../store/store.js';
import { trialOptimiser } from './study-definition.js';
import { bestTrial } from './study-summary.js';

/** What must agree between the study's experiment and the one the best configuration is run in. */
const SAME = ['dataset', 'model', 'loss'] as const;

export async function tunedEntry(db: string, studyName: string, spec: ExperimentSpec): Promise<OptimiserSpec> {
  const store = await openStore(db, { readonly: true });
  try {
    const studies = store.studies();
    const study = await studies.findStudy(studyName);
    if (!study) {
      const known = (await studies.listStudies()).map((s) => s.name);
      throw new Error(`--from-study: no study '${studyName}' in ${store.location}; recorded: ${known.length ? known.join(', ') : 'none (run `sfn tune` first)'}`);
    }
    const identity = study.settings.experiment.identity;
    const differ = SAME.filter((k) => identity[k] !== spec[k]);
    if (differ.length) {
      throw new Error(
        `--from-study ${studyName}: the study tuned ${study.settings.optimiser} on ${differ.map((k) => `${k} ${String(identity[k])}`).join(', ')}, ` +
          `but ${spec.file} has ${differ.map((k) => `${k} ${spec[k]}`).join(', ')}; name the experiment file the study was made with`,
      );
    }
    const best = bestTrial(study, await studies.listTrials(study.id));
    if (!best) throw new Error(`--from-study ${studyName}: no trial of the study has a result yet; run or resume it with \`sfn tune\``);
    const entry = trialOptimiser(study.settings, best.config, spec.batchSize, 'tuned');
    return { ...entry, index: 0 } as OptimiserSpec;
  } finally {
    await store.close();
  }
}
