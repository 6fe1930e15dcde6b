/**
 * The heartbeat thread (see heartbeat.ts): its own connection to the store's database; every
 * interval one statement per kind writes the database's clock into the held rows and reports those
 * it no longer finds. A failed write (server down, file locked past the timeout) is retried at the
 * next beat with a fresh connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { heldKey, type FromHeartbeatThread, type Held, type HeartbeatThreadData, type ToHeartbeatThread } from './heartbeat.js';
import { beatSqlite, beatPostgres, type Beater } from './heartbeat-sql.js';

const { target, intervalMs } = workerData as HeartbeatThreadData;
const held = new Map<string, Held>();
let beater: Beater | null = null;
let stopping = false;
let busy = false;

const post = (m: FromHeartbeatThread) => parentPort!.postMessage(m);

async function connect(): Promise<Beater> {
  if (target.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    return beatSqlite(new Database(target.path, { timeout: target.busyTimeoutMs }));
  }
  const { default: pg } = await import('pg');
  // a beat left unanswered (a network cut leaves the connection hanging) fails, and the next beat reconnects
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: Math.max(1000, intervalMs), query_timeout: Math.max(5000, 2 * intervalMs), keepAlive: true });
  client.on('error', () => {}); // a dropped connection fails the next beat, which reconnects
  await client.connect();
  return beatPostgres(client);
}

async function beat(): Promise<void> {
  if (busy || stopping || held.size === 0) return;
  busy = true;
  try {
    beater ??= await connect();
    const items = [...held.values()];
    for (const item of await beater.beat(items)) {
      // a row released meanwhile is not lost
      if (held.delete(heldKey(item))) post({ type: 'lost', item });
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
    const old = beater;
    beater = null;
    await old?.close().catch(() => {});
  } finally {
    busy = false;
  }
}

const timer = setInterval(() => void beat(), intervalMs);
post({ type: 'ready' });

parentPort!.on('message', (m: ToHeartbeatThread) => {
  switch (m.type) {
    case 'hold':
      held.set(heldKey(m.item), m.item);
      return;
    case 'release':
      held.delete(heldKey(m.item));
      return;
    case 'stop':
      stopping = true;
      clearInterval(timer);
      void (async () => {
        while (busy) await new Promise((r) => setTimeout(r, 10));
        await beater?.close().catch(() => {});
        post({ type: 'stopped' });
        process.exit(0);
      })();
      return;
  }
});
