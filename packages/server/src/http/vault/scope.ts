import type { z } from 'zod';
import { jsonObjectBody, type withZod } from '../input-validation.js';

/** The vault routes' Fastify scope: zod-validated, typed by each route's schemas. */
export type VaultScope = ReturnType<typeof withZod>;

/** A vault request body: a JSON object (no body counts as `{}`). */
export const vaultBody = <T extends z.ZodType>(schema: T) =>
  jsonObjectBody(schema, 'The request body must be a JSON object');
