import type { BoolExp } from '../graphql/model.js';

/**
 * The nine dashboard roles of a controller's members (docs/contracts.md §6.2) and what each
 * may do. The API role `user` is narrowed to these by the row filters below: a member sees and
 * changes only its controllers, and only what its dashboard role allows.
 */
export const DASHBOARD_ROLES = [
  'owner',
  'businessOwner',
  'admin',
  'dpo',
  'dataController',
  'developer',
  'agency',
  'member',
  'auditor',
] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];

/** What the dashboard and mail call each role (reference §2.4). */
export const ROLE_LABELS: Record<DashboardRole, string> = {
  owner: 'Owner',
  businessOwner: 'Business Owner',
  admin: 'Admin',
  dpo: 'Data Protection Officer',
  dataController: 'Data Controller',
  developer: 'Developer',
  agency: 'Agency/Reseller',
  member: 'Member',
  auditor: 'Auditor/Regulator',
};

export const isDashboardRole = (role: string): role is DashboardRole =>
  (DASHBOARD_ROLES as readonly string[]).includes(role);

/** The permission matrix, by capability. */
export const MAY = {
  viewOrganisation: [...DASHBOARD_ROLES],
  updateOrganisation: ['owner', 'businessOwner', 'admin', 'dpo'],
  deleteOrganisation: ['owner', 'businessOwner', 'admin'],
  manageUsers: ['owner', 'businessOwner', 'admin'],
  // Data subjects, processing activities, purposes, processors, notices, consent, rights requests.
  // Developers have no access to privacy operations; members and auditors only read.
  viewPrivacy: ['owner', 'businessOwner', 'admin', 'dpo', 'dataController', 'agency', 'member', 'auditor'],
  managePrivacy: ['owner', 'businessOwner', 'admin', 'dpo', 'dataController', 'agency'],
  viewCompliance: ['owner', 'businessOwner', 'admin', 'dpo', 'dataController', 'agency', 'member', 'auditor'],
  manageCompliance: ['owner', 'businessOwner', 'admin', 'dpo'],
  // The configuration audit trail: the accountable roles and the auditor.
  viewAudit: ['owner', 'businessOwner', 'admin', 'dpo', 'auditor'],
} satisfies Record<string, readonly DashboardRole[]>;
export type Capability = keyof typeof MAY;

/**
 * On a data controller: the caller's membership counts under the two-factor rule (docs/contracts.md
 * §6.2) — the controller does not require two-factor sign-in, or the caller's account has a
 * factor active. The same rule as privacy.member_role (migration 0013), which the SQL of the
 * vault and of the actions uses (membership.ts); here in the model's terms, for row filters. On
 * the controller's own row, so that an update's check reads the new requireMfa (an owner cannot
 * require what they lack), and so that it costs nothing while requireMfa is false; otherwise one
 * more lookup of the caller's membership and account.
 */
const TWO_FACTOR_RULE_MET: BoolExp = {
  _or: [
    { requireMfa: { _eq: false } },
    { members: { userId: { _eq: 'X-Hasura-User-Id' }, user: { activeMfaType: { _is_null: false } } } },
  ],
};

/**
 * A row filter: the caller is a member of the row's controller with a role that may `capability`,
 * and the membership counts under the two-factor rule. `path` leads from the table to
 * dataControllers (e.g. ['dataController']; [] on dataControllers).
 */
export function member(capability: Capability, path: string[] = ['dataController']): BoolExp {
  return nest(path, { members: membership(capability), ...TWO_FACTOR_RULE_MET });
}

/**
 * The same, whatever the two-factor rule says: only for the controller's own row, which its
 * members still see while they enrol (with requireMfa, which tells a console why the rest is
 * hidden).
 */
export function memberAwaitingTwoFactorToo(capability: Capability): BoolExp {
  return { members: membership(capability) };
}

function membership(capability: Capability): BoolExp {
  const roles = MAY[capability];
  const exp: BoolExp = { userId: { _eq: 'X-Hasura-User-Id' } };
  if (roles.length < DASHBOARD_ROLES.length) exp.role = { _in: roles };
  return exp;
}

/**
 * On a membership (or an invitation), whose role the caller would grant, change or take away:
 * the owner role is an owner's to give and take (a controller also always keeps one: migration
 * 0014). With `member('manageUsers')`, who may manage the team.
 */
export const OWNER_ROLE_IS_AN_OWNERS: BoolExp = {
  _or: [
    { role: { _neq: 'owner' } },
    { dataController: { members: { userId: { _eq: 'X-Hasura-User-Id' }, role: { _eq: 'owner' } } } },
  ],
};

/** A row filter for the dataSubject role: the row belongs to the signed-in subject. */
export function ownSubject(path: string[] = ['dataSubject']): BoolExp {
  return nest(path, { id: { _eq: 'X-Hasura-Data-Subject-Id' } });
}

/** A row filter for the dataSubject role on controller-level rows: its own controller's. */
export function ownController(path: string[] = ['dataController']): BoolExp {
  return nest(path, { dataSubjects: { id: { _eq: 'X-Hasura-Data-Subject-Id' } } });
}

function nest(path: string[], leaf: BoolExp): BoolExp {
  let exp = leaf;
  for (const step of [...path].reverse()) exp = { [step]: exp };
  return exp;
}
