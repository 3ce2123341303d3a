import type { Database } from '../db/database.js';
import { memberRoleSql } from '../privacy/membership.js';
import { type Caller, refuseIfAwaitingTwoFactor } from './access.js';
import { forbidden, notFound } from './errors.js';
import { idOrUndefined } from './names.js';
import { mayReadAudit } from './roles.js';

/**
 * The audit trail: entries are recorded by vault.record_audit (see migration 0007) inside the
 * statement or transaction of what they record, and sealed into their workspace's hash chain by
 * vault.seal_audit — every second, and before the trail is read or verified. Sealing, reading
 * and verifying are here.
 */
export interface AuditEntry {
  id: number;
  /** null while the entry waits to be sealed into the chain (at most about a second). */
  seq: number | null;
  createdAt: string;
  actor: string;
  action: string;
  projectId: string | null;
  environment: string | null;
  branch: string | null;
  keys: string[];
  metadata: Record<string, unknown>;
  prevHash: string | null;
  hash: string | null;
}

export type VerifyResult =
  | { valid: true; entries: number; head: string | null }
  | { valid: false; entries: number; brokenAt: { id: number; seq: number }; reason: string };

interface AuditRow {
  id: string;
  seq: string | null;
  created_at: Date;
  actor: string;
  action: string;
  project_id: string | null;
  environment: string | null;
  branch: string | null;
  keys: string[];
  metadata: Record<string, unknown>;
  prev_hash: string | null;
  hash: string | null;
}

const GENESIS = '0'.repeat(64);

/** The chain the caller asks for, if the caller may read it: an organisation's or their own. */
export async function auditChainFor(
  db: Database,
  caller: Caller,
  query: { dataControllerId?: unknown; projectId?: unknown },
): Promise<{ chain: string; projectId: string | null }> {
  if (!caller.userId)
    throw forbidden('Service accounts cannot read the audit trail; use a personal access token of an owner or admin');
  let projectId: string | null = null;
  let controllerId = query.dataControllerId;
  if (query.projectId !== undefined) {
    projectId = idOrUndefined(query.projectId) ?? null;
    const [project] = projectId
      ? await db.query<{ owner_user_id: string | null; data_controller_id: string | null }>(
          'SELECT owner_user_id, data_controller_id FROM vault.projects WHERE id = $1',
          [projectId],
        )
      : [];
    if (!project) throw notFound(`Project ${String(query.projectId).slice(0, 64)} not found`);
    if (project.owner_user_id) {
      if (project.owner_user_id !== caller.userId) throw notFound(`Project ${projectId} not found`);
      return { chain: `user:${caller.userId}`, projectId };
    }
    controllerId = project.data_controller_id;
  }
  if (controllerId === undefined || controllerId === null) return { chain: `user:${caller.userId}`, projectId };
  const id = idOrUndefined(controllerId);
  const [membership] = id
    ? await db.query<{ role: string }>(memberRoleSql({ controllerId: '$1', userId: '$2' }), [id, caller.userId])
    : [];
  if (!membership) {
    if (id && caller.userId) await refuseIfAwaitingTwoFactor(db, { controllerId: id }, caller.userId);
    throw notFound(
      `${projectId ? `Project ${projectId}` : `Data controller ${String(controllerId).slice(0, 64)}`} not found`,
    );
  }
  if (!mayReadAudit(membership.role))
    throw forbidden(
      `Your role in this organisation (${membership.role}) may not read its audit trail; owners, admins and auditors may`,
    );
  return { chain: `org:${id}`, projectId };
}

/** Seals one chain's pending entries. */
export async function sealChain(db: Database, chain: string): Promise<number> {
  const [row] = await db.query<{ sealed: number }>('SELECT vault.seal_audit($1) AS sealed', [chain]);
  return row?.sealed ?? 0;
}

