import { z } from 'zod';
import {
  branch,
  branchIfGiven,
  branchName,
  environment,
  MAX_KEYS_PER_WRITE,
  secretKey,
  secretValue,
  version,
} from './names.js';
import { SERVICE_ACCOUNT_PERMISSIONS } from './roles.js';

/**
 * What each vault operation accepts, as zod schemas: the routes validate requests with them
 * before anything runs, and the operations take the parsed values. Unknown fields are dropped,
 * as XtraSecurity's clients send more than the vault reads.
 */

/** Free text: optional, cut to `max` characters. */
const text = (field: string, max: number) =>
  z
    .string({ error: `"${field}" must be a string` })
    .nullish()
    .transform((value) => (value ?? '').slice(0, max));

const NAME_REQUIRED = '"name" is required: 1 to 100 characters';
const displayName = z.string({ error: NAME_REQUIRED }).trim().min(1, { error: NAME_REQUIRED }).max(100, {
  error: NAME_REQUIRED,
});

/** An id as sent: checked against the database, where a malformed one matches nothing. */
const id = z.string({ error: 'An id must be a string' });

export const projectParams = z.object({ projectId: id });
export const environmentParams = z.object({ projectId: id, env: environment });
export const secretParams = z.object({ projectId: id, env: environment, key: secretKey });
export const serviceAccountParams = z.object({ projectId: id, accountId: id });
export const serviceAccountKeyParams = z.object({ projectId: id, accountId: id, keyId: id });

export const readQuery = z.object({
  branch,
  includeVersions: z
    .string()
    .optional()
    .transform((value) => value === 'true' || value === '1'),
});
export const branchQuery = z.object({ branch });

const secretMap = z
  .record(z.string(), z.unknown(), {
    error: '"secrets" must be an object of names to string values, e.g. {"secrets": {"API_KEY": "..."}}',
  })
  .transform((raw, context) => {
    const entries = Object.entries(raw);
    if (entries.length === 0)
      context.addIssue({ code: 'custom', message: '"secrets" is empty: send at least one secret' });
    else if (entries.length > MAX_KEYS_PER_WRITE)
      context.addIssue({ code: 'custom', message: `At most ${MAX_KEYS_PER_WRITE} secrets can be written at once` });
    const secrets = new Map<string, string>();
    for (const [rawKey, rawValue] of entries) {
      const key = secretKey.safeParse(rawKey);
      const value = secretValue(rawKey).safeParse(rawValue);
      const problem = key.error ?? value.error;
      if (problem) {
        context.addIssue({ code: 'custom', message: problem.issues[0]!.message });
        return z.NEVER;
      }
      secrets.set(key.data!, value.data!);
    }
    return secrets;
  });

const expectedVersionMap = z
  .record(z.string(), z.unknown(), {
    error: '"expectedVersions" must be an object of names to versions, e.g. {"API_KEY": 3}',
  })
  .nullish()
  .transform((raw, context) => {
    const expected = new Map<string, number>();
    for (const [key, rawVersion] of Object.entries(raw ?? {})) {
      const parsed = version(key).safeParse(rawVersion);
      if (!parsed.success) {
        context.addIssue({ code: 'custom', message: parsed.error.issues[0]!.message });
        return z.NEVER;
      }
      expected.set(key, parsed.data);
    }
    return expected;
  });

/** A write: the secrets, and with expectedVersions the versions they must still be at. */
export const writeInput = z
  .object({ secrets: secretMap, expectedVersions: expectedVersionMap, branch: branchIfGiven })
  .superRefine((input, context) => {
    for (const key of input.expectedVersions.keys()) {
      if (!input.secrets.has(key))
        context.addIssue({
          code: 'custom',
          message: `"expectedVersions" names ${key.slice(0, 64)}, which is not among the secrets written`,
        });
    }
  });
export type WriteInput = z.output<typeof writeInput>;

export const rollbackInput = z.object({
  version: z.unknown().refine((value) => value !== undefined, {
    error: '"version" is required: the version to roll back to',
  }),
  branch: branchIfGiven,
});

export const createProjectInput = z.object({
  name: displayName,
  description: text('description', 1000),
  dataControllerId: z.unknown().optional(),
});
export type CreateProjectInput = z.output<typeof createProjectInput>;

/** GET /api/project: `?id=` names the project (read as its projectId), else the caller's are listed. */
export const projectQuery = z
  .object({ id: id.optional(), dataControllerId: z.unknown().optional() })
  .transform(({ id: projectId, ...rest }) => ({ ...rest, projectId }));

const BRANCH_NAME_REQUIRED = '"name" is required, e.g. "feature/new-ui"';
export const createBranchInput = z.object({
  projectId: z.unknown().refine((value) => value !== undefined, { error: '"projectId" is required' }),
  name: z
    .any()
    .refine((raw) => raw !== undefined && raw !== null && raw !== '', { error: BRANCH_NAME_REQUIRED })
    .pipe(branchName),
  description: text('description', 1000),
  baseEnv: environment.nullish().transform((value) => value ?? null),
});
export type CreateBranchInput = z.output<typeof createBranchInput>;

export const branchListQuery = z.object({
  projectId: z.unknown().refine((value) => value !== undefined, {
    error: '"projectId" is required: GET /api/branch?projectId=<id>',
  }),
});

const DELETE_BRANCH_NEEDS = '"projectId" and "name" are required: DELETE /api/branch?projectId=<id>&name=<branch>';
export const branchDeleteQuery = z.object({
  projectId: z.string({ error: DELETE_BRANCH_NEEDS }),
  name: z.string({ error: DELETE_BRANCH_NEEDS }).pipe(branchName),
});

const PERMISSIONS = `"permissions" must be a non-empty list of ${SERVICE_ACCOUNT_PERMISSIONS.join(', ')}`;
export const createServiceAccountInput = z.object({
  name: displayName,
  description: text('description', 1000),
  permissions: z
    .array(z.enum(SERVICE_ACCOUNT_PERMISSIONS, { error: PERMISSIONS }), { error: PERMISSIONS })
    .min(1, { error: PERMISSIONS })
    .nullish()
    .transform((permissions) => [...new Set(permissions ?? ['read:secrets'])]),
});
export type CreateServiceAccountInput = z.output<typeof createServiceAccountInput>;

const EXPIRES_IN_DAYS =
  '"expiresInDays" must be a whole number from 1 to 3650 (omit it for a key that does not expire)';
export const createServiceAccountKeyInput = z.object({
  label: z
    .string({ error: '"label" must be a string' })
    .optional()
    .transform((value) => (value ?? '').slice(0, 200)),
  expiresInDays: z
    .int({ error: EXPIRES_IN_DAYS })
    .min(1, { error: EXPIRES_IN_DAYS })
    .max(3650, { error: EXPIRES_IN_DAYS })
    .nullish()
    .transform((value) => value ?? null),
});
export type CreateServiceAccountKeyInput = z.output<typeof createServiceAccountKeyInput>;

const pageNumber = (name: string, fallback: number, max: number) => {
  const error = `"${name}" must be a whole number from 1 to ${max}`;
  return z.coerce
    .number({ error })
    .int({ error })
    .min(1, { error })
    .max(max, { error })
    .optional()
    .transform((value) => value ?? fallback);
};
export const auditQuery = z.object({
  projectId: z.unknown().optional(),
  dataControllerId: z.unknown().optional(),
  page: pageNumber('page', 1, 1_000_000),
  pageSize: pageNumber('pageSize', 25, 500),
});
