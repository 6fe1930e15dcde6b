/**
 * Line plots as hand-written SVG (no dependency): linear or log axes with ticks and labels, any
 * number of series, optional shaded bands (e.g. bootstrap spread), a legend, and grids of panels.
 * Non-finite points (and non-positive ones on a log axis) break a line instead of corrupting it.
 *
 * Every series is exactly one <path class="series">, every band one <path class="band">, so the
 * output is easy to check and to post-process.
 */

export type AxisScale = 'linear' | 'log';

export interface AxisSpec {
  label?: string;
  scale?: AxisScale;
  /** fixed limits; otherwise taken from the data (and rounded outward to ticks) */
  min?: number;
  max?: number;
}

export interface BandSpec {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  /** fill opacity (default 0.2) */
  opacity?: number;
}

export interface SeriesSpec {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; default from a ten-colour palette */
  color?: string;
  /** stroke-dasharray, e.g. '6 3' */
  dash?: string;
  /** stroke width in pixels (default 1.5) */
  width?: number;
  /** shaded region between lower and upper, drawn under the line */
  band?: BandSpec;
  /** x positions marked on the line with small open circles (e.g. where a run ends) */
  marks?: ArrayLike<number>;
}

export interface LinePlotSpec {
  title?: string;
  /** pixels (default 640 x 420) */
  width?: number;
  height?: number;
  x: AxisSpec;
  y: AxisSpec;
  series: SeriesSpec[];
  /** 'right' (outside the plot area, default), 'inside' (top-right corner) or 'none' */
  legend?: 'right' | 'inside' | 'none';
  /** what the series' marks mean, shown as the legend's last row when any series has marks */
  marksLabel?: string;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const CHAR_WIDTH = 6.5; // rough width of a 12px character, for layout

let plotCounter = 0;

/** a complete SVG document with one plot */
export function renderLinePlot(plot: LinePlotSpec): string {
  const width = plot.width ?? 640;
  const height = plot.height ?? 420;
  return wrapDocument(width, height, renderPlotBody(plot, width, height, `p${plotCounter++}`));
}

/** several plots in rows of `columns` (row-major), each at its own size, in one SVG document */
export function renderPlotGrid(plots: LinePlotSpec[], options: { columns?: number; title?: string } = {}): string {
  if (plots.length === 0) throw new Error('renderPlotGrid needs at least one plot');
  const columns = Math.max(1, Math.min(options.columns ?? plots.length, plots.length));
  const titleHeight = options.title ? 30 : 0;
  const parts: string[] = [];
  let y = titleHeight;
  let totalWidth = 0;
  for (let start = 0; start < plots.length; start += columns) {
    const row = plots.slice(start, start + columns);
    let x = 0;
    for (const plot of row) {
      const w = plot.width ?? 640;
      const h = plot.height ?? 420;
      parts.push(`<svg x="${x}" y="${y}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`);
      parts.push(renderPlotBody(plot, w, h, `p${plotCounter++}`));
      parts.push('</svg>');
      x += w;
    }
    totalWidth = Math.max(totalWidth, x);
    y += Math.max(...row.map((p) => p.height ?? 420));
  }
  if (options.title) {
    parts.unshift(`<text x="${totalWidth / 2}" y="20" text-anchor="middle" font-size="16" font-weight="bold" ${FONT}>${escapeXml(options.title)}</text>`);
  }
  return wrapDocument(totalWidth, y, parts.join('\n'));
}

function wrapDocument(width: number, height: number, body: string): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    body,
    `</svg>`,
    '',
  ].join('\n');
}

interface Scale {
  toPixel(v: number): number;
  ticks: { value: number; label: string }[];
  min: number;
  max: number;
  log: boolean;
}

