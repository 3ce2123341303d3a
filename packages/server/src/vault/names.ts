import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * The vault's names and how input becomes them, as zod schemas (every route validates with zod:
 * docs/decisions/0008-zod-request-schemas.md). Environments are free slugs, compared in lower
 * case, with the shorthands of the xtra CLI accepted; keys are environment-variable names.
 */
export const DEFAULT_ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export const MAIN_BRANCH = 'main';

const ENVIRONMENT_ALIASES: Record<string, string> = { dev: 'development', stg: 'staging', prod: 'production' };
const ENVIRONMENT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MAX_VALUE_BYTES = 65_536;
export const MAX_KEYS_PER_WRITE = 1_000;

/** Shows a rejected input in a message: quoted and cut short, never echoed whole. */
const shown = (raw: unknown) => `"${String(raw).slice(0, 64)}"`;

export const environment = z
  .string({ error: 'The environment must be a string such as "production"' })
  .transform((raw, context) => {
    const value = raw.trim().toLowerCase();
    const name = ENVIRONMENT_ALIASES[value] ?? value;
    if (ENVIRONMENT.test(name)) return name;
    context.addIssue({
      code: 'custom',
      message: `${shown(raw)} is not an environment name: use lower-case letters, digits, "-" and "_" (e.g. production)`,
    });
    return z.NEVER;
  });

const NOT_A_KEY =
  'is not a secret name: start with a letter or "_", then letters, digits, "_", "." or "-" (at most 256 characters)';
export const secretKey = z
  .string({ error: `The key ${NOT_A_KEY}` })
  .regex(KEY, { error: (issue) => `${shown(issue.input)} ${NOT_A_KEY}` });

const NOT_A_BRANCH =
  'A branch name has 1 to 100 letters, digits, ".", "_", "-" or "/", starting with a letter or digit (e.g. feature/new-ui)';
/** A branch named explicitly. */
export const branchName = z.string({ error: NOT_A_BRANCH }).regex(BRANCH, { error: NOT_A_BRANCH });
/** A branch name when one is given (a null or empty one means main). */
export const branchIfGiven = z.preprocess(
  (raw) => (raw === null || raw === '' ? MAIN_BRANCH : raw),
  branchName.optional(),
);
/** A branch name; main when none is given. */
export const branch = branchIfGiven.transform((name) => name ?? MAIN_BRANCH);

/** A secret's value, named by its key in the messages. */
export const secretValue = (key: string) =>
  z
    .string({ error: `The value of ${key} must be a string` })
    .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_VALUE_BYTES, {
      error: `The value of ${key} is larger than ${MAX_VALUE_BYTES} bytes`,
    });

/** A version number (a whole number or its digits), named by its key in the messages. */
export const version = (key: string) => {
  const error = `The expected version of ${key} must be a whole number (0 means "must not exist yet")`;
  return z.preprocess(
    (raw) => (typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw),
    z.int({ error }).min(0, { error }).max(2_147_483_647, { error }),
  );
};

/** A well-formed id, or undefined: a malformed one can only name something that does not exist. */
export function idOrUndefined(raw: unknown): string | undefined {
  return typeof raw === 'string' && UUID.test(raw) ? raw.toLowerCase() : undefined;
}

/** Parses with a schema of the vault, refusing as the API refuses: a VaultError 'invalid'. */
export function parsed<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw invalid(result.error.issues[0]!.message);
  return result.data;
}

/** An environment name from outside a request (the CLI's --env). */
export const environmentName = (raw: unknown): string => parsed(environment, raw);
