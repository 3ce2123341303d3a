/**
 * The modules the HTTP server is made of, in one place so that startPavise can load them while
 * the database opens (see there), and so that nothing that only needs the database — the
 * administration commands — pays for loading them.
 */
export { bootstrapOwner, formatBootstrapBlock } from './auth/bootstrap.js';
export { RedirectPolicy } from './auth/redirects.js';
export { AuthService } from './auth/service.js';
export { GraphQLEngine } from './graphql/engine.js';
export { buildServer } from './http/server.js';
export { MailDelivery } from './mail/delivery.js';
export { Mailer } from './mail/mailer.js';
export { purgeOutbox } from './mail/outbox.js';
export { smtpTransport } from './mail/transport.js';
export { createDefaultDataController } from './privacy/bootstrap.js';
export { createPrivacyModel } from './privacy/model/index.js';
export { VerifiedOrigins } from './privacy/origins/verified-origins.js';
export { privacyRestEndpoints } from './privacy/rest-endpoints.js';
export { privacyServices } from './privacy/services.js';
export { SubjectSignIn } from './privacy/subject-sign-in.js';
export { RequestRateLimiter } from './rate-limit/request-limiter.js';
export { SignInLimiter } from './rate-limit/signin-limiter.js';
export { SqlCounterStore } from './rate-limit/sql-store.js';
export { Vault } from './vault/vault.js';
