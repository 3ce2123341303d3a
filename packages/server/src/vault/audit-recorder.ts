import { Batcher } from '../db/batcher.js';
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

/**
 * Records the audit entries of reads, group-committed: a read's answer waits until its entry is
 * committed (a read that cannot be audited fails, and nothing is read unrecorded), but reads
 * arriving together share one insert. Writes record their entries in their own transaction
 * instead (vault.record_audit).
 */
export class AuditRecorder {
  private readonly batcher: Batcher<AuditRecord, void>;

  constructor(db: Queryable) {
    this.batcher = new Batcher<AuditRecord, void>(async (records) => {
      const rows = records.map((record) => ({
        chain: record.chain,
        actor: record.actor,
        action: record.action,
        project_id: record.projectId,
        environment: record.environment,
        branch: record.branch,
        keys: record.keys,
        metadata: record.metadata ?? {},
      }));
      await db.query(INSERT_SQL, [JSON.stringify(rows)], { name: 'vault.audit-batch' });
      return records.map(() => undefined);
    });
  }

  record(record: AuditRecord): Promise<void> {
    return this.batcher.submit(record);
  }
}
