import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipBandsToAxis } from '../../src/report/report-plots.js';

test('log-axis bands: edges at or below zero, or far below every line, are drawn to a floor set by the lines', () => {
  const series = [
    { label: 'a', x: Float64Array.of(1, 2, 3), y: Float64Array.of(1, 0.1, 0.01), band: { lower: Float64Array.of(0.5, -0.2, 1e-7), upper: Float64Array.of(2, 0.4, 0.02) } },
    { label: 'b', x: Float64Array.of(1, 2, 3), y: Float64Array.of(2, 0.5, 0.05), band: { lower: Float64Array.of(1.5, 0.004, 0.04), upper: Float64Array.of(3, 0.6, 0.06) } },
  ];
  clipBandsToAxis(series);
  // lowest line 0.01: the floor is 0.01 / 4; 0.004 stays (within it), -0.2 and 1e-7 go to the floor
  assert.deepEqual(Array.from(series[0].band.lower), [0.5, 0.0025, 0.0025]);
  assert.deepEqual(Array.from(series[1].band.lower), [1.5, 0.004, 0.04]);
  assert.deepEqual(Array.from(series[0].band.upper), [2, 0.4, 0.02]);
});
