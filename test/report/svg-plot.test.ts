import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, renderLinePlot, renderPlotGrid } from '../../src/report/svg-plot.js';
import type { LinePlotSpec } from '../../src/report/svg-plot.js';
import { assertWellFormedSvg as assertWellFormed } from './xml.js';

const count = (s: string, needle: RegExp): number => (s.match(needle) ?? []).length;

const basePlot: LinePlotSpec = {
  title: 'Loss & <accuracy> "test"',
  x: { label: 'Step' },
  y: { label: 'Loss', scale: 'log' },
  series: [
    { label: 'SGD', x: [0, 1, 2, 3], y: [1, 0.5, 0.25, 0.125], band: { lower: [0.9, 0.4, 0.2, 0.1], upper: [1.1, 0.6, 0.3, 0.15] } },
    { label: 'Adam <fast>', x: [0, 1, 2, 3], y: [2, NaN, 0.3, 0.2], dash: '4 2' },
    { label: 'Ours', x: [0, 1, 2, 3], y: [0.8, 0, 0.1, 0.05] },
  ],
};

test('one path per series, one per band, well-formed and escaped', () => {
  const svg = renderLinePlot(basePlot);
  assertWellFormed(svg);
  assert.equal(count(svg, /<path class="series"/g), 3);
  assert.equal(count(svg, /<path class="band"/g), 1);
  assert.ok(svg.includes('Loss &amp; &lt;accuracy&gt; &quot;test&quot;'));
  assert.ok(svg.includes('data-label="Adam &lt;fast&gt;"'));
  assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'), 'no non-finite coordinates');
});

test('non-finite and (on log axes) non-positive points break the line', () => {
  const svg = renderLinePlot(basePlot);
  const paths = [...svg.matchAll(/<path class="series" data-label="([^"]*)" d="([^"]*)"/g)].map((m) => [m[1], m[2]]);
  const moves = (d: string): number => count(d, /M/g);
  const lines = (d: string): number => count(d, /L/g);
  assert.deepEqual(paths.map(([, d]) => moves(d)), [1, 2, 2]);
  assert.deepEqual(paths.map(([, d]) => lines(d)), [3, 1, 1]);
});

test('axes: log ticks are powers of ten, linear ticks are round numbers, labels present', () => {
  const svg = renderLinePlot({
    x: { label: 'Time (s)', scale: 'log' },
    y: { label: 'Accuracy', min: 0, max: 1 },
    series: [{ label: 'a', x: [1, 10, 100, 1000, 10000], y: [0.1, 0.3, 0.5, 0.7, 0.9] }],
  });
  assertWellFormed(svg);
  for (const k of ['1', '2', '3', '4']) assert.ok(svg.includes(`10<tspan dy="-0.5em" font-size="8">${k}</tspan>`), `10^${k}`);
  for (const label of ['0.2', '0.4', '0.6', '0.8', '1.0']) assert.ok(svg.includes(`>${label}</text>`), label);
  assert.ok(svg.includes('>Time (s)</text>') && svg.includes('>Accuracy</text>'));
});

test('narrow log ranges and constant data still get ticks and finite coordinates', () => {
  const narrow = renderLinePlot({ x: {}, y: { scale: 'log' }, series: [{ label: 'n', x: [0, 1, 2], y: [0.31, 0.35, 0.39] }] });
  assertWellFormed(narrow);
  assert.ok(count(narrow, /text-anchor="end"/g) >= 2, 'y tick labels');
  const flat = renderLinePlot({ x: {}, y: {}, series: [{ label: 'c', x: [0, 1], y: [5, 5] }] });
  assertWellFormed(flat);
  assert.ok(!flat.includes('NaN'));
  const empty = renderLinePlot({ x: {}, y: {}, series: [] });
  assertWellFormed(empty);
});

test('grids place panels side by side and keep ids unique', () => {
  const svg = renderPlotGrid([basePlot, { ...basePlot, title: 'second', legend: 'none' }, { ...basePlot, legend: 'inside' }], { columns: 2, title: 'All' });
  assertWellFormed(svg);
  assert.equal(count(svg, /<path class="series"/g), 9);
  const ids = [...svg.matchAll(/clipPath id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, 3);
  assert.match(svg, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1280" height="870"/);
  assert.equal(count(svg, /class="legend"/g), 2);
});

test('bad input is explained', () => {
  assert.throws(() => renderLinePlot({ x: {}, y: {}, series: [{ label: 'bad', x: [1, 2], y: [1] }] }), /'bad': x has 2 values, y has 1/);
  assert.throws(() => renderLinePlot({ x: {}, y: { scale: 'log', min: 0 }, series: [] }), /positive minimum/);
  assert.throws(() => renderLinePlot({ x: { min: 2, max: 1 }, y: {}, series: [] }), /above its maximum/);
  assert.throws(() => renderPlotGrid([]), /at least one plot/);
  assert.equal(escapeXml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&apos;');
});

test('marks: an open circle on the line at each x (interpolated between points), explained by one legend row', () => {
  const plot: LinePlotSpec = {
    x: { scale: 'log', min: 1, max: 100 },
    y: { scale: 'log', min: 1, max: 100 },
    legend: 'inside',
    marksLabel: 'a run ends',
    series: [
      { label: 'A', x: [1, 10, 100], y: [100, 10, 1], marks: [10, Math.sqrt(10), 1000] },
      { label: 'B', x: [1, 100], y: [1, 100] },
    ],
  };
  const svg = renderLinePlot(plot);
  assertWellFormed(svg);
  const marks = [...svg.matchAll(/<path class="marks" d="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(marks.length, 1, 'one path for the series with marks');
  const centres = [...marks[0].matchAll(/M([\d.]+) ([\d.]+)a/g)].map((m) => [Number(m[1]) + 3.5, Number(m[2])]);
  assert.equal(centres.length, 2, 'the mark beyond the line is not drawn');
  // on log-log axes the line from (1, 100) to (100, 1) is straight: each mark's pixel y mirrors its pixel x
  const line = /<path class="series" data-label="A" d="M([\d.]+) ([\d.]+)L[\d.]+ [\d.]+L([\d.]+) ([\d.]+)"/.exec(svg)!.slice(1).map(Number);
  for (const [cx, cy] of centres) {
    const t = (cx - line[0]) / (line[2] - line[0]);
    assert.ok(Math.abs(cy - (line[1] + t * (line[3] - line[1]))) < 0.02, `mark at ${cx}, ${cy} lies on the line`);
  }
  assert.match(svg, /<g class="legend">[\s\S]*>a run ends<\/text>/);
  const without = renderLinePlot({ ...plot, series: [plot.series[1]] });
  assert.doesNotMatch(without, /a run ends|class="marks"/, 'no legend row when nothing is marked');
});