/** Seals every chain that has pending entries, one chain per statement (so locks stay short). */
export async function sealPendingAudit(db: Database): Promise<number> {
  const chains = await db.query<{ chain: string }>(
    'SELECT DISTINCT chain FROM vault.audit_log WHERE seq IS NULL ORDER BY chain',
  );
  let sealed = 0;
  for (const { chain } of chains) sealed += await sealChain(db, chain);
  return sealed;
}

export async function listAudit(
  db: Database,
  chain: { chain: string; projectId: string | null },
  page: number,
  pageSize: number,
): Promise<{ data: AuditEntry[]; total: number; page: number; pageSize: number }> {
  await sealChain(db, chain.chain);
  const [rows, [count]] = await Promise.all([
    db.query<AuditRow>(
      `SELECT * FROM vault.audit_log WHERE chain = $1 AND ($2::uuid IS NULL OR project_id = $2::uuid)
       ORDER BY seq DESC NULLS FIRST, id DESC LIMIT $3 OFFSET $4`,
      [chain.chain, chain.projectId, pageSize, (page - 1) * pageSize],
    ),
    db.query<{ total: string }>(
      'SELECT count(*) AS total FROM vault.audit_log WHERE chain = $1 AND ($2::uuid IS NULL OR project_id = $2::uuid)',
      [chain.chain, chain.projectId],
    ),
  ]);
  return { data: rows.map(toEntry), total: Number(count!.total), page, pageSize };
}

const toEntry = (row: AuditRow): AuditEntry => ({
  id: Number(row.id),
  seq: row.seq === null ? null : Number(row.seq),
  createdAt: new Date(row.created_at).toISOString(),
  actor: row.actor,
  action: row.action,
  projectId: row.project_id,
  environment: row.environment,
  branch: row.branch,
  keys: row.keys,
  metadata: row.metadata,
  prevHash: row.prev_hash,
  hash: row.hash,
});

const VERIFY_BATCH = 5_000;

/**
 * Seals what is pending, then walks the chain in order and recomputes every hash from the stored columns with the same SQL
 * function that made it. The first entry whose hash, link or sequence does not hold is reported;
 * so is a head that does not match the last entry (entries removed from the end).
 */
export async function verifyChain(db: Database, chain: string): Promise<VerifyResult> {
  await sealChain(db, chain);
  let previousHash = GENESIS;
  let previousSeq = 0;
  let entries = 0;
  for (;;) {
    const rows = await db.query<{ id: string; seq: string; prev_hash: string; hash: string; recomputed: string }>(
      `SELECT id, seq, prev_hash, hash,
         vault.audit_digest(prev_hash, seq, created_at, actor, action, project_id, environment, branch, keys, metadata) AS recomputed
       FROM vault.audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT ${VERIFY_BATCH}`,
      [chain, previousSeq],
    );
    for (const row of rows) {
      const at = { id: Number(row.id), seq: Number(row.seq) };
      if (at.seq !== previousSeq + 1)
        return { valid: false, entries, brokenAt: at, reason: `entry ${previousSeq + 1} is missing before this one` };
      if (row.prev_hash !== previousHash)
        return {
          valid: false,
          entries,
          brokenAt: at,
          reason: 'its link to the previous entry does not match that entry',
        };
      if (row.recomputed !== row.hash)
        return {
          valid: false,
          entries,
          brokenAt: at,
          reason: 'its contents do not match its hash: the entry was changed',
        };
      previousHash = row.hash;
      previousSeq = at.seq;
      entries += 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  const [head] = await db.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM vault.audit_heads WHERE chain = $1',
    [chain],
  );
  if (head && (Number(head.seq) !== previousSeq || head.hash !== previousHash)) {
    return {
      valid: false,
      entries,
      brokenAt: { id: 0, seq: previousSeq + 1 },
      reason: `the chain's head is at entry ${head.seq} but the trail ends at entry ${previousSeq}: entries were removed`,
    };
  }
  return { valid: true, entries, head: head?.hash ?? null };
}
