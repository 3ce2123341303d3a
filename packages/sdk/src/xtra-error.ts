/** One key of a refused check-and-set write: the version asked for and the one the server holds. */
export interface XtraConflict {
  key: string;
  expected: number;
  actual: number;
}

/**
 * Every failure of an XtraClient. `message` says what happened and what to do; `code` is one of
 * `invalid-configuration`, `invalid-argument`, `bad-request` (400), `unauthorized` (401),
 * `forbidden` (403), `not-found` (404), `conflict` (409, with `conflicts`), `rate-limited` (429),
 * `unavailable` (503), `http-error` (any other status), `network-error`, `timeout`, `aborted`,
 * `invalid-response`.
 */
export class XtraError extends Error {
  override name = 'XtraError';
  /** The HTTP status of the answer that failed, if there was one. */
  readonly status: number | undefined;
  /** On a 409: each key whose expected version did not match. */
  readonly conflicts: XtraConflict[] | undefined;

  constructor(
    message: string,
    readonly code: string,
    details: { status?: number; conflicts?: XtraConflict[]; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.conflicts = details.conflicts;
  }
}
