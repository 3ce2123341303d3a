/**
 * The JWT secret in Hasura's JSON format (HASURA_GRAPHQL_JWT_SECRET), extended as Nhost does with
 * `signing_key` for asymmetric algorithms: Hasura only needs the public `key` to verify, while
 * the auth service needs the private key to sign.
 */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'EdDSA';

export interface JwtSecretConfig {
  type: JwtAlgorithm;
  /** HS256/384/512: the shared secret. RS256/384/512 and EdDSA: the public key (SPKI PEM). */
  key: string;
  /** Asymmetric algorithms only: the private key (PKCS#8 PEM). */
  signingKey?: string;
  kid?: string;
  issuer: string;
  claimsNamespace: string;
}

export const DEFAULT_ISSUER = 'pavise';
export const DEFAULT_CLAIMS_NAMESPACE = 'https://hasura.io/jwt/claims';
const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'EdDSA'];

export function parseJwtSecret(raw: string): JwtSecretConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  const object = parsed as Record<string, unknown>;
  const type = object.type;
  if (typeof type !== 'string' || !ALGORITHMS.includes(type as JwtAlgorithm)) {
    throw new Error(`"type" must be one of ${ALGORITHMS.join(', ')}`);
  }
  const key = object.key;
  if (typeof key !== 'string' || key.length === 0) throw new Error('"key" is required');
  const optionalString = (name: string): string | undefined => {
    const value = object[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`"${name}" must be a non-empty string`);
    return value;
  };
  const config: JwtSecretConfig = {
    type: type as JwtAlgorithm,
    key,
    issuer: optionalString('issuer') ?? DEFAULT_ISSUER,
    claimsNamespace: optionalString('claims_namespace') ?? DEFAULT_CLAIMS_NAMESPACE,
  };
  const kid = optionalString('kid');
  if (kid !== undefined) config.kid = kid;
  if (type.startsWith('HS')) {
    if (key.length < 32) throw new Error('an HS* "key" must be at least 32 characters');
  } else {
    const signingKey = optionalString('signing_key');
    if (signingKey === undefined)
      throw new Error(`${type} needs "signing_key" (the private key PEM) so Pavise can sign tokens`);
    config.signingKey = signingKey;
  }
  return config;
}
