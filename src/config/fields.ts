import { z } from 'zod';

/**
 * Field schemas that carry a human description of what they allow, so that every config error
 * can say "got X; allowed: Y" instead of zod's generic wording.
 */
const ALLOWED = new WeakMap<z.ZodType, string>();

export function allowing<T extends z.ZodType>(schema: T, text: string): T {
  ALLOWED.set(schema, text);
  return schema;
}

export function allowedText(schema: z.ZodType | undefined): string | undefined {
  return schema ? ALLOWED.get(schema) : undefined;
}

/** Same field with a default value; the description mentions the default. */
export function withDefault<T extends z.ZodType>(schema: T, value: z.output<T>) {
  const text = allowedText(schema) ?? 'a value';
  // zod's default() is typed against the output; the cast keeps our generic helper simple
  const d = (schema as unknown as { default(v: unknown): z.ZodType }).default(value) as z.ZodDefault<T>;
  return allowing(d, `${text} (default ${JSON.stringify(value)})`);
}

export const positive = () => allowing(z.number().positive(), 'a number > 0');
export const nonNegative = () => allowing(z.number().min(0), 'a number >= 0');
/** [0, 1): momentum, EMA decays, Adam's betas */
export const unitInterval = () => allowing(z.number().min(0).lt(1), 'a number in [0, 1)');
/** (0, 1): multiplicative decay factors */
export const openUnitInterval = () => allowing(z.number().gt(0).lt(1), 'a number in (0, 1)');
export const anyNumber = () => allowing(z.number(), 'a finite number');
export const intAtLeast = (min: number) => allowing(z.number().int().min(min), `an integer >= ${min}`);
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  allowing(z.enum(values), `one of ${values.join(', ')}`);
