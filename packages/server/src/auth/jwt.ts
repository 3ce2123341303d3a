import { randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  exportJWK,
  importPKCS8,
  importSPKI,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { ByteBudgetLru, digestKey } from '../cache/byte-budget-lru.js';
import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_CLAIMS_NAMESPACE, DEFAULT_ISSUER, type JwtSecretConfig } from '../config/jwt-secret.js';
import type { Queryable } from '../db/database.js';
import { getOrCreateSetting } from '../db/settings.js';
import { AuthError } from './errors.js';

/** The Hasura session claims a Pavise access token carries. */
export interface SessionClaims {
  userId: string;
  allowedRoles: string[];
  defaultRole: string;
  /** Further `x-hasura-*` claims, e.g. x-hasura-data-subject-id. */
  extra?: Record<string, string>;
  /** The session (refresh-token family) the token was issued for: the `sid` claim. */
  sessionId?: string;
}

export interface VerifiedToken extends SessionClaims {
  /** All x-hasura-* claims as Hasura session variables (lower-cased names, string values). */
  sessionVariables: Record<string, string>;
  expiresAt: number;
}

/**
 * Why an access token was refused: an AuthError (`unauthorized`) for the auth service's callers,
 * with Hasura's code and reason (docs/contracts.md §4.2) for the GraphQL edge.
 */
export class InvalidTokenError extends AuthError {
  override name = 'InvalidTokenError';
  constructor(
    /** Hasura's wording: JWTExpired, JWSError JWSInvalidSignature, JWTNotInIssuer, or the claim at fault. */
    readonly reason: string,
    /** invalid-jwt: signature, expiry, issuer; the others: the Hasura claims. */
    readonly claimsCode: 'invalid-jwt' | 'jwt-invalid-claims' | 'jwt-missing-role-claims' = 'invalid-jwt',
  ) {
    super('unauthorized', `Invalid access token: ${reason}`);
  }
}

/**
 * Tokens verified recently. A client sends the same access token with every request until it
 * refreshes it, and re-verifying an HMAC through WebCrypto was a fifth of the CPU time of a
 * cached GraphQL query. The key is a digest of the whole token, signature included, so only the
 * very token that passed verification hits; its expiry is checked again on every hit.
 */
export const DEFAULT_VERIFIED_TOKEN_BYTES = 8 * 1024 * 1024;
/** A verified token's claims and session variables, roughly, besides the token's own length. */
const verifiedBytes = (token: Readonly<VerifiedToken>) => 512 + JSON.stringify(token.sessionVariables).length * 2;

/**
 * Signs and verifies access tokens with the configured (or generated and persisted) key. iat and
 * exp are read from, and checked against, the clock it is given.
 */
export class JwtKeys {
  private readonly verified: ByteBudgetLru<Readonly<VerifiedToken>>;
  /** What jwtVerify checks besides the time, built once. */
  private readonly verifyOptions: { algorithms: string[]; issuer: string; requiredClaims: string[] };

  private constructor(
    private readonly config: JwtSecretConfig,
    private readonly signingKey: CryptoKey,
    private readonly verifyingKey: CryptoKey,
    private readonly publicJwk: JWK | undefined,
    private readonly clock: Clock,
    verifiedBudget: number,
  ) {
    this.verified = new ByteBudgetLru(verifiedBudget, verifiedBytes);
    this.verifyOptions = { algorithms: [config.type], issuer: config.issuer, requiredClaims: ['sub', 'exp', 'iat'] };
  }

  /** Uses PAVISE_JWT_SECRET, or else the HS256 key generated on first start and kept in the database. */
  static async load(
    configured: JwtSecretConfig | undefined,
    db: Queryable,
    clock = systemClock,
    verifiedBudget = DEFAULT_VERIFIED_TOKEN_BYTES,
  ): Promise<JwtKeys> {
    const config =
      configured ??
      (await getOrCreateSetting<JwtSecretConfig>(db, 'auth.jwt_secret', () => ({
        type: 'HS256',
        key: randomBytes(48).toString('base64url'),
        issuer: DEFAULT_ISSUER,
        claimsNamespace: DEFAULT_CLAIMS_NAMESPACE,
      })));
    return JwtKeys.fromConfig(config, clock, verifiedBudget);
  }

