import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import type { Database } from '../db/database.js';
import { type Caller, type Credential, loadProjectContext, type ProjectContext, resolveCaller } from './access.js';
import { sealPendingAudit } from './audit.js';
import { AuditRecorder } from './audit-recorder.js';
import { DataKeys } from './crypto/data-keys.js';
import { MAIN_BRANCH } from './names.js';

/**
 * The vault's shared state: the database and the data keys (wrapped by the master keys). The
 * operations themselves are plain functions in projects.ts, secrets.ts, branches.ts,
 * service-accounts.ts and audit.ts that take this (or its parts) and a loaded context, which
 * carries the time (on the vault's clock) the request was authenticated at.
 */
const SEAL_INTERVAL_MS = 1_000;

export class Vault {
  readonly dataKeys: DataKeys;
  readonly audit: AuditRecorder;
  private sealing: NodeJS.Timeout | undefined;
  private sealingRun: Promise<unknown> = Promise.resolve();

  constructor(
    readonly db: Database,
    readonly masterKeys: KeyEncryptionProvider,
    private readonly clock: Clock = systemClock,
  ) {
    this.dataKeys = new DataKeys(masterKeys);
    this.audit = new AuditRecorder(db);
  }

  context(credential: Credential, projectId: unknown, branch = MAIN_BRANCH): Promise<ProjectContext> {
    return loadProjectContext(this.db, credential, projectId, branch, this.clock.now());
  }

  caller(credential: Credential): Promise<Caller> {
    return resolveCaller(this.db, credential, this.clock.now());
  }

  /** Seals pending audit entries into their chains every second, until stopSealing. */
  startSealing(logger: Logger): void {
    this.sealing ??= setInterval(() => {
      this.sealingRun = sealPendingAudit(this.db).catch((error: unknown) =>
        logger.warn({ err: error }, 'sealing the audit trail failed; will retry'),
      );
    }, SEAL_INTERVAL_MS);
    this.sealing.unref();
  }

  /** Stops the timer and seals what is still pending, so a clean shutdown leaves nothing unsealed. */
  async stopSealing(): Promise<void> {
    clearInterval(this.sealing);
    this.sealing = undefined;
    await this.sealingRun;
    await sealPendingAudit(this.db);
  }
}
