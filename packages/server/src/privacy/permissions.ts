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
 * A row filter: the caller is a member of the row's controller with a role that may `capability`.
 * `path` leads from the table to dataControllers (e.g. ['dataController']; [] on dataControllers).
 */
export function member(capability: Capability, path: string[] = ['dataController']): BoolExp {
  const roles = MAY[capability];
  const membership: BoolExp = { userId: { _eq: 'X-Hasura-User-Id' } };
  if (roles.length < DASHBOARD_ROLES.length) membership.role = { _in: roles };
  return nest(path, { members: membership });
}

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
