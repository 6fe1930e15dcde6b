// Data the tests use, all inside the repository: the UCI Energy copy shipped in data/ (laid out as
// <dataset>/<file>, so it also serves as a mirror folder) and the small files under test/fixtures/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** the built-in datasets folder, usable as a mirror: <BUILT_IN_DATA>/uci-energy/data.txt */
export const BUILT_IN_DATA = path.join(repoRoot, 'data');
/** committed test fixtures, each folder with its SOURCES.md */
export const FIXTURES = path.join(repoRoot, 'test', 'fixtures');
