/**
 * "The role of this user in this data controller", for statements of other domains (the vault
 * decides project access by organisation membership, architecture §3.4) and for the privacy
 * domain's own checks (access.ts), so that they need not know its tables: a query (a subquery
 * or CTE body) of one column, `role`, never NULL, in zero rows (not a member) or one (a user
 * holds one role per controller). Join it as `LEFT JOIN LATERAL (…) m ON true` and test
 * `m.role IS NOT NULL` for membership.
 *
 * Only memberships that count are found: a controller that requires two-factor sign-in counts a
 * member only while the account has a factor active (docs/contracts.md §6.2). The rule is the
 * SQL function privacy.member_role (migration 0013), which the planner inlines into the
 * statement; the engine's row filters say the same in permissions.ts.
 *
 * `controllerId` and `userId` are SQL expressions from code: placeholders, or columns of the
 * enclosing query (which must not use the alias `mr`, taken here); not subqueries, with which
 * the planner runs the function on its own instead of inlining it (ten times the cost). This file
 * imports nothing, so using it brings in nothing of the engine.
 */
export function memberRoleSql({ controllerId, userId }: { controllerId: string; userId: string }): string {
  return `SELECT mr.role FROM privacy.member_role(${controllerId}, ${userId}) mr`;
}

/**
 * A boolean SQL expression: the user is a member of the controller, but the membership does not
 * count because the controller requires two-factor sign-in and the account has none. For refusals
 * that say why (only on the path of a refusal: it costs a query of its own).
 */
export function awaitingTwoFactorSql({ controllerId, userId }: { controllerId: string; userId: string }): string {
  return `privacy.awaiting_two_factor(${controllerId}, ${userId})`;
}

/** What a refusal for a member awaiting two-factor sign-in says, on every surface. */
export const TWO_FACTOR_REQUIRED =
  'This organisation requires two-factor sign-in: turn on TOTP for your account (GET /v1/mfa/totp/generate, then POST /v1/user/mfa) to use its data';
