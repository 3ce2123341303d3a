/**
 * Auth errors with Nhost's codes and messages. What a code means on the wire (its HTTP status
 * and the `{"status", "error", "message"}` body) is the HTTP layer's: http/auth-errors.ts.
 */
const MESSAGES = {
  'invalid-request': 'The request payload is incorrect',
  'invalid-pat': 'Invalid or expired personal access token',
  'invalid-refresh-token': 'Invalid or expired refresh token',
  'invalid-email-password': 'Incorrect email or password',
  'disabled-user': 'User is disabled',
  'invalid-ticket': 'Invalid ticket',
  'invalid-totp': 'Invalid TOTP code',
  'disabled-mfa-totp': 'User does not have TOTP MFA enabled',
  'no-totp-secret': 'User does not have a TOTP secret',
  'totp-already-active': 'TOTP MFA is already active',
  unauthorized: 'Missing or invalid access token',
  'signup-disabled': 'Sign up is disabled.',
  'forbidden-origin': 'This session may not be used from the origin of this request',
  'not-found': 'Not found',
  'email-already-in-use': 'Email already in use',
  'already-a-member': 'This account is already a member of the data controller',
  'invitation-for-another-address': 'This invitation was sent to another e-mail address: sign in with that account',
  'password-too-short': 'Password is too short',
  'redirectTo-not-allowed': 'The value of "options.redirectTo" is not allowed.',
  'password-in-hibp-database': 'Password is in HIBP database',
  'internal-server-error': 'Internal server error',
} as const satisfies Record<string, string>;

export type AuthErrorCode = keyof typeof MESSAGES;

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message?: string,
  ) {
    super(message ?? MESSAGES[code]);
    this.name = 'AuthError';
  }
}
