import type { FastifyInstance, FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import { type ZodError, z } from 'zod';

/**
 * Every route validates its input one way: a zod schema per part of the request (params,
 * querystring, body) in the route's `schema`, checked by Fastify before the route runs
 * (docs/decisions/0008-zod-request-schemas.md). The route then reads typed, parsed values.
 * A rejection is a RequestInputError; each API's error handler answers it in its own shape.
 */

/** Types `request.params`, `.query` and `.body` from the route's zod schemas. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export type RequestPart = 'params' | 'querystring' | 'body' | 'headers';

export class RequestInputError extends Error {
  override name = 'RequestInputError';
  /** Set by Fastify: 400, and which part of the request was rejected. */
  declare statusCode: number;
  declare validationContext: RequestPart;

  constructor(
    message: string,
    /** Where in the part the first problem is, e.g. ['options', 'displayName'] ([] for the part itself). */
    readonly path: readonly PropertyKey[],
  ) {
    super(message);
  }

  static fromZod(error: ZodError): RequestInputError {
    const issue = error.issues[0]!;
    return new RequestInputError(issue.message, issue.path);
  }
}

/**
 * The server's schema compiler: runs the zod schema. A schema that throws (a domain's rule
 * raising the domain's own error) has that error passed on as it is, so the API answers it
 * exactly as it would from the domain.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    try {
      const result = schema.safeParse(data);
      return result.success ? { value: result.data } : { error: RequestInputError.fromZod(result.error) };
    } catch (error) {
      return { error: error as Error };
    }
  };

/** The instance, its routes' requests typed by their zod schemas (buildServer installs the compiler). */
export const withZod = (scope: FastifyInstance) => scope.withTypeProvider<ZodTypeProvider>();

/** A request body that is a JSON object; no body at all counts as `{}`. */
export function jsonObjectBody<T extends z.ZodType>(schema: T, notAnObject: string): z.ZodType<z.output<T>> {
  return z.preprocess(
    (body) => body ?? {},
    z.custom<unknown>((body) => typeof body === 'object' && !Array.isArray(body), { error: notAnObject }).pipe(schema),
  );
}
