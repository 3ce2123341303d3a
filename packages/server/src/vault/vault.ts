import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { loadProjectContext, resolveCaller, type Caller, type Credential, type ProjectContext } from './access.js';
import { DataKeys } from './crypto/data-keys.js';
import type { KeyEncryptionProvider } from './crypto/key-provider.js';
import { loadMasterKeys } from './crypto/master-keys.js';

/**
 * The vault's shared state: the database and the data keys (wrapped by the master keys). The
 * operations themselves are plain functions in projects.ts, secrets.ts, branches.ts,
 * service-accounts.ts and audit.ts that take this (or its parts) and a loaded context.
 */
export class Vault {
  readonly dataKeys: DataKeys;

  constructor(
    readonly db: Database,
    readonly masterKeys: KeyEncryptionProvider,
  ) {
    this.dataKeys = new DataKeys(masterKeys);
  }

  static async open(db: Database, config: Pick<Config, 'masterKey' | 'masterKeysPrevious' | 'dataDir'>): Promise<Vault> {
    return new Vault(db, await loadMasterKeys(config));
  }

  context(credential: Credential, projectId: unknown, branch?: string): Promise<ProjectContext> {
    return loadProjectContext(this.db, credential, projectId, branch);
  }

  caller(credential: Credential): Promise<Caller> {
    return resolveCaller(this.db, credential);
  }
}
