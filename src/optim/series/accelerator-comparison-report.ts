import type { LinePlotSpec, SeriesSpec } from '../../report/svg-plot.js';
import type { ComparisonResult, ComparisonRow } from './accelerator-comparison.js';

/** display names as in the paper's Figure 10 */
const DISPLAY: Record<string, string> = {
  target: 'Target',
  original: 'Original',
  wynn: 'Shanks',
  sablonniere: 'Shanks (Sablonnière)',
  levin: 'Levin',
  pade: 'Padé',
};
/** legend order of the paper's Figure 10 */
const METHOD_ORDER = ['target', 'original', 'wynn', 'levin', 'pade', 'sablonniere'];
const COLORS: Record<string, string> = {
  target: '#000000',
  original: '#7f7f7f',
  wynn: '#1f77b4',
  levin: '#2ca02c',
  pade: '#d62728',
  sablonniere: '#ff7f0e',
};

export function displayName(method: string, order: number): string {
  const base = DISPLAY[method] ?? method;
  return order > 0 ? `${order}×${base}` : base;
}

/** long format: one row per step, method and order */
export function comparisonCsv(result: ComparisonResult): string {
  const lines = ['step,method,order,cosine,norm,fallback'];
  for (const r of result.rows) lines.push(`${r.step},${r.method},${r.order},${num(r.cosine)},${num(r.norm)},${r.fallback}`);
  return lines.join('\n') + '\n';
}

/** the two panels of Figure 10: cosine similarity and 2-norm against the series step */
export function comparisonPlots(result: ComparisonResult, subtitle = ''): LinePlotSpec[] {
  const groups = new Map<string, ComparisonRow[]>();
  for (const r of result.rows) {
    const key = `${r.method}|${r.order}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const rank = (key: string): number => {
    const [method, order] = key.split('|');
    const position = METHOD_ORDER.indexOf(method);
    return (position < 0 ? METHOD_ORDER.length : position) * 100 + Number(order);
  };
  const keys = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
  const series = (metric: 'cosine' | 'norm'): SeriesSpec[] =>
    keys.map((key) => {
      const rows = groups.get(key) as ComparisonRow[];
      const [method, orderText] = key.split('|');
      const order = Number(orderText);
      return {
        label: displayName(method, order),
        x: rows.map((r) => r.step),
        y: rows.map((r) => r[metric]),
        color: COLORS[method],
        dash: order >= 2 ? '6 3' : undefined,
        width: method === 'target' ? 2 : 1.5,
      };
    });
  const suffix = subtitle ? ` (${subtitle})` : '';
  return [
    { title: `Cosine similarity to the exact update${suffix}`, x: { label: 'Series steps' }, y: { label: 'Cosine similarity', min: 0, max: 1.05 }, series: series('cosine'), legend: 'none', width: 560, height: 420 },
    { title: `2-norm of the update${suffix}`, x: { label: 'Series steps' }, y: { label: '2-norm', min: 0 }, series: series('norm'), legend: 'right', width: 760, height: 420 },
  ];
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(10) : String(x);
}
