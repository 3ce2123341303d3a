import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normaliseOrigin } from '../../input/origin.js';
import { isPublicSurface } from './public-surfaces.js';

/** Which data controllers verified an origin (privacy/origins/verified-origins.ts). */
export interface OriginDirectory {
  controllersVerifying(origin: string): Promise<readonly string[]>;
}

/** Where a request with an Origin header comes from, as the CORS rules see it (docs/contracts.md §1.1). */
export interface CrossOrigin {
  /** The Origin header, normalised; undefined when it is not an http(s) origin ("null", garbage). */
  origin: string | undefined;
  /** The server's own origin or one of PAVISE_CORS_ORIGINS: any session may call from it. */
  trusted: boolean;
  /** The controllers that verified it; looked up for the public surfaces only, else empty. */
  verifiedBy: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null for a request without an Origin header (curl, SDKs, servers): no CORS rule applies. */
    crossOrigin: CrossOrigin | null;
  }
}

const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** What a script may read of an answer besides the basic headers: the rate limits. */
const EXPOSED_HEADERS = ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
/** No credentials mode, ever: cross-origin sessions are bearer tokens; cookie mode is same-origin only. */
const NOT_ALLOWED: FastifyCorsOptions = { origin: false };
const allowFor = (origin: string, trusted: boolean): FastifyCorsOptions => ({
  origin,
  credentials: false,
  methods: trusted ? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] : ['GET', 'POST'],
  allowedHeaders: trusted
    ? ['authorization', 'content-type', 'x-hasura-role', 'x-api-key']
    : ['authorization', 'content-type', 'x-hasura-role'],
  exposedHeaders: EXPOSED_HEADERS,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
});

/** The origin the request was addressed to: a page the server itself serves has this one. */
export function ownOrigin(request: FastifyRequest): string | undefined {
  return normaliseOrigin(`${request.protocol}://${request.host}`);
}

/**
 * CORS with @fastify/cors: answers preflights, and puts Access-Control-Allow-Origin on the
 * answers to origins allowed there, which it decides per request here. Requests without Origin
 * cost one callback. Sets `request.crossOrigin`, which the surfaces check once they know the
 * caller (caller-origin.ts).
 */
export function registerCrossOrigin(
  server: FastifyInstance,
  { corsOrigins, directory }: { corsOrigins: readonly string[]; directory: OriginDirectory },
): void {
  const configured = new Set(corsOrigins);
  server.decorateRequest('crossOrigin', null);
  server.register(cors, {
    hook: 'onRequest',
    delegator(request, callback) {
      const header = request.headers.origin;
      if (header === undefined) return callback(null, NOT_ALLOWED);
      const origin = normaliseOrigin(header);
      const trusted = origin !== undefined && (configured.has(origin) || origin === ownOrigin(request));
      if (origin === undefined || trusted || !isPublicSurface(request.url)) {
        request.crossOrigin = { origin, trusted, verifiedBy: [] };
        return callback(null, trusted ? allowFor(origin!, true) : NOT_ALLOWED);
      }
      directory.controllersVerifying(origin).then(
        (verifiedBy) => {
          request.crossOrigin = { origin, trusted: false, verifiedBy };
          callback(null, verifiedBy.length > 0 ? allowFor(origin, false) : NOT_ALLOWED);
        },
        (error: Error) => callback(error, NOT_ALLOWED),
      );
    },
  });
}
