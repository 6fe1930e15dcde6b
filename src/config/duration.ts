/** Durations in configs and on the command line: "300s", "5m", "1h30m", "250ms", or a number of seconds. */

const UNIT_SECONDS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/y;

export const DURATION_HELP = 'a duration such as "300s", "5m", "1h30m" or a number of seconds > 0';

/** Seconds, or null if the text is not a duration. */
export function parseDuration(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : null;
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const m = PART.exec(text);
    if (!m) return null;
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    at = PART.lastIndex;
    while (text[at] === ' ') at++;
  }
  return text.length > 0 ? total : null;
}
