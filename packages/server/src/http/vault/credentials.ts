import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../auth/errors.js';
import type { AuthService } from '../../auth/service.js';
import { hashToken, isWellFormedToken } from '../../auth/tokens.js';
import { type Credential, unauthorized } from '../../vault/access.js';
import { VaultError } from '../../vault/errors.js';
import { bearerToken } from '../bearer.js';

export interface PresentedCredential {
  credential: Credential;
  /** The rate-limit bucket: the user for access tokens, the credential's digest otherwise. */
  bucket: string;
}

/**
 * Reads `Authorization: Bearer <token>` or `X-API-Key: <token>` (the XtraSecurity headers) and
 * classifies the token: a PAT or service-account key (checked against the database later, in
 * the request's first query), or an access token (verified here, without the database).
 */
export async function presentedCredential(request: FastifyRequest, auth: AuthService): Promise<PresentedCredential> {
  const header = request.headers.authorization;
  const apiKey = request.headers['x-api-key'];
  let token: string | undefined;
  if (typeof header === 'string' && header.length > 0) {
    token = bearerToken(header);
    if (!token) throw new VaultError('unauthorized', 'The Authorization header must be "Bearer <token>"');
  } else if (typeof apiKey === 'string' && apiKey.trim().length > 0) {
    token = apiKey.trim();
  }
  if (!token) {
    throw new VaultError(
      'unauthorized',
      'Unauthorized: send "Authorization: Bearer <token>" or "X-API-Key: <token>" with a personal access token, access token or service-account key',
    );
  }
  if (isWellFormedToken(token, 'pat')) {
    const tokenHash = hashToken(token);
    return { credential: { kind: 'pat', tokenHash }, bucket: `vault:pat:${tokenHash}` };
  }
  if (isWellFormedToken(token, 'sa')) {
    const keyHash = hashToken(token);
    return { credential: { kind: 'service-account-key', keyHash }, bucket: `vault:sa:${keyHash}` };
  }
  if (token.split('.').length === 3) {
    try {
      const verified = await auth.authenticate(token);
      return { credential: { kind: 'user', userId: verified.userId }, bucket: `vault:user:${verified.userId}` };
    } catch (error) {
      if (error instanceof AuthError)
        throw new VaultError('unauthorized', `${error.message}; sign in again or use a personal access token`);
      throw error;
    }
  }
  if (token.startsWith('pavise_'))
    throw new VaultError('unauthorized', 'The token is malformed: check that it was copied completely');
  // Not a Pavise token at all: say so without echoing it.
  throw unauthorized();
}
