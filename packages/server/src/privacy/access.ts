import type { WrappedKey } from '../crypto/wrapped-keys.js';
import type { Queryable } from '../db/database.js';
import { ActionError } from '../graphql/errors.js';
import type { ActionContext } from '../graphql/model.js';
import { awaitingTwoFactorSql, memberRoleSql, TWO_FACTOR_REQUIRED } from './membership.js';
import { type Capability, MAY } from './permissions.js';

/**
 * What an action checks before it touches a controller's data: the same rule as the row filters
 * of the model (permissions.ts), in one query that also reads the controller's wrapped key.
 * "No such controller" and "not yours" get the same answer, so existence is not disclosed; a
 * member whom the two-factor rule does not count is told so (docs/contracts.md §6.2).
 */
export interface ControllerAccess {
  controllerId: string;
  /** The stored root key, if the controller has one yet. */
  controllerKey: WrappedKey | undefined;
  /** The root key was stored by the caller's own transaction (so it may still roll back). */
  controllerKeyIsNew: boolean;
  /** The caller's counting dashboard role; null for the admin role and the public surfaces. */
  memberRole: string | null;
}

/**
 * The caller's counting role (m) in the controller `controllerId` (an expression of the query),
 * the caller's id in $2; and, only when it has none, whether the two-factor rule is why.
 */
const membershipOf = (controllerId: string) => ({
  columns: `m.role, CASE WHEN m.role IS NULL AND $2::uuid IS NOT NULL THEN ${awaitingTwoFactorSql({ controllerId, userId: '$2::uuid' })} ELSE false END AS awaiting_two_factor`,
  join: `LEFT JOIN LATERAL (${memberRoleSql({ controllerId, userId: '$2::uuid' })}) m ON true`,
});

/** Whether the key row was written by the current transaction (its xmin is our transaction id). */
const KEY_IS_NEW = `coalesce(k.xmin::text = (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text, false) AS key_is_new`;

type Session = ActionContext['session'];

export const sessionUserId = (session: Session): string | null => session.variables['x-hasura-user-id'] ?? null;
const isAdmin = (session: Session) => session.role === 'admin';

export async function controllerAccess(
  db: Queryable,
  session: Session,
  controllerId: string,
  capability: Capability,
): Promise<ControllerAccess> {
  const membership = membershipOf('c.id');
  const [row] = await db.query<
    MembershipRow & { wrapped_key: Buffer | null; master_key_id: string | null; key_is_new: boolean }
  >(
    `SELECT ${membership.columns}, k.wrapped_key, k.master_key_id, ${KEY_IS_NEW}
     FROM public.data_controllers c
     ${membership.join}
     LEFT JOIN privacy.controller_keys k ON k.data_controller_id = c.id
     WHERE c.id = $1`,
    [controllerId, isAdmin(session) ? null : sessionUserId(session)],
    { name: 'privacy.controller-access' },
  );
  if (!row || !(isAdmin(session) || (session.role === 'user' && allowed(row.role, capability)))) {
    throw refusal(session, row, 'data controller not found');
  }
  return {
    controllerId,
    controllerKey: storedKey(row),
    controllerKeyIsNew: row.key_is_new,
    memberRole: isAdmin(session) ? null : row.role,
  };
}

/**
 * For the public, write-only actions (a Transparency Center form, role anonymous or dataSubject):
 * anyone may write to a controller, so there is no membership to check, but it must exist. The
 * answer for a missing one is controllerAccess's, word for word.
 */
export async function publicControllerAccess(db: Queryable, controllerId: string): Promise<ControllerAccess> {
  const [row] = await db.query<{ wrapped_key: Buffer | null; master_key_id: string | null; key_is_new: boolean }>(
    `SELECT k.wrapped_key, k.master_key_id, ${KEY_IS_NEW}
     FROM public.data_controllers c
     LEFT JOIN privacy.controller_keys k ON k.data_controller_id = c.id
     WHERE c.id = $1`,
    [controllerId],
  );
  if (!row) throw new ActionError('data controller not found', 'not-found');
  return { controllerId, controllerKey: storedKey(row), controllerKeyIsNew: row.key_is_new, memberRole: null };
}

export interface SubjectAccess extends ControllerAccess {
  subjectId: string;
  erasedAt: Date | null;
}

/**
 * The same for one data subject: a member of its controller with `capability`, or the subject
 * itself (role dataSubject, when `subjectMayAct`).
 */
export async function subjectAccess(
  db: Queryable,
  session: Session,
  subjectId: string,
  capability: Capability,
  subjectMayAct = false,
): Promise<SubjectAccess> {
  const membership = membershipOf('s.data_controller_id');
  const [row] = await db.query<
    MembershipRow & {
      data_controller_id: string;
      erased_at: Date | null;
      wrapped_key: Buffer | null;
      master_key_id: string | null;
      key_is_new: boolean;
    }
  >(
    `SELECT s.data_controller_id, s.erased_at, ${membership.columns}, k.wrapped_key, k.master_key_id, ${KEY_IS_NEW}
     FROM public.data_subjects s
     ${membership.join}
     LEFT JOIN privacy.controller_keys k ON k.data_controller_id = s.data_controller_id
     WHERE s.id = $1`,
    [subjectId, isAdmin(session) ? null : sessionUserId(session)],
  );
  const mayAct =
    row !== undefined &&
    (isAdmin(session) ||
      (session.role === 'user' && allowed(row.role, capability)) ||
      (subjectMayAct && session.role === 'dataSubject' && session.variables['x-hasura-data-subject-id'] === subjectId));
  if (!mayAct) throw refusal(session, row, 'data subject not found');
  return {
    controllerId: row.data_controller_id,
    subjectId,
    erasedAt: row.erased_at,
    controllerKey: storedKey(row),
    controllerKeyIsNew: row.key_is_new,
    memberRole: isAdmin(session) ? null : row.role,
  };
}

interface MembershipRow {
  role: string | null;
  awaiting_two_factor: boolean;
}

/** Not found (existence is not disclosed), unless the caller is a member the two-factor rule keeps out. */
function refusal(session: Session, row: MembershipRow | undefined, notFound: string): ActionError {
  return session.role === 'user' && row?.awaiting_two_factor
    ? new ActionError(TWO_FACTOR_REQUIRED, 'two-factor-required')
    : new ActionError(notFound, 'not-found');
}

function allowed(role: string | null, capability: Capability): boolean {
  return role !== null && (MAY[capability] as readonly string[]).includes(role);
}

function storedKey(row: { wrapped_key: Buffer | null; master_key_id: string | null }): WrappedKey | undefined {
  return row.wrapped_key && row.master_key_id
    ? { wrapped: Buffer.from(row.wrapped_key), masterKeyId: row.master_key_id }
    : undefined;
}
