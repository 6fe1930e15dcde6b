import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DB_PATH, isServerUrl, openStore, type Store } from '../store/index.js';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = 'SQLite format 3\u0000';

const EXPECTED = `an SQLite results database written by \`sfn run\` (default ${DEFAULT_DB_PATH})`;

/**
 * Opens a results database for reading, first making sure `path` is one: a missing file, a folder,
 * an empty file or a file of another kind each get one line naming the file, what was expected and
 * how to fix it, instead of SQLite's "file is not a database". Never writes to the file. A
 * postgresql:// URL opens the server's results (read-only: no migration).
 */
export async function openResults(path: string): Promise<Store> {
  if (isServerUrl(path)) return openStore(path, { readonly: true });
  if (path !== ':memory:' && existsSync(path)) checkResultsFile(path);
  try {
    return await openStore(path, { readonly: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) {
      throw new Error(`${path} could not be read as ${EXPECTED}: ${(err as Error).message}; point --db at another file`, { cause: err });
    }
    throw err;
  }
}

function checkResultsFile(path: string): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    const inside = join(path, 'sfn.db');
    throw new Error(`${path} is a folder: point --db at ${EXPECTED}${existsSync(inside) ? `, e.g. --db ${inside}` : ''}`);
  }
  if (stat.size === 0) {
    throw new Error(`${path} is empty, not ${EXPECTED}: record runs into it with \`sfn run --db ${path}\` or point --db at another file`);
  }
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER) {
    throw new Error(`${path} is not a results database (not an SQLite file): point --db at ${EXPECTED}`);
  }
}
