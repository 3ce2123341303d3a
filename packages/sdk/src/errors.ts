/** One entry of a GraphQL response's `errors`, as Hasura (and Pavise) send them. */
export interface GraphQLErrorEntry {
  message: string;
  extensions?: { code?: string; path?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Every failure of a Pavise client: `code` is the server's (Hasura's `extensions.code`, or the
 * auth service's `error`), or one of the client's own — `invalid-configuration`,
 * `network-error`, `timeout`, `aborted`, `rate-limited`, `unavailable`, `http-error`,
 * `invalid-response`.
 */
export class PaviseError extends Error {
  override name = 'PaviseError';
  /** The HTTP status of the response that failed, if there was one. */
  readonly status: number | undefined;
  /** All GraphQL errors of the response, when the failure is one. */
  readonly errors: GraphQLErrorEntry[];
  /** The JSON path Hasura reports for the (first) error, e.g. `$.selectionSet.dataControllers`. */
  readonly path: string | undefined;

  constructor(
    message: string,
    readonly code: string,
    details: { status?: number; errors?: GraphQLErrorEntry[]; path?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.errors = details.errors ?? [];
    this.path = details.path;
  }
}
