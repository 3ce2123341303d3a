/**
 * "The role of this user in this data controller", for statements of other domains (the vault
 * decides project access by organisation membership, architecture §3.4), so that they need not
 * know the privacy domain's tables: a query (a subquery or CTE body) of one column, `role`, never
 * NULL, in zero rows (not a member) or one (a user holds one role per controller). Join it as
 * `LEFT JOIN LATERAL (…) m ON true` and test `m.role IS NOT NULL` for membership.
 *
 * `controllerId` and `userId` are SQL expressions from code: placeholders, or columns of the
 * enclosing query (which must not use the alias `dcu`, taken here). This file imports nothing,
 * so using it brings in nothing of the engine.
 */
export function memberRoleSql({ controllerId, userId }: { controllerId: string; userId: string }): string {
  return `SELECT dcu.role FROM public.data_controller_users dcu WHERE dcu.data_controller_id = ${controllerId} AND dcu.user_id = ${userId}`;
}
