/**
 * The PostgreSQL connection of a store: a small pool (node-postgres), and every query or transaction
 * retried with exponential backoff while the server cannot be reached (restarting, network down),
 * up to a deadline. A transaction is retried whole; each one in the stores is written so that
 * running it again after a commit whose answer was lost does no harm (upserts, claim tokens,
 * attempt guards).
 */
import pg from 'pg';

// counts and bigint columns as numbers (every one sfn stores is far below 2^53)
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export type Query = <R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

/** SQLSTATE classes and codes that mean "try again": connection lost, server starting or stopping, a serialisation conflict. */
const TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

export function isTransient(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  if (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code)) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Connection ended|the database system is (starting up|shutting down)/i.test(message);
}

export interface PgDatabaseOptions {
  /** keep retrying for this long, in ms (default 10 minutes) */
  retryMs?: number;
  onRetry?: (message: string) => void;
  /** connections in the pool (default 4: the training loop's reports and a background metrics flush) */
  max?: number;
}

export class PgDatabase {
  readonly pool: pg.Pool;
  private readonly retryMs: number;
  private outage = false;

  constructor(
    readonly url: string,
    private readonly options: PgDatabaseOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 10 * 60_000;
    // TCP keep-alive: a connection to a server that vanished without closing it (network cut) is found dead and retried
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    // a connection that breaks while idle or between queries is dropped; the next query reconnects
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** One statement, retried while the server cannot be reached. */
  query: Query = (text, params) => this.retry(async () => (await this.pool.query(text, params)).rows);

  /** `fn` in one transaction (READ COMMITTED), retried whole while the server cannot be reached. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.retry(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const q: Query = async (text, params) => (await client.query(text, params)).rows;
        const result = await fn(q);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        if (isTransient(e)) broken = e as Error;
        else await client.query('ROLLBACK').catch((r: Error) => (broken = r));
        throw e;
      } finally {
        client.release(broken);
      }
    });
  }

  /** Runs `op` until it succeeds, fails for good, or the deadline passes. */
  async retry<T>(op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await op();
        this.outage = false;
        return result;
      } catch (e) {
        if (!isTransient(e) || Date.now() >= deadline) {
          if (isTransient(e)) throw new Error(`PostgreSQL server ${this.display()} unreachable for ${Math.round(this.retryMs / 1000)} s: ${(e as Error).message}`, { cause: e });
          throw e;
        }
        if (!this.outage) {
          this.outage = true;
          this.options.onRetry?.(`PostgreSQL server ${this.display()} unreachable (${(e as Error).message}); retrying`);
        }
        // 50 ms doubling to 2 s, with jitter so that many workers do not return in step
        const wait = Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
      }
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private display(): string {
    try {
      const u = new URL(this.url);
      return `${u.hostname}:${u.port || 5432}`;
    } catch {
      return 'at the given URL';
    }
  }
}
