/** zod field types shared by every config section (main, backup, repair, lag). */
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** "250ms", "30s", "5m", "2h" or milliseconds, to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "5m", "250ms" or milliseconds, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The name of an environment variable holding a secret; `what` says which secret must never be inlined. */
export function envNameField(what = 'the URL'): z.ZodString {
  return z.string().regex(ENV_NAME, `must be an environment variable name (${what} itself never goes in the file)`);
}

export const identifier = z.string().min(1, 'must not be empty').max(256).refine((s) => !s.includes('\u0000'), 'must not contain NUL');

/** "schema.table", "table", or { schema, name } when a name holds a dot. */
export const tableName = z.union([identifier, z.strictObject({ schema: identifier.optional(), name: identifier })]);