function renderPlotBody(plot: LinePlotSpec, width: number, height: number, id: string): string {
  const legendMode = plot.legend ?? 'right';
  const marksRow = plot.marksLabel !== undefined && plot.series.some((s) => (s.marks?.length ?? 0) > 0) ? plot.marksLabel : undefined;
  const longestLabel = Math.max(0, ...plot.series.map((s) => s.label.length), marksRow?.length ?? 0);
  const legendWidth = legendMode === 'right' && plot.series.length > 0 ? Math.min(260, 40 + longestLabel * CHAR_WIDTH) : 0;
  const margin = { left: 70, right: 16 + legendWidth, top: plot.title ? 34 : 14, bottom: 52 };
  const area = { x: margin.left, y: margin.top, w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  if (area.w <= 20 || area.h <= 20) throw new Error(`plot of ${width} x ${height} px is too small for its margins and legend`);

  const xScale = makeScale(plot.x, plot.series, 'x', area.x, area.x + area.w);
  const yScale = makeScale(plot.y, plot.series, 'y', area.y + area.h, area.y);
  const out: string[] = [];
  out.push(`<defs><clipPath id="${id}-clip"><rect x="${area.x}" y="${area.y}" width="${area.w}" height="${area.h}"/></clipPath></defs>`);
  if (plot.title) {
    out.push(`<text x="${area.x + area.w / 2}" y="${margin.top - 12}" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(plot.title)}</text>`);
  }

  // grid lines and ticks
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of xScale.ticks) {
    const px = fmt(xScale.toPixel(t.value));
    grid.push(`M${px} ${fmt(area.y)}V${fmt(area.y + area.h)}`);
    labels.push(`<line x1="${px}" y1="${fmt(area.y + area.h)}" x2="${px}" y2="${fmt(area.y + area.h + 5)}" stroke="black"/>`);
    labels.push(`<text x="${px}" y="${fmt(area.y + area.h + 18)}" text-anchor="middle" font-size="11" ${FONT}>${tickLabel(t.label)}</text>`);
  }
  for (const t of yScale.ticks) {
    const py = fmt(yScale.toPixel(t.value));
    grid.push(`M${fmt(area.x)} ${py}H${fmt(area.x + area.w)}`);
    labels.push(`<line x1="${fmt(area.x - 5)}" y1="${py}" x2="${fmt(area.x)}" y2="${py}" stroke="black"/>`);
    labels.push(`<text x="${fmt(area.x - 8)}" y="${py}" dy="0.35em" text-anchor="end" font-size="11" ${FONT}>${tickLabel(t.label)}</text>`);
  }
  out.push(`<path class="grid" d="${grid.join('')}" stroke="#e6e6e6" stroke-width="1" fill="none"/>`);

  // bands under lines, lines on top, both clipped to the plot area
  const colorOf = (s: SeriesSpec, i: number): string => s.color ?? PALETTE[i % PALETTE.length];
  out.push(`<g clip-path="url(#${id}-clip)">`);
  plot.series.forEach((s, i) => {
    if (!s.band) return;
    const d = bandPath(s, xScale, yScale);
    out.push(`<path class="band" d="${d}" fill="${escapeXml(colorOf(s, i))}" fill-opacity="${s.band.opacity ?? 0.2}" stroke="none"/>`);
  });
  plot.series.forEach((s, i) => {
    const d = linePath(s.x, s.y, xScale, yScale, s.label);
    const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '';
    out.push(
      `<path class="series" data-label="${escapeXml(s.label)}" d="${d}" fill="none" stroke="${escapeXml(colorOf(s, i))}" stroke-width="${s.width ?? 1.5}" stroke-linejoin="round"${dash}/>`,
    );
  });
  plot.series.forEach((s, i) => {
    const d = s.marks?.length ? marksPath(s, xScale, yScale) : '';
    if (d) out.push(`<path class="marks" d="${d}" fill="white" stroke="${escapeXml(colorOf(s, i))}" stroke-width="1.5"/>`);
  });
  out.push('</g>');

  // frame, tick labels, axis labels
  out.push(`<rect x="${area.x}" y="${area.y}" width="${area.w}" height="${area.h}" fill="none" stroke="black"/>`);
  out.push(...labels);
  if (plot.x.label) {
    out.push(`<text x="${fmt(area.x + area.w / 2)}" y="${fmt(height - 12)}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(plot.x.label)}</text>`);
  }
  if (plot.y.label) {
    const cx = 16;
    const cy = area.y + area.h / 2;
    out.push(`<text x="${cx}" y="${fmt(cy)}" transform="rotate(-90 ${cx} ${fmt(cy)})" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(plot.y.label)}</text>`);
  }

  if (legendMode !== 'none' && plot.series.length > 0) {
    const rowHeight = 17;
    const boxWidth = legendMode === 'right' ? legendWidth - 10 : Math.min(area.w - 10, 40 + longestLabel * CHAR_WIDTH);
    const rows = plot.series.length + (marksRow === undefined ? 0 : 1);
    const boxHeight = rows * rowHeight + 8;
    const bx = legendMode === 'right' ? area.x + area.w + 10 : area.x + area.w - boxWidth - 6;
    const by = legendMode === 'right' ? area.y : area.y + 6;
    out.push(`<g class="legend">`);
    out.push(`<rect x="${fmt(bx)}" y="${fmt(by)}" width="${fmt(boxWidth)}" height="${boxHeight}" fill="white" fill-opacity="0.9" stroke="#bbbbbb"/>`);
    plot.series.forEach((s, i) => {
      const ly = by + 4 + rowHeight * i + rowHeight / 2;
      const color = escapeXml(colorOf(s, i));
      if (s.band) out.push(`<rect x="${fmt(bx + 6)}" y="${fmt(ly - 5)}" width="22" height="10" fill="${color}" fill-opacity="${s.band.opacity ?? 0.2}"/>`);
      const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '';
      out.push(`<line x1="${fmt(bx + 6)}" y1="${fmt(ly)}" x2="${fmt(bx + 28)}" y2="${fmt(ly)}" stroke="${color}" stroke-width="${s.width ?? 1.5}"${dash}/>`);
      out.push(`<text x="${fmt(bx + 34)}" y="${fmt(ly)}" dy="0.35em" font-size="11" ${FONT}>${escapeXml(s.label)}</text>`);
    });
    if (marksRow !== undefined) {
      const ly = by + 4 + rowHeight * plot.series.length + rowHeight / 2;
      out.push(`<path d="${circle(bx + 17, ly)}" fill="white" stroke="#555555" stroke-width="1.5"/>`);
      out.push(`<text x="${fmt(bx + 34)}" y="${fmt(ly)}" dy="0.35em" font-size="11" ${FONT}>${escapeXml(marksRow)}</text>`);
    }
    out.push('</g>');
  }
  return out.join('\n');
}

