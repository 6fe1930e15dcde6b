/** `sfn data list | fetch <name...> | verify <name...>`: the dataset registry and download cache. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { describeProblem, ensureDatasetFiles, verifyDataset } from '../data/cache.js';
import { cachePath, resolveDataDir, resolveMirror } from '../data/locations.js';
import { DATASET_NAMES, REGISTRY, isDatasetName, type DatasetName } from '../data/registry.js';
import { FetchProgressPrinter, megabytes } from './fetch-progress.js';
import { plural } from '../util/plural.js';

interface DirOptions {
  dataDir?: string;
}
interface FetchOptions extends DirOptions {
  mirror?: string;
  builtIn: boolean;
}

const DATA_DIR_HELP = 'cache folder (default: $SFN_DATA_DIR, else ./datasets)';
const MIRROR_HELP = 'folder or http(s) base URL laid out as <mirror>/<dataset>/<file>, used instead of the canonical URLs (default: $SFN_DATA_MIRROR)';

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('list, download and verify the datasets');

  data
    .command('list')
    .description('list the datasets, their files, sizes and whether they are in the cache')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object instead of a table')
    .action(async (opts: DirOptions & { json?: boolean }) => {
      const dataDir = resolveDataDir(opts.dataDir);
      const rows = [];
      for (const name of DATASET_NAMES) {
        const entry = REGISTRY[name];
        const files = [];
        for (const f of entry.files) {
          const size = (await stat(cachePath(dataDir, name, f.name)).catch(() => undefined))?.size;
          files.push({ name: f.name, bytes: f.bytes, cached: size === f.bytes, url: f.url });
        }
        rows.push({
          name, task: entry.task, classes: entry.classes, split: entry.splitRows, licence: entry.licence,
          bytes: entry.files.reduce((a, f) => a + f.bytes, 0), builtIn: entry.builtIn !== undefined,
          cached: files.every((f) => f.cached), files,
        });
      }
      if (opts.json) {
        console.log(JSON.stringify({ dataDir, datasets: rows }));
        return;
      }
      console.log(`cache: ${dataDir}`);
      console.log(pad('dataset', 15) + pad('task', 16) + pad('train/val/test', 22) + pad('size', 10) + pad('built in', 10) + 'cached');
      for (const r of rows) {
        const cachedFiles = r.files.filter((f) => f.cached).length;
        const state = r.cached ? 'yes' : cachedFiles === 0 ? 'no' : `${cachedFiles} of ${plural(r.files.length, 'file')}`;
        console.log(pad(r.name, 15) + pad(r.task, 16) + pad(r.split.join('/'), 22) + pad(megabytes(r.bytes), 10) + pad(r.builtIn ? 'yes' : 'no', 10) + state);
      }
      console.log('(built in = shipped with sfn, used offline; cached = present with the right size; `sfn data verify <name>` checks the checksums)');
    });

  data
    .command('fetch')
    .description('download datasets into the cache (or copy them from a mirror), verifying sizes and checksums')
    .argument('<name...>', `dataset names (${DATASET_NAMES.join(', ')}) or "all"`)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--mirror <url-or-dir>', MIRROR_HELP)
    .option('--no-built-in', 'ignore the copy shipped with sfn (UCI Energy): fetch into the cache from the mirror or the canonical URL')
    .action(async (names: string[], opts: FetchOptions, cmd: Command) => {
      const chosen = datasetNames(names, cmd);
      try {
        resolveMirror(opts.mirror);
      } catch (err) {
        cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      // every dataset is tried; the failures are reported together at the end
      const failures: string[] = [];
      for (const name of chosen) {
        const progress = new FetchProgressPrinter();
        try {
          const paths = await ensureDatasetFiles(name, { dataDir: opts.dataDir, mirror: opts.mirror, builtIn: opts.builtIn, onProgress: (p) => progress.update(p) });
          progress.stop();
          const where = [...new Set(Object.values(paths).map((p) => path.dirname(p)))];
          console.log(`${name}: ready in ${where.join(', ')}`);
        } catch (err) {
          progress.stop();
          failures.push(`fetching ${name} failed: ${(err as Error).message}`);
        }
      }
      if (failures.length === 1) cmd.error(`error: ${failures[0]}`, { exitCode: 1 });
      if (failures.length > 1) cmd.error(`error: ${failures.length} datasets failed:\n${failures.map((f) => `  ${f}`).join('\n')}`, { exitCode: 1 });
    });

  data
    .command('verify')
    .description('check the sizes and checksums of cached datasets (downloads nothing); exit status 1 on any problem')
    .argument('<name...>', `dataset names (${DATASET_NAMES.join(', ')}) or "all"`)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (names: string[], opts: DirOptions, cmd: Command) => {
      const chosen = datasetNames(names, cmd);
      let problems = 0;
      for (const name of chosen) {
        const reports = await verifyDataset(name, { dataDir: opts.dataDir });
        for (const r of reports) {
          const line = describeProblem(r);
          if (r.status.state !== 'ok') problems++;
          console.log(`${name}/${r.file.name}: ${line}`);
        }
      }
      if (problems > 0) {
        console.error(`${plural(problems, 'file')} missing or wrong; run \`sfn data fetch <name>\` to (re)download them`);
        process.exitCode = 1;
      }
    });
}

function datasetNames(names: string[], cmd: Command): DatasetName[] {
  if (names.includes('all')) return [...DATASET_NAMES];
  const unknown = names.filter((n) => !isDatasetName(n));
  if (unknown.length > 0) {
    cmd.error(`error: unknown dataset ${unknown.map((n) => `"${n}"`).join(', ')}; choose from ${DATASET_NAMES.join(', ')} or "all"`, {
      exitCode: 2,
    });
  }
  return [...new Set(names)] as DatasetName[];
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}
