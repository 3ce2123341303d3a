import { AuthError, type AuthErrorCode } from '../auth/errors.js';

/** Nhost's HTTP status for each auth error code (docs/contracts.md §3). */
const STATUS: Readonly<Record<AuthErrorCode, number>> = {
  'invalid-request': 400,
  'password-too-short': 400,
  'redirectTo-not-allowed': 400,
  'invalid-ticket': 401,
  'password-in-hibp-database': 400,
  'no-totp-secret': 400,
  'totp-already-active': 400,
  'invalid-pat': 401,
  'invalid-refresh-token': 401,
  'invalid-email-password': 401,
  'disabled-user': 401,
  'invalid-totp': 401,
  'disabled-mfa-totp': 401,
  unauthorized: 401,
  'signup-disabled': 403,
  'forbidden-origin': 403,
  'not-found': 404,
  'email-already-in-use': 409,
  'already-a-member': 409,
  'invitation-for-another-address': 403,
  'internal-server-error': 500,
};

export interface AuthErrorReply {
  status: number;
  body: { status: number; error: string; message: string };
}

/** The reply of the auth surface (and of everything outside GraphQL and the vault) for an error. */
export function authErrorReply(error: AuthError): AuthErrorReply {
  const status = STATUS[error.code];
  return { status, body: { status, error: error.code, message: error.message } };
}

/** A refusal of the caller's credentials (what the sign-in limiter counts as a failure). */
export function isCredentialRefusal(error: unknown): error is AuthError {
  return error instanceof AuthError && STATUS[error.code] === 401;
}

export const INTERNAL_ERROR_REPLY = authErrorReply(new AuthError('internal-server-error'));
