import type { Logger } from 'pino';
import type { RedirectPolicy } from '../auth/redirects.js';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { GraphQLEngine } from '../graphql/engine.js';
import type { RestEndpoint } from '../graphql/rest-endpoints.js';
import type { TeamInvitations } from '../privacy/invitations.js';
import type { SubjectSignIn } from '../privacy/subject-sign-in.js';
import type { RequestRateLimiter } from '../rate-limit/request-limiter.js';
import type { SignInLimiter } from '../rate-limit/signin-limiter.js';
import type { Vault } from '../vault/vault.js';
import type { OriginDirectory } from './cors/cross-origin.js';

/** What the HTTP server is built from; each route module takes the part it needs. */
export interface ServerDependencies {
  config: Pick<
    Config,
    | 'trustProxy'
    | 'adminSecret'
    | 'maxJsonDepth'
    | 'graphqlRequests'
    | 'corsOrigins'
    | 'publicUrl'
    | 'refreshTokenExpiresIn'
  >;
  db: Database;
  auth: AuthService;
  engine: GraphQLEngine;
  /** The named operations served at /api/rest/<name>. */
  restEndpoints: readonly RestEndpoint[];
  signInLimiter: SignInLimiter;
  vault: Vault;
  vaultLimiter: RequestRateLimiter;
  /** Requests without credentials to /v1/graphql and /api/rest, per client IP. */
  anonymousLimiter: RequestRateLimiter;
  /** Mails asked for (magic links, resets), per client IP and per address. */
  mailLimiter: RequestRateLimiter;
  /** Magic links for data subjects (the privacy domain). */
  subjectSignIn: SubjectSignIn;
  /** Team invitations: what the invitee's accept page calls. */
  team: TeamInvitations;
  /** Where links in mail may lead afterwards. */
  redirects: RedirectPolicy;
  /** Which data controllers verified a web origin, for CORS (cors/cross-origin.ts). */
  verifiedOrigins: OriginDirectory;
  logger: Logger;
}
