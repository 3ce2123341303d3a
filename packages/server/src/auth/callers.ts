import { livePatCondition } from './personal-access-tokens.js';

/**
 * SQL that auth offers to domains which authenticate a caller inside a statement of their own
 * (the vault's project context: credential and project in one round trip, architecture §3.4), so
 * that they need not know auth's tables or its rules. Arguments are SQL expressions from code,
 * normally placeholders; never input.
 */

/**
 * "The id of the enabled user with this id, or of the enabled user holding this PAT, live at this
 * time": a query (a CTE or subquery body) of one column, `id`, a uuid. `userId` (bound as uuid)
 * and `patHash` (the SHA-256 digest, bound as text) may each be NULL; given one and NULL for the
 * other, it yields at most one row. `now` is epoch milliseconds. A PAT is live by the same rule as
 * PAT sign-in (`livePatCondition`); a disabled user yields nothing either way.
 */
export function activeUserByIdOrPatSql({
  userId,
  patHash,
  now,
}: {
  userId: string;
  patHash: string;
  now: string;
}): string {
  return `SELECT u.id FROM auth.users u WHERE u.id = ${userId}::uuid AND NOT u.disabled
  UNION ALL
  SELECT t.user_id FROM auth.personal_access_tokens t JOIN auth.users u ON u.id = t.user_id
  WHERE ${livePatCondition({ alias: 't', tokenHash: `${patHash}::text`, now })} AND NOT u.disabled`;
}
