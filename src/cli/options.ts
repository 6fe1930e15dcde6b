import { InvalidArgumentError } from 'commander';

/** Commander parser for an integer option of at least `minimum`; the error names the flag and the value. */
export function integerOption(flag: string, minimum: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < minimum) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${minimum}, got '${value}'`);
    }
    return n;
  };
}

/** Commander parser for a finite number above (or, when inclusive, at least) `minimum`. */
export function numberOption(flag: string, minimum: number, inclusive: boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (inclusive ? n >= minimum : n > minimum);
    if (!ok) throw new InvalidArgumentError(`${flag} must be a finite number ${inclusive ? '>=' : '>'} ${minimum}, got '${value}'`);
    return n;
  };
}

/** A repeatable option whose values may also be comma-separated: --optimiser sgd,adam --optimiser ours:paper */
export function collectNames(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError('expected at least one name');
  return [...(previous ?? []), ...parts];
}