  static async fromConfig(
    config: JwtSecretConfig,
    clock: Clock = systemClock,
    verifiedBudget = DEFAULT_VERIFIED_TOKEN_BYTES,
  ): Promise<JwtKeys> {
    if (config.type.startsWith('HS')) {
      // Imported once: handed raw bytes, jose would import them again on every sign and verify.
      const secret = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(config.key),
        { name: 'HMAC', hash: `SHA-${config.type.slice(2)}` },
        false,
        ['sign', 'verify'],
      );
      return new JwtKeys(config, secret, secret, undefined, clock, verifiedBudget);
    }
    const signingKey = await importPKCS8(config.signingKey!, config.type, { extractable: false });
    const verifyingKey = await importSPKI(config.key, config.type, { extractable: true });
    const jwk = await exportJWK(verifyingKey);
    jwk.alg = config.type;
    jwk.use = 'sig';
    if (config.kid) jwk.kid = config.kid;
    return new JwtKeys(config, signingKey, verifyingKey, jwk, clock, verifiedBudget);
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /** Signs an access token valid for exactly `expiresIn` seconds (exp − iat = expiresIn), issued now. */
  sign(claims: SessionClaims, expiresIn: number, now = this.clock.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    const hasura: Record<string, unknown> = {
      'x-hasura-allowed-roles': claims.allowedRoles,
      'x-hasura-default-role': claims.defaultRole,
      'x-hasura-user-id': claims.userId,
      'x-hasura-user-is-anonymous': 'false',
      ...claims.extra,
    };
    const header: { alg: string; typ: string; kid?: string } = { alg: this.config.type, typ: 'JWT' };
    if (this.config.kid) header.kid = this.config.kid;
    const payload: JWTPayload = { [this.config.claimsNamespace]: hasura };
    if (claims.sessionId) payload.sid = claims.sessionId;
    return new SignJWT(payload)
      .setProtectedHeader(header)
      .setSubject(claims.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + expiresIn)
      .setIssuer(this.config.issuer)
      .sign(this.signingKey);
  }

  /** Verifies signature, algorithm, issuer and expiry; throws InvalidTokenError with the reason. */
  async verify(token: string): Promise<Readonly<VerifiedToken>> {
    const now = this.clock.now();
    const key = digestKey(token);
    const known = this.verified.get(key);
    if (known) {
      // jose's rule: expired once the current second reaches exp.
      if (Math.floor(now / 1000) < known.expiresAt) return known;
      this.verified.delete(key);
    }
    const verified = await this.verifyAfresh(token, now);
    this.verified.set(key, verified);
    return verified;
  }

  private async verifyAfresh(token: string, now: number): Promise<Readonly<VerifiedToken>> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.verifyingKey, { ...this.verifyOptions, currentDate: new Date(now) }));
    } catch (error) {
      const { code, claim } = error as { code?: string; claim?: string };
      if (code === 'ERR_JWT_EXPIRED') throw new InvalidTokenError('JWTExpired');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'iss') throw new InvalidTokenError('JWTNotInIssuer');
      throw new InvalidTokenError('JWSError JWSInvalidSignature');
    }
    const hasura = payload[this.config.claimsNamespace];
    if (typeof hasura !== 'object' || hasura === null)
      throw new InvalidTokenError(`claims key: '${this.config.claimsNamespace}' not found`, 'jwt-invalid-claims');
    const sessionVariables: Record<string, string> = {};
    for (const [name, value] of Object.entries(hasura as Record<string, unknown>)) {
      if (name.toLowerCase().startsWith('x-hasura-') && typeof value === 'string')
        sessionVariables[name.toLowerCase()] = value;
    }
    const allowedRoles = (hasura as Record<string, unknown>)['x-hasura-allowed-roles'];
    const defaultRole = (hasura as Record<string, unknown>)['x-hasura-default-role'];
    if (allowedRoles === undefined)
      throw new InvalidTokenError('JWT claim does not contain x-hasura-allowed-roles', 'jwt-missing-role-claims');
    if (!Array.isArray(allowedRoles) || !allowedRoles.every((r) => typeof r === 'string')) {
      const found = Array.isArray(allowedRoles)
        ? 'Array of non-strings'
        : typeof allowedRoles === 'string'
          ? 'String'
          : 'Object';
      throw new InvalidTokenError(
        `invalid x-hasura-allowed-roles; should be a list of roles: parsing [] failed, expected Array, but encountered ${found}`,
        'jwt-invalid-claims',
      );
    }
    if (defaultRole === undefined)
      throw new InvalidTokenError('JWT claim does not contain x-hasura-default-role', 'jwt-missing-role-claims');
    if (typeof defaultRole !== 'string')
      throw new InvalidTokenError('invalid x-hasura-default-role; should be a role name', 'jwt-invalid-claims');
    // Frozen: the same object answers every later request with this token.
    return Object.freeze({
      userId: payload.sub!,
      allowedRoles: Object.freeze([...allowedRoles]) as string[],
      defaultRole,
      sessionVariables: Object.freeze(sessionVariables),
      expiresAt: payload.exp!,
      ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
    });
  }

  /** The public keys for /.well-known/jwks.json; empty for HS* (a shared secret is never published). */
  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwk ? [this.publicJwk] : [] };
  }
}
