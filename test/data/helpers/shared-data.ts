// Where the tests find the shared data files: $SFN_TEST_SHARED_DATASETS, else ../shared/datasets.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED_DATASETS = process.env.SFN_TEST_SHARED_DATASETS ?? path.resolve(repoRoot, '../shared/datasets');
