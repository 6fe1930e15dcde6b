/** A count with its noun in the right number: plural(1, 'run') is "1 run", plural(2, 'entry', 'entries') "2 entries". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
