import { escapeXml, linearTicks } from './svg-plot.js';

/**
 * Horizontal bar charts with error bars, as hand-written SVG (the rankings of Figure 5): one bar per
 * entry in the given order, the value and error printed beside it. A log value axis when the
 * values span more than a factor `logRatio` (losses often do), else linear from zero.
 * Every bar is one <rect class="bar">, every error bar one <path class="error-bar">.
 */

export interface BarEntry {
  label: string;
  value: number;
  /** half-width of the error bar; NaN or 0 draws none */
  error: number;
  /** text printed after the bar, e.g. "0.3582 ± 0.00086" */
  text: string;
  color: string;
}

export interface BarChartSpec {
  title?: string;
  valueLabel: string;
  entries: BarEntry[];
  width?: number;
  /** switch to a log axis when max / min of the positive values exceeds this (default 20) */
  logRatio?: number;
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const CHAR_WIDTH = 6.5;
const ROW = 26;

export function renderBarChart(spec: BarChartSpec): string {
  const width = spec.width ?? 640;
  const labelWidth = 16 + CHAR_WIDTH * Math.max(4, ...spec.entries.map((e) => e.label.length));
  const textWidth = 16 + CHAR_WIDTH * Math.max(4, ...spec.entries.map((e) => e.text.length));
  const top = spec.title ? 34 : 12;
  const area = { x: labelWidth, y: top, w: width - labelWidth - textWidth - 12, h: Math.max(1, spec.entries.length) * ROW };
  if (area.w < 80) throw new Error(`bar chart of width ${width} px is too narrow for its labels`);
  const height = area.y + area.h + 50;

  const finite = spec.entries.filter((e) => Number.isFinite(e.value));
  const positive = finite.filter((e) => e.value > 0);
  const lowEnds = positive.map((e) => (e.error > 0 && e.value - e.error > 0 ? e.value - e.error : e.value));
  const highEnds = finite.map((e) => e.value + (e.error > 0 ? e.error : 0));
  const useLog =
    positive.length === finite.length && positive.length > 0 &&
    Math.max(...highEnds) / Math.min(...lowEnds) > (spec.logRatio ?? 20);
  // close positive values (all within a factor 2): zoom in, or every bar would look the same
  const lows = finite.map((e) => e.value - (e.error > 0 ? e.error : 0));
  const zoom = !useLog && positive.length === finite.length && positive.length > 1 && Math.max(...highEnds) < 2 * Math.min(...lows);
  const span = Math.max(...highEnds) - Math.min(...lows);
  const axis = useLog
    ? logAxis(Math.min(...lowEnds), Math.max(...highEnds))
    : zoom
      ? linearAxis(Math.max(0, Math.min(...lows) - 0.15 * span), Math.max(...highEnds) + 0.05 * span)
      : linearAxis(Math.min(0, ...finite.map((e) => e.value)), Math.max(0, ...highEnds));
  const toPx = (v: number) => {
    const f = useLog ? Math.log10(Math.max(v, axis.min)) : v;
    const a = useLog ? Math.log10(axis.min) : axis.min;
    const b = useLog ? Math.log10(axis.max) : axis.max;
    return area.x + ((Math.min(f, b) - a) / (b - a)) * area.w;
  };

  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  if (spec.title) out.push(`<text x="${fmt(area.x + area.w / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(spec.title)}</text>`);
  const grid = axis.ticks.map((t) => `M${fmt(toPx(t.value))} ${area.y}V${area.y + area.h}`).join('');
  out.push(`<path class="grid" d="${grid}" stroke="#e6e6e6" fill="none"/>`);
  const base = useLog || zoom ? axis.min : 0;
  spec.entries.forEach((e, i) => {
    const cy = area.y + ROW * i + ROW / 2;
    out.push(`<text x="${fmt(area.x - 8)}" y="${fmt(cy)}" dy="0.35em" text-anchor="end" font-size="12" ${FONT}>${escapeXml(e.label)}</text>`);
    if (!Number.isFinite(e.value)) {
      out.push(`<text x="${fmt(area.x + 6)}" y="${fmt(cy)}" dy="0.35em" font-size="11" fill="#666666" ${FONT}>${escapeXml(e.text)}</text>`);
      return;
    }
    const x0 = toPx(Math.min(base, e.value));
    const x1 = toPx(Math.max(base, e.value));
    out.push(`<rect class="bar" data-label="${escapeXml(e.label)}" x="${fmt(x0)}" y="${fmt(cy - 8)}" width="${fmt(Math.max(1, x1 - x0))}" height="16" fill="${escapeXml(e.color)}" fill-opacity="0.8"/>`);
    let textX = toPx(e.value);
    if (e.error > 0) {
      const a = toPx(e.value - e.error);
      const b = toPx(e.value + e.error);
      out.push(`<path class="error-bar" d="M${fmt(a)} ${fmt(cy)}H${fmt(b)}M${fmt(a)} ${fmt(cy - 5)}V${fmt(cy + 5)}M${fmt(b)} ${fmt(cy - 5)}V${fmt(cy + 5)}" stroke="black" stroke-width="1.2" fill="none"/>`);
      textX = b;
    }
    out.push(`<text x="${fmt(Math.max(textX, x1) + 6)}" y="${fmt(cy)}" dy="0.35em" font-size="11" ${FONT}>${escapeXml(e.text)}</text>`);
  });
  // left and bottom axis lines only: value texts may run past the last tick into the margin
  out.push(`<path class="axis" d="M${area.x} ${area.y}V${area.y + area.h}H${fmt(area.x + area.w)}" fill="none" stroke="black"/>`);
  for (const t of axis.ticks) {
    const px = fmt(toPx(t.value));
    out.push(`<line x1="${px}" y1="${area.y + area.h}" x2="${px}" y2="${area.y + area.h + 5}" stroke="black"/>`);
    out.push(`<text x="${px}" y="${area.y + area.h + 18}" text-anchor="middle" font-size="11" ${FONT}>${t.label}</text>`);
  }
  out.push(`<text x="${fmt(area.x + area.w / 2)}" y="${height - 10}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(spec.valueLabel + (useLog ? ' (log scale)' : zoom && axis.min > 0 ? ' (axis starts above zero)' : ''))}</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}

interface Axis {
  min: number;
  max: number;
  ticks: { value: number; label: string }[];
}

function logAxis(lo: number, hi: number): Axis {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const stride = Math.max(1, Math.ceil((last - first) / 6));
  const ticks: Axis['ticks'] = [];
  for (let k = first; k <= last; k += stride) ticks.push({ value: 10 ** k, label: `10<tspan dy="-0.5em" font-size="8">${k}</tspan>` });
  return { min: 10 ** first, max: 10 ** last, ticks };
}

function linearAxis(lo: number, hi: number): Axis {
  if (hi <= lo) hi = lo + 1;
  const { ticks, outerLow, outerHigh } = linearTicks(lo, hi, 5);
  return { min: outerLow, max: outerHigh, ticks };
}

function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}
