import type { z } from 'zod';
import { allowedText } from './fields.js';
import type { ConfigProblem } from './errors.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

/** Turns zod issues about one mapping into located, "got X; allowed: Y" problems. */
export interface IssueContext {
  /** the mapping that was validated */
  data: Record<string, unknown>;
  shape: Record<string, z.ZodType>;
  /** where a key of `data` sits in the file (it may come from elsewhere, e.g. the defaults block) */
  fileKeyPath(key: PathSegment): PathSegment[];
  /** who the keys belong to, for messages, e.g. "sgd" */
  subject?: string;
  /** keys accepted besides the shape's, listed in unknown-key messages */
  extraKeys?: string[];
  /** appended to "missing" messages */
  missingHint?: string;
}

export function issueProblems(source: YamlSource, issues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = [...(ctx.extraKeys ?? []), ...Object.keys(ctx.shape)];
      for (const key of issue.keys) {
        const hint = suggestion(key, known);
        const whose = ctx.subject ? ` for ${ctx.subject}` : '';
        out.push(source.problem(ctx.fileKeyPath(key), `unknown key${whose}${hint}; allowed: ${known.join(', ')}`));
      }
      continue;
    }
    const [head, ...rest] = issue.path as PathSegment[];
    const value = valueAt(ctx.data, issue.path as PathSegment[]);
    const allowed = (head !== undefined && allowedText(ctx.shape[head as string])) || issue.message;
    const at = head === undefined ? [] : [...ctx.fileKeyPath(head), ...rest];
    let message: string;
    if (value === undefined && rest.length === 0) {
      const by = ctx.subject ? ` by ${ctx.subject}` : '';
      message = `missing; required${by}: ${allowed}${ctx.missingHint ?? ''}`;
    } else {
      message = `got ${show(value)}; allowed${ctx.subject ? ` for ${ctx.subject}` : ''}: ${allowed}`;
    }
    out.push(source.problem(at, message));
  }
  return out;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSegment, unknown>)[seg];
  }
  return v;
}

/** A value as the user wrote it, with its kind when that is the problem. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (value === null) return 'nothing (null)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value) ?? String(value);
  const kind = Array.isArray(value) ? 'a list' : 'a mapping';
  return `${kind} ${json.length > 60 ? `${json.slice(0, 57)}...` : json}`;
}

/** " (did you mean 'lr'?)" for a near-miss spelling, else "". */
export function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 3 ? 1 : 2;
  return best !== undefined && bestDistance <= limit ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
