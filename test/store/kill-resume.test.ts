import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openStore, type RunStart } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/kill-writer.ts', import.meta.url));

/** Starts the writer child, SIGKILLs it once it is writing, resolves with its pid and run id. */
function killMidWrite(dbPath: string): Promise<{ pid: number; runId: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let runId = -1;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /WRITING (\d+)/.exec(out);
      if (m && runId < 0) {
        runId = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (runId < 0) reject(new Error(`writer child ended (code ${code}, ${signal}) before writing:\n${err}`));
      else if (signal !== 'SIGKILL') reject(new Error(`writer child was not killed (code ${code}):\n${err}`));
      else resolve({ pid: child.pid!, runId });
    });
  });
}

test('a process killed mid-write leaves a consistent database; the rerun skips the completed run and redoes the killed one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'runs', 'sfn.db');
    const { pid, runId } = await killMidWrite(path);

    // the file is intact and every committed batch is there, and nothing of a half-written one
    const raw = new Database(path);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();

    const store = await openStore(path);
    const [exp] = await store.listExperiments();
    const killed = (await store.getRun(runId))!;
    assert.equal(killed.status, 'running', 'left running by the killed process');
    assert.equal(killed.pid, pid);
    const written = await store.metricSeries(runId, 'loss');
    assert.ok(written.length >= 30, `committed batches survive (${written.length} rows)`);
    assert.equal(written.length % 10, 0, 'batches are all-or-nothing');
    assert.deepEqual(written.map((p) => p.step), written.map((_, i) => i));

    const completed = (await store.listRuns({ seed: 0 }))[0];
    assert.equal(completed.status, 'completed');
    assert.equal((await store.metricSeries(completed.id, 'loss')).length, 50);

    // the rerun: detect the orphan, skip the completed seed, redo the killed one from scratch
    assert.deepEqual((await store.markOrphanedRunsInterrupted()).map((r) => r.id), [runId]);
    const k = (seed: number): RunStart => ({
      experimentId: exp.id, optimiser: 'sgd', preset: null, seed, config: { lr: 0.1 }, backend: 'cpu', versions: {},
    });
    const skip = await store.beginRun(k(0));
    assert.equal(skip.action, 'skip');
    assert.equal(skip.run.id, completed.id);
    const redo = await store.beginRun(k(1));
    assert.equal(redo.action, 'start');
    if (redo.action !== 'start') return;
    assert.equal(redo.redone, true);
    assert.equal(redo.previousStatus, 'interrupted');
    assert.equal((await store.metricSeries(redo.run.id, 'loss')).length, 0);
    const w = await store.metricsWriter(redo.run.id);
    for (let s = 0; s < 20; s++) w.write({ step: s, epoch: 0, wallTime: s, wallTimeExclEval: s, key: 'loss', value: s });
    await store.finishRun(redo.run.id, { status: 'completed', steps: 20 });

    assert.deepEqual(
      (await store.listRuns()).map((r) => [r.seed, r.status]),
      [
        [0, 'completed'],
        [1, 'completed'],
      ],
      'one run per key: no duplicates',
    );
    assert.equal((await store.metricSeries(redo.run.id, 'loss')).length, 20);
    await store.close();
  } finally {
    cleanup();
  }
});
