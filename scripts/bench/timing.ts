/**
 * Timing rules of `npm run bench`, shared with the PyTorch peer (scripts/peers/torch_hvp_peer.py
 * implements the same settle rule): warm up until the times settle, then take repetitions that the
 * caller interleaves with the peer's, and summarise them by their median and quartiles.
 */

export interface SettleOptions {
  /** most warm-up repetitions (default 60) */
  maxReps?: number;
  /** stop warming up after this long even if the times still move (default 10 s) */
  maxSeconds?: number;
  /** repetitions per window (default 5) */
  window?: number;
  /** settled when the last window's median is within this fraction of the one before (default 0.05) */
  tolerance?: number;
}

export async function timeOnce(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Wall-clock and CPU milliseconds per call of a block of `reps` back-to-back calls (their mean).
 * Small figures (well under a millisecond) are timed in blocks: a single call made right after the
 * process wakes from waiting on the other side's turn runs on cold caches and reads up to twice as
 * slow as the same call inside a training loop, which never waits between its products.
 */
export async function timeBlockWithCpu(fn: () => Promise<void> | void, reps: number): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall: wall / reps, cpu: (c.user + c.system) / 1000 / reps };
}

/** repetitions in a block that lasts about `blockMs`, from the settled warm-up times (at least 1) */
export function blockReps(warmupMs: readonly number[], blockMs: number): number {
  const typical = median(warmupMs.slice(-5));
  return blockMs > 0 && typical > 0 ? Math.max(1, Math.min(1000, Math.round(blockMs / typical))) : 1;
}

/**
 * Warm-up: repeat fn until the median of the last `window` times is within `tolerance` of the
 * median of the `window` before them (V8 has compiled the hot paths, kernels and buffers are
 * allocated), or until the caps. Returns the warm-up times.
 */
export async function settle(fn: () => Promise<void> | void, o: SettleOptions = {}): Promise<number[]> {
  const maxReps = o.maxReps ?? 60;
  const maxMs = (o.maxSeconds ?? 10) * 1000;
  const w = o.window ?? 5;
  const tolerance = o.tolerance ?? 0.05;
  const ms: number[] = [];
  const start = performance.now();
  while (ms.length < maxReps) {
    ms.push(await timeOnce(fn));
    if (ms.length >= 2 * w) {
      const a = median(ms.slice(-w));
      const b = median(ms.slice(-2 * w, -w));
      if (Math.abs(a - b) <= tolerance * a) break;
    }
    if (performance.now() - start > maxMs && ms.length >= 2) break;
  }
  return ms;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface TimeStats {
  /** median milliseconds */
  ms: number;
  /** first and third quartiles */
  p25: number;
  p75: number;
  min: number;
  max: number;
  /** (p75 - p25) / median: the spread of the repetitions */
  relIqr: number;
  n: number;
  /** warm-up repetitions before the timed ones */
  warmup: number;
}

const round = (x: number, digits = 4): number => Number(x.toPrecision(digits));

export function stats(ms: readonly number[], warmup: number): TimeStats {
  const s = [...ms].sort((a, b) => a - b);
  const m = median(s);
  const p25 = quantile(s, 0.25);
  const p75 = quantile(s, 0.75);
  return {
    ms: round(m),
    p25: round(p25),
    p75: round(p75),
    min: round(s[0]),
    max: round(s[s.length - 1]),
    relIqr: round((p75 - p25) / m, 2),
    n: s.length,
    warmup,
  };
}
