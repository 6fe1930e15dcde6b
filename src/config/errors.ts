/** One thing wrong with a config, located as precisely as we can. */
export interface ConfigProblem {
  file: string;
  /** where inside the file, e.g. "optimisers[2].lr"; "" for the whole file */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Every problem of a config at once, so one edit-and-retry fixes them all. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const n = problems.length;
    super(`${file}: ${n} problem${n === 1 ? '' : 's'}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
