import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plural } from '../../src/util/plural.js';
import { paperSettingMismatch } from '../../src/report/paper-table5.js';
import { describeOutcome } from '../../src/train/progress-display.js';
import type { RunRecord } from '../../src/store/types.js';

test('counts are written with the noun in the right number', () => {
  assert.equal(plural(0, 'run'), '0 runs');
  assert.equal(plural(1, 'run'), '1 run');
  assert.equal(plural(2, 'run'), '2 runs');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
  assert.equal(paperSettingMismatch('UCI Energy', { epochs: 1 }), '1 epoch, the paper ran 6000');
  assert.equal(paperSettingMismatch('UCI Energy', { epochs: 6000, maxSteps: 1 }), 'stopped after 1 step');
  const run = { id: 7, status: 'completed', steps: 1, wallSeconds: 0.5, evalSeconds: 0.1 } as unknown as RunRecord;
  assert.equal(describeOutcome({ kind: 'finished', run, stopReason: 'epochs' }), 'completed, 1 step in 0.5 s (evaluation 0.1 s)');
  assert.equal(describeOutcome({ kind: 'interrupted', run }), 'interrupted after 1 step; rerun the same command to redo it');
});
