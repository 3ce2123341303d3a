import type { FastifyInstance } from 'fastify';
import { installVaultErrorHandler, VaultHandler, type VaultRouteDependencies } from './vault/handler.js';
import { registerSecretRoutes } from './vault/secret-routes.js';
import { registerWorkspaceRoutes } from './vault/workspace-routes.js';

/**
 * The secrets vault's REST API (docs/contracts.md §7, XtraSecurity-compatible), in its own scope so
 * that every error, even a malformed body, is answered as `{"error": "..."}`.
 */
export function registerVaultRoutes(server: FastifyInstance, deps: VaultRouteDependencies): void {
  server.register(async (scope) => {
    installVaultErrorHandler(scope);
    const handler = new VaultHandler(deps);
    registerSecretRoutes(scope, handler);
    registerWorkspaceRoutes(scope, handler);
  });
}
