/**
 * A throw-away PostgreSQL server from the machine's binaries (Debian's postgresql package puts them
 * in /usr/lib/postgresql/<version>/bin): `initdb` into a temporary folder, `pg_ctl start` listening
 * on 127.0.0.1 only (no Unix socket) on a free port, trust authentication for the user `sfn`.
 * The tests, the fault tests and scripts/store-load.ts use it; run on its own it starts a server,
 * prints its URL and stops it on Ctrl-C:
 *   node --import tsx scripts/local-postgres.ts [--keep-running]
 *
 * initdb and postgres refuse to run as root. As root (CI) the server runs as the `postgres` user
 * (else `nobody`) in a folder that user owns, under $TMPDIR when that user can reach it, else /tmp.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface LocalPostgres {
  /** postgresql://sfn@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** a fresh database on this server (CREATE DATABASE), as a URL */
  createDatabase(name: string): Promise<string>;
  /** a fresh schema in the postgres database, as a URL whose connections use it (cheaper than a database) */
  createSchema(name: string): Promise<string>;
  /** stops the server (fast shutdown: running transactions are rolled back, committed ones kept) */
  stop(): void;
  /** starts it again on the same port and data */
  start(): void;
  /** stops it and removes its folder */
  remove(): void;
}

/** The folder holding initdb, pg_ctl and postgres: $SFN_PG_BIN, the newest /usr/lib/postgresql/<v>/bin, or pg_config's; null when there is none. */
export function postgresBinaries(): string | null {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(path.join(dir, b)));
  const env = process.env.SFN_PG_BIN;
  if (env) return has(env) ? env : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  return dir && has(dir) ? dir : null;
}

/** uid and gid of a user from /etc/passwd, or null. */
function userIds(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no passwd file: no such user
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server; throws when there are no binaries (call postgresBinaries() first to skip instead). */
export async function startLocalPostgres(options: { durable?: boolean } = {}): Promise<LocalPostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('no PostgreSQL binaries (initdb, pg_ctl, postgres): install the postgresql package or set SFN_PG_BIN');
  const root = process.getuid?.() === 0;
  const as = root ? (userIds('postgres') ?? userIds('nobody')) : null;
  if (root && !as) throw new Error('running as root, but there is neither a postgres nor a nobody user to run the server as');
  const ids = as ? { uid: as.uid, gid: as.gid } : {};
  const run = (cmd: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(path.join(bin, cmd), args, { ...ids, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, timeout: 120_000 });

  const dir = ownFolder(as);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  let running = false;
  const fail = (what: string, r: SpawnSyncReturns<string>): never => {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}${serverLog}`);
  };
  try {
    const init = run('initdb', ['-D', data, '-U', 'sfn', '--auth=trust', '-E', 'UTF8', '--locale=C', ...(options.durable ? [] : ['--no-sync'])]);
    if (init.status !== 0) fail('initdb', init);
    const port = await freePort();
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        // tests: no disk flushes (a clean stop still keeps every commit); the load figure asks for durable
        ...(options.durable ? [] : ['fsync = off', 'full_page_writes = off']),
        'max_connections = 200',
      ].join('\n') + '\n',
    );
    const start = () => {
      const r = run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
      if (r.status !== 0) fail('pg_ctl start', r);
      running = true;
    };
    const stop = () => {
      if (!running) return;
      const r = run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      if (r.status !== 0) fail('pg_ctl stop', r);
      running = false;
    };
    const onExit = () => {
      // the test process is ending without remove(): never leave a server behind
      if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    start();
    const url = `postgresql://sfn@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      async createDatabase(name: string) {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
        } finally {
          await client.end();
        }
        return `postgresql://sfn@127.0.0.1:${port}/${name}`;
      },
      async createSchema(name: string) {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE SCHEMA "${name.replace(/"/g, '')}"`);
        } finally {
          await client.end();
        }
        return `${url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
      },
      stop,
      start,
      remove() {
        try {
          stop();
        } finally {
          process.off('exit', onExit);
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A new temporary folder owned by the server's user, in a place that user can reach. */
function ownFolder(as: { uid: number; gid: number } | null): string {
  const candidates = as ? [tmpdir(), '/tmp'] : [tmpdir()];
  for (const base of candidates) {
    const dir = mkdtempSync(path.join(base, 'sfn-pg-'));
    if (!as) return dir;
    chownSync(dir, as.uid, as.gid);
    const reach = spawnSync('/bin/sh', ['-c', 'cd "$1" && test -w .', 'sh', dir], { uid: as.uid, gid: as.gid });
    if (reach.status === 0) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`the server's user (uid ${as!.uid}) can reach neither ${candidates.join(' nor ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startLocalPostgres({ durable: true });
  process.stdout.write(`${server.url}\n(Ctrl-C stops the server and removes its data)\n`);
  const end = () => {
    server.remove();
    process.exit(0);
  };
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
  setInterval(() => {}, 1 << 30);
}
