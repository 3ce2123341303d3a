/**
 * The modules the HTTP server is made of, in one place so that startPavise can load them while
 * the database opens (see there), and so that nothing that only needs the database — the
 * administration commands — pays for loading them.
 */
export { bootstrapOwner, formatBootstrapBlock } from './auth/bootstrap.js';
export { AuthService } from './auth/service.js';
export { GraphQLEngine } from './graphql/engine.js';
export { buildServer } from './http/server.js';
export { createDefaultDataController } from './privacy/bootstrap.js';
export { createPrivacyModel } from './privacy/model/index.js';
export { privacyRestEndpoints } from './privacy/rest-endpoints.js';
export { privacyServices } from './privacy/services.js';
export { RequestRateLimiter } from './rate-limit/request-limiter.js';
export { SignInLimiter } from './rate-limit/signin-limiter.js';
export { SqlCounterStore } from './rate-limit/sql-store.js';
export { Vault } from './vault/vault.js';
