import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers of every answer (docs/contracts.md §1), written by helmet: nosniff,
 * Referrer-Policy no-referrer, X-Frame-Options DENY, the cross-origin isolation headers, and a
 * strict Content-Security-Policy for whatever the server serves (nothing inline, no plugins, no
 * framing, no <base>). HSTS only on an answer to a request that came over HTTPS (request.protocol:
 * TLS, or X-Forwarded-Proto with PAVISE_TRUST_PROXY): sent over plain HTTP it would lock browsers
 * out of a server that has no TLS.
 *
 * helmet itself rather than @fastify/helmet: the plugin builds helmet's middleware again on every
 * request (some 4 µs) in two hooks, one of them async; here it is built once and applied in the
 * server's one onSend hook (http/server.ts), for some 0.3 µs.
 */
const POLICY: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: false,
};
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

const overHttp = helmet(POLICY);
// Not includeSubDomains: the server cannot know whether every host under its domain has TLS.
const overHttps = helmet({
  ...POLICY,
  strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false },
});
const ignore = () => {};

export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  (request.protocol === 'https' ? overHttps : overHttp)(request.raw, reply.raw, ignore);
}
