import type { FastifyInstance } from 'fastify';
import { withZod } from './input-validation.js';
import { installVaultErrorHandler } from './vault/error-handler.js';
import { installVaultRequestContext, type VaultRouteDependencies } from './vault/request-context.js';
import { registerSecretRoutes } from './vault/secret-routes.js';
import { registerWorkspaceRoutes } from './vault/workspace-routes.js';

/**
 * The secrets vault's REST API (docs/contracts.md §7, XtraSecurity-compatible), in its own scope so
 * that every error, even a malformed body, is answered as `{"error": "..."}`. Hooks resolve each
 * request's caller and project before its route runs (vault/request-context.ts).
 */
export async function vaultRoutes(plain: FastifyInstance, deps: VaultRouteDependencies): Promise<void> {
  const scope = withZod(plain);
  installVaultErrorHandler(scope);
  installVaultRequestContext(scope, deps);
  registerSecretRoutes(scope, deps.vault);
  registerWorkspaceRoutes(scope, deps.vault);
}
