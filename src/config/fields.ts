/**
 * zod field types shared by every config section (main, backup, repair, lag). zod/mini: the same validator without
 * the methods every schema of the classic API carries: 3–4 MiB less resident memory in every process (issue 18).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseDuration } from './duration.js';

// zod/mini comes without messages; these are the ones the classic API prints.
z.config(en());

/** "250ms", "30s", "5m", "2h" or milliseconds, to milliseconds. */
export const duration = z.pipe(z.union([z.string(), z.number()]), z.transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', input: v, message: `expected a duration like "30s", "5m", "250ms" or milliseconds, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
}));

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The name of an environment variable holding a secret; `what` says which secret must never be inlined. */
export function envNameField(what = 'the URL'): z.ZodMiniString<string> {
  return z.string().check(z.regex(ENV_NAME, `must be an environment variable name (${what} itself never goes in the file)`));
}

export const identifier = z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(256), z.refine((s) => !s.includes('\u0000'), 'must not contain NUL'));

/** "schema.table", "table", or { schema, name } when a name holds a dot. */
export const tableName = z.union([identifier, z.strictObject({ schema: z.optional(identifier), name: identifier })]);

/** An integer in [min, max]. */
export function int(min: number, max?: number): z.ZodMiniInt {
  return max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max));
}

/** A string of at least `min` characters (and at most `max`). */
export function text(min = 1, max?: number): z.ZodMiniString<string> {
  return max === undefined ? z.string().check(z.minLength(min)) : z.string().check(z.minLength(min), z.maxLength(max));
}
