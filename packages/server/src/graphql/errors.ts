/** An error in Hasura's envelope: {"message", "extensions": {"path", "code"}}. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path = '$',
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toJSON() {
    return { message: this.message, extensions: { path: this.path, code: this.code } };
  }
}

export function errorResponse(errors: EngineError[]): { errors: ReturnType<EngineError['toJSON']>[] } {
  return { errors: errors.map((e) => e.toJSON()) };
}

/** Thrown by an action's handler to answer the client with its own message and code. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly code = 'bad-request',
  ) {
    super(message);
    this.name = 'ActionError';
  }
}
