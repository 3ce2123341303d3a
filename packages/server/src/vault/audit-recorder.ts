import type { Queryable } from '../db/database.js';

export interface AuditRecord {
  chain: string;
  actor: string;
  action: string;
  projectId: string | null;
  environment: string | null;
  branch: string | null;
  keys: readonly string[];
  metadata?: Record<string, unknown>;
}

const INSERT_SQL = `INSERT INTO vault.audit_log (chain, actor, action, project_id, environment, branch, keys, metadata)
SELECT chain, actor, action, project_id, environment, branch, coalesce(keys, '{}'), coalesce(metadata, '{}')
FROM jsonb_to_recordset($1::jsonb) AS t(chain text, actor text, action text, project_id uuid, environment text, branch text, keys text[], metadata jsonb)`;

const MAX_BATCH = 1_000;

/**
 * Records the audit entries of reads with group commit: a read's answer waits until its entry is
 * committed (so a read that cannot be audited fails, and nothing is read unrecorded), but the
 * entries of reads arriving while one insert is in flight go together in the next. Under load
 * that turns a commit per read into a commit per batch; an idle server inserts each at once.
 * Writes record their entries in their own transaction instead (vault.record_audit).
 */
export class AuditRecorder {
  private queue: { record: AuditRecord; settle: (error?: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly db: Queryable) {}

  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        const rows = batch.map(({ record }) => ({
          chain: record.chain,
          actor: record.actor,
          action: record.action,
          project_id: record.projectId,
          environment: record.environment,
          branch: record.branch,
          keys: record.keys,
          metadata: record.metadata ?? {},
        }));
        try {
          await this.db.query(INSERT_SQL, [JSON.stringify(rows)], { name: 'vault.audit-batch' });
          for (const entry of batch) entry.settle();
        } catch (error) {
          for (const entry of batch) entry.settle(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
