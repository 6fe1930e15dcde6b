/**
 * Numbers as the paper's Table 5 prints them: Python's `%.<digits>g` (significant figures, trailing
 * zeros dropped, exponent form below 1e-4 or at/above 10^digits), e.g. 0.0050 -> "0.005",
 * 4.0e-5 -> "4e-05", 620 with two digits -> "6.2e+02".
 */
export function formatSignificant(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new Error(`formatSignificant: digits must be an integer in 1..21 (got ${digits})`);
  }
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const sign = x < 0 ? '-' : '';
  // one correctly rounded decimal expansion; both notations are built from its digits
  const { figures, exp } = roundToDigits(Math.abs(x), digits);
  if (exp < -4 || exp >= digits) {
    const m = dropTrailingZeros(figures.length > 1 ? `${figures[0]}.${figures.slice(1)}` : figures);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let fixed: string;
  if (exp < 0) fixed = `0.${'0'.repeat(-exp - 1)}${figures}`;
  else fixed = `${figures.slice(0, exp + 1)}.${figures.slice(exp + 1)}`;
  return sign + dropTrailingZeros(fixed);
}

/**
 * The first `digits` significant figures of a > 0, correctly rounded, and the decimal exponent.
 * JavaScript rounds exact ties away from zero; Python (which printed the paper's table) rounds them
 * to even, so 12345 to four figures is 1.234e+04. Exact ties only happen for values with short
 * binary expansions (integers, halves, ...), found from the 100-digit expansion.
 */
function roundToDigits(a: number, digits: number): { figures: string; exp: number } {
  const [fullMantissa, fullExp] = a.toExponential(99).split('e');
  const all = fullMantissa.replace('.', '');
  const tie = all[digits] === '5' && /^0*$/.test(all.slice(digits + 1));
  if (tie && Number(all[digits - 1]) % 2 === 0) return { figures: all.slice(0, digits), exp: Number(fullExp) };
  const [mantissa, expText] = a.toExponential(digits - 1).split('e');
  return { figures: mantissa.replace('.', ''), exp: Number(expText) };
}

function dropTrailingZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** `median ± error` with four significant figures for the median and two for the error (Table 5). */
export function formatMedianError(median: number, error: number): string {
  return `${formatSignificant(median, 4)} ± ${formatSignificant(error, 2)}`;
}

/**
 * A signed difference in units of a reference error: two significant figures ("+1.3", "-0.42"),
 * whole numbers from 100 to 99999 ("+510", not "+5.1e+02"), exponents beyond.
 */
export function formatSigned(x: number, digits = 2): string {
  const a = Math.abs(x);
  const s = a >= 100 && a < 1e5 ? String(Math.round(x)) : formatSignificant(x, digits);
  return x > 0 ? `+${s}` : s;
}
