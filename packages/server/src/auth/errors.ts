/**
 * Auth errors with Nhost's codes, statuses and messages; the HTTP layer renders them as
 * `{"status", "error", "message"}`.
 */
const CATALOGUE = {
  'invalid-request': [400, 'The request payload is incorrect'],
  'invalid-pat': [401, 'Invalid or expired personal access token'],
  'invalid-refresh-token': [401, 'Invalid or expired refresh token'],
  'invalid-email-password': [401, 'Incorrect email or password'],
  'disabled-user': [401, 'User is disabled'],
  unauthorized: [401, 'Missing or invalid access token'],
  'signup-disabled': [403, 'Sign up is disabled.'],
  'not-found': [404, 'Not found'],
  'email-already-in-use': [409, 'Email already in use'],
  'password-too-short': [400, 'Password is too short'],
  'internal-server-error': [500, 'Internal server error'],
} as const satisfies Record<string, readonly [number, string]>;

export type AuthErrorCode = keyof typeof CATALOGUE;

export class AuthError extends Error {
  readonly status: number;

  constructor(
    readonly code: AuthErrorCode,
    message?: string,
  ) {
    super(message ?? CATALOGUE[code][1]);
    this.name = 'AuthError';
    this.status = CATALOGUE[code][0];
  }

  toJSON() {
    return { status: this.status, error: this.code, message: this.message };
  }
}
