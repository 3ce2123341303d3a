/**
 * The modules the HTTP server is made of, in one place so that startPavise can load them while
 * the database opens (see there), and so that nothing that only needs the database — the
 * administration commands — pays for loading them.
 */
export { bootstrapOwner, formatBootstrapBlock } from './auth/bootstrap.js';
export { AuthService } from './auth/service.js';
export { GraphQLEngine } from './graphql/engine.js';
export { SignInLimiter } from './http/rate-limit/signin-limiter.js';
export { SqlCounterStore } from './http/rate-limit/sql-store.js';
export { buildServer } from './http/server.js';
export { VaultRateLimiter } from './http/vault/rate-limit.js';
export { createDefaultDataController } from './privacy/bootstrap.js';
export { createPrivacyModel } from './privacy/model/index.js';
export { privacyRestEndpoints } from './privacy/rest-endpoints.js';
export { privacyServices } from './privacy/services.js';
export { Vault } from './vault/vault.js';
