import { z } from 'zod';
import { allowedText } from '../config/fields.js';
import { crossFieldProblems, HYPERPARAMETER_SCHEMAS, type Hyperparameters, type OptimiserName } from '../config/hyperparameters.js';

/** What a library user passes for an optimiser: the config file's fields, defaults optional. */
export type HyperparameterInput<N extends OptimiserName> = z.input<(typeof HYPERPARAMETER_SCHEMAS)[N]>;

/**
 * Validates an optimiser's hyperparameters as a config file's entry would be (same schema, same
 * defaults, same cross-field rules) and throws one error naming every bad field and what it allows.
 */
export function parseHyperparameters<N extends OptimiserName>(name: N, input: HyperparameterInput<N>): Hyperparameters[N] {
  const schema = HYPERPARAMETER_SCHEMAS[name];
  const parsed = schema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      const field = key ? (schema.shape as Record<string, z.ZodType>)[String(issue.path[0])] : undefined;
      const allowed = allowedText(field);
      if (issue.code === 'unrecognized_keys') {
        problems.push(`unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (known: ${Object.keys(schema.shape).join(', ')})`);
      } else {
        const got = key ? JSON.stringify((input as Record<string, unknown>)[String(issue.path[0])]) : '';
        problems.push(`${key}: got ${got ?? 'nothing'}${allowed ? `; allowed: ${allowed}` : `; ${issue.message}`}`);
      }
    }
  } else {
    for (const p of crossFieldProblems(name, input as Record<string, unknown>)) problems.push(`${p.key}: ${p.message}`);
  }
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
  return parsed.data as Hyperparameters[N];
}
