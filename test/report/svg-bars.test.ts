import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBarChart, type BarEntry } from '../../src/report/svg-bars.js';
import { assertWellFormedSvg } from './xml.js';

const entry = (label: string, value: number, error: number): BarEntry => ({ label, value, error, text: `${value} ± ${error}`, color: '#123456' });
const widths = (svg: string) => [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));

test('bar chart: one bar and error bar per entry, widths ordered by value, escaped labels', () => {
  const svg = renderBarChart({ title: 'A & B', valueLabel: 'loss', entries: [entry('<a>', 1, 0.1), entry('b', 2, 0.2), entry('c', 4, 0)] });
  assertWellFormedSvg(svg);
  assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 3);
  assert.equal((svg.match(/<path class="error-bar"/g) ?? []).length, 2, 'no error bar for a zero error');
  const [a, b, c] = widths(svg);
  assert.ok(Math.abs(b / a - 2) < 0.02 && Math.abs(c / a - 4) < 0.03, 'linear from zero: lengths proportional to values');
  assert.ok(svg.includes('data-label="&lt;a&gt;"') && svg.includes('A &amp; B'));
  assert.ok(!svg.includes('log scale') && !svg.includes('above zero'));
});

test('bar chart: a log axis for values spanning decades, a zoomed axis for close values, no bar without a value', () => {
  const log = renderBarChart({ valueLabel: 'loss', entries: [entry('a', 0.001, 0.0001), entry('b', 10, 1), { ...entry('none', NaN, NaN), text: 'no finite value' }] });
  assertWellFormedSvg(log);
  assert.match(log, /loss \(log scale\)/);
  assert.equal((log.match(/<rect class="bar"/g) ?? []).length, 2);
  assert.match(log, /10<tspan dy="-0.5em" font-size="8">-3<\/tspan>/);
  const close = renderBarChart({ valueLabel: 'loss', entries: [entry('a', 0.3566, 0.0006), entry('b', 0.4423, 0.0023)] });
  assertWellFormedSvg(close);
  assert.match(close, /loss \(axis starts above zero\)/);
  const [a, b] = widths(close);
  assert.ok(b > 2 * a, `zoomed: the difference is visible (${a} vs ${b})`);
});
