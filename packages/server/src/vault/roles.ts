/**
 * Who may do what in a project. A personal workspace's user is its owner. In an organisation
 * (a data controller) the member's dashboard role decides: owners, business owners and admins
 * administer, developers write secrets and branches, every other role reads. Service accounts
 * hold `read:secrets` and/or `write:secrets` on their one project.
 */
export type ProjectRole = 'owner' | 'admin' | 'developer' | 'viewer' | 'service-account';
export type Capability = 'read' | 'write' | 'administer';

export const SERVICE_ACCOUNT_PERMISSIONS = ['read:secrets', 'write:secrets'] as const;

export function projectRole(dashboardRole: string): ProjectRole {
  switch (dashboardRole.toLowerCase().replace(/[^a-z]/g, '')) {
    case 'owner':
      return 'owner';
    case 'businessowner':
    case 'admin':
      return 'admin';
    case 'developer':
      return 'developer';
    default:
      return 'viewer';
  }
}

export function roleAllows(role: ProjectRole, capability: Capability, permissions: readonly string[] = []): boolean {
  switch (role) {
    case 'owner':
    case 'admin':
      return true;
    case 'developer':
      return capability !== 'administer';
    case 'viewer':
      return capability === 'read';
    case 'service-account':
      return capability === 'read'
        ? permissions.includes('read:secrets')
        : capability === 'write' && permissions.includes('write:secrets');
  }
}

/** Organisation roles that may read the organisation's audit trail. */
export function mayReadAudit(dashboardRole: string): boolean {
  const role = projectRole(dashboardRole);
  return role === 'owner' || role === 'admin' || dashboardRole.toLowerCase().startsWith('auditor');
}