function usable(v: number, log: boolean): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

function makeScale(axis: AxisSpec, series: SeriesSpec[], which: 'x' | 'y', pixelMin: number, pixelMax: number): Scale {
  const log = (axis.scale ?? 'linear') === 'log';
  let lo = Infinity;
  let hi = -Infinity;
  const visit = (v: number): void => {
    if (usable(v, log)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  };
  for (const s of series) {
    checkLengths(s);
    const values = which === 'x' ? [s.x] : s.band ? [s.y, s.band.lower, s.band.upper] : [s.y];
    for (const arr of values) for (let i = 0; i < arr.length; i++) visit(arr[i]);
  }
  if (axis.min !== undefined) lo = axis.min;
  if (axis.max !== undefined) hi = axis.max;
  if (log && (axis.min ?? 1) <= 0) throw new Error(`a log axis needs a positive minimum, got ${axis.min}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = log ? 1 : 0;
    hi = log ? 10 : 1;
  }
  if (hi < lo) throw new Error(`axis minimum ${lo} is above its maximum ${hi}`);
  if (hi === lo) {
    if (log) {
      lo /= 2;
      hi *= 2;
    } else {
      const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
      lo -= pad;
      hi += pad;
    }
  }

  const ticks = log ? logTicks(lo, hi) : linearTicks(lo, hi);
  // linear: round the domain outward to the outer ticks; log: pad by 3% of the decades shown
  if (log) {
    const pad = 0.03 * Math.log10(hi / lo);
    if (axis.min === undefined) lo /= 10 ** pad;
    if (axis.max === undefined) hi *= 10 ** pad;
  } else {
    if (axis.min === undefined) lo = Math.min(lo, ticks.outerLow);
    if (axis.max === undefined) hi = Math.max(hi, ticks.outerHigh);
  }
  const f = log ? Math.log10 : (v: number): number => v;
  const a = f(lo);
  const b = f(hi);
  const toPixel = (v: number): number => pixelMin + ((f(v) - a) / (b - a)) * (pixelMax - pixelMin);
  const within = (list: { value: number; label: string }[]): { value: number; label: string }[] =>
    list.filter((t) => t.value >= lo - 1e-12 * Math.abs(lo) && t.value <= hi + 1e-12 * Math.abs(hi));
  let inside = within(ticks.ticks);
  // a narrow log range may hold no decade or 2x/5x mark: label it linearly instead
  if (log && inside.length < 2) inside = within(linearTicks(lo, hi).ticks).filter((t) => t.value > 0);
  return { toPixel, ticks: inside, min: lo, max: hi, log };
}

/** Round-number ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi] in about `intervals` steps; shared with the bar charts. */
export function linearTicks(lo: number, hi: number, intervals = 6): { ticks: { value: number; label: string }[]; outerLow: number; outerHigh: number } {
  const raw = (hi - lo) / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: { value: number; label: string }[] = [];
  for (let k = first; k <= last; k++) {
    const value = k * step;
    ticks.push({ value, label: formatNumber(value, decimals) });
  }
  return { ticks, outerLow: first * step, outerHigh: last * step };
}

function logTicks(lo: number, hi: number): { ticks: { value: number; label: string }[]; outerLow: number; outerHigh: number } {
  const first = Math.floor(Math.log10(lo) + 1e-12);
  const last = Math.ceil(Math.log10(hi) - 1e-12);
  const decades = last - first;
  const stride = Math.max(1, Math.ceil(decades / 8));
  const ticks: { value: number; label: string }[] = [];
  // few decades: 2x and 5x are labelled too, and every label is a plain number (0.5, 1, 2)
  const plain = decades <= 2;
  for (let k = first; k <= last; k += stride) ticks.push({ value: 10 ** k, label: plain ? formatNumber(10 ** k, Math.max(0, -k)) : `10^${k}` });
  if (plain) {
    for (let k = first; k < last; k++) for (const m of [2, 5]) ticks.push({ value: m * 10 ** k, label: formatNumber(m * 10 ** k, Math.max(0, -k)) });
    ticks.sort((p, q) => p.value - q.value);
  }
  return { ticks, outerLow: 10 ** first, outerHigh: 10 ** last };
}

function formatNumber(v: number, decimals: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(Math.min(2, Math.max(0, decimals - Math.floor(-Math.log10(a))))).replace('e+', 'e');
  return v.toFixed(Math.min(decimals, 10));
}

/** '10^k' becomes 10 with a superscript; anything else is escaped text */
function tickLabel(label: string): string {
  const m = /^10\^(-?\d+)$/.exec(label);
  if (!m) return escapeXml(label);
  return `10<tspan dy="-0.5em" font-size="8">${m[1]}</tspan>`;
}

function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, xScale: Scale, yScale: Scale, label: string): string {
  if (xs.length !== ys.length) throw new Error(`series '${label}': x has ${xs.length} values, y has ${ys.length}`);
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!usable(xs[i], xScale.log) || !usable(ys[i], yScale.log)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${fmt(xScale.toPixel(xs[i]))} ${fmt(yScale.toPixel(ys[i]))}`;
    pen = true;
  }
  return d;
}

const MARK_RADIUS = 3.5;

/** a circle as path data (two arcs), centred on (cx, cy) */
function circle(cx: number, cy: number): string {
  const r = MARK_RADIUS;
  return `M${fmt(cx - r)} ${fmt(cy)}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
}

/** a circle on the line at each mark's x (between two drawn points, where the line is drawn there) */
function marksPath(s: SeriesSpec, xScale: Scale, yScale: Scale): string {
  let d = '';
  for (let m = 0; m < (s.marks?.length ?? 0); m++) {
    const mx = s.marks![m];
    if (!usable(mx, xScale.log)) continue;
    for (let i = 0; i < s.x.length; i++) {
      const ok = (k: number): boolean => k < s.x.length && usable(s.x[k], xScale.log) && usable(s.y[k], yScale.log);
      if (!ok(i) || s.x[i] > mx) continue;
      if (s.x[i] === mx) {
        d += circle(xScale.toPixel(mx), yScale.toPixel(s.y[i]));
        break;
      }
      if (ok(i + 1) && s.x[i + 1] > mx) {
        const t = (xScale.toPixel(mx) - xScale.toPixel(s.x[i])) / (xScale.toPixel(s.x[i + 1]) - xScale.toPixel(s.x[i]));
        const py = yScale.toPixel(s.y[i]) + t * (yScale.toPixel(s.y[i + 1]) - yScale.toPixel(s.y[i]));
        d += circle(xScale.toPixel(mx), py);
        break;
      }
    }
  }
  return d;
}

/** one closed polygon per run of usable points: along the upper edge, back along the lower */
function bandPath(s: SeriesSpec, xScale: Scale, yScale: Scale): string {
  const band = s.band as BandSpec;
  let d = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length >= 2) {
      const upper = run.map((i, k) => `${k === 0 ? 'M' : 'L'}${fmt(xScale.toPixel(s.x[i]))} ${fmt(yScale.toPixel(band.upper[i]))}`);
      const lower = [...run].reverse().map((i) => `L${fmt(xScale.toPixel(s.x[i]))} ${fmt(yScale.toPixel(band.lower[i]))}`);
      d += upper.join('') + lower.join('') + 'Z';
    }
    run = [];
  };
  for (let i = 0; i < s.x.length; i++) {
    if (usable(s.x[i], xScale.log) && usable(band.lower[i], yScale.log) && usable(band.upper[i], yScale.log)) run.push(i);
    else flush();
  }
  flush();
  return d;
}

function checkLengths(s: SeriesSpec): void {
  if (s.x.length !== s.y.length) throw new Error(`series '${s.label}': x has ${s.x.length} values, y has ${s.y.length}`);
  if (s.band && (s.band.lower.length !== s.x.length || s.band.upper.length !== s.x.length)) {
    throw new Error(`series '${s.label}': band bounds must have ${s.x.length} values like x`);
  }
}

function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
