import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runLogFolder } from '../../src/train/run-log.js';

test('run logs go to runs/logs for the default database, else beside the database in a folder named after it', () => {
  assert.equal(runLogFolder('runs/sfn.db'), path.join('runs', 'logs'));
  assert.equal(runLogFolder(path.resolve('runs/sfn.db')), path.join('runs', 'logs'));
  assert.equal(runLogFolder(':memory:'), path.join('runs', 'logs'));
  assert.equal(runLogFolder('/tmp/h-ux.db'), '/tmp/h-ux-logs');
  assert.equal(runLogFolder('results/night.sqlite'), path.join('results', 'night-logs'));
  assert.equal(runLogFolder('runs/other.db'), path.join('runs', 'other-logs'));
  assert.equal(runLogFolder('plain'), 'plain-logs');
  assert.equal(runLogFolder('.hidden'), '.hidden-logs');
});
