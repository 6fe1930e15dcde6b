import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/start-idle-thread.ts', import.meta.url));

test('a worker thread with a message listener, once idle, does not keep its process alive', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'the process ended on its own (not killed by the time-out)');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'started\n');
});
