import { type BoolExp, column, nhostRootFields, type TableModel } from '../../graphql/model.js';
import { member, memberAwaitingTwoFactorToo, OWNER_ROLE_IS_AN_OWNERS, ownController } from '../permissions.js';
import {
  controllerTable,
  createdAt,
  hasMany,
  id,
  json,
  members,
  objectRelationship,
  text,
  timestamps,
  uuid,
} from './shared.js';

/** Data controllers (organisations), their members, the members' profiles, the audit trail and compliance issues. */

const ORGANISATION_DETAILS = [
  'title',
  'email',
  'legalName',
  'address',
  'timezone',
  'description',
  'operatingRegions',
  'operatingIndustries',
  'dpoEmail',
  'defaultJurisdiction',
  'honourGpc',
  'subjectSelfRegistration',
  'logomarkUrl',
  'primaryColour',
  'secondaryColour',
];

export const dataControllers: TableModel = {
  name: 'dataControllers',
  sql: { schema: 'public', table: 'data_controllers' },
  columns: [
    id,
    text('title'),
    text('did', true),
    text('email', true),
    text('legal_name', true),
    text('address', true),
    text('timezone', true),
    text('description', true),
    json('operating_regions'),
    json('operating_industries'),
    text('dpo_email', true),
    text('default_jurisdiction'),
    column('honour_gpc', 'Boolean'),
    // Whether a person the controller does not know may register by proving an e-mail address.
    column('subject_self_registration', 'Boolean'),
    // Branding: the controller's mail and Transparency Center.
    text('logomark_url', true),
    text('primary_colour', true),
    text('secondary_colour', true),
    // Two-factor sign-in required of the members (docs/contracts.md §6.2).
    column('require_mfa', 'Boolean'),
    ...timestamps,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataControllers', 'dataController'),
  relationships: hasMany('dataControllerId', {
    members: 'dataControllerUsers',
    invitations: 'dataControllerInvitations',
    origins: 'dataControllerOrigins',
    dataSubjects: 'dataSubjects',
    privacyNotices: 'privacyNotices',
    purposes: 'purposes',
    thirdPartyServices: 'thirdPartyServices',
    consentForms: 'consentForms',
    dataProcessingActivities: 'dataProcessingActivities',
    dataSubjectsRightsRequests: 'dataSubjectsRightsRequests',
    rightsServices: 'rightsServices',
    complianceIssues: 'complianceIssues',
    faqs: 'dataControllerFaqs',
    auditEvents: 'auditEvents',
  }),
  permissions: {
    user: {
      // Seen by members awaiting two-factor sign-in too: requireMfa says why nothing else is.
      select: { columns: '*', filter: memberAwaitingTwoFactorToo('viewOrganisation'), allowAggregations: true },
      // The inserting user becomes the owner (a trigger, see migration 0004).
      insert: { columns: ORGANISATION_DETAILS },
      // Turning requireMfa on without a factor of one's own fails the check: it would lock one out.
      update: {
        columns: [...ORGANISATION_DETAILS, 'requireMfa'],
        filter: member('updateOrganisation', []),
        check: member('updateOrganisation', []),
      },
      delete: { filter: member('deleteOrganisation', []) },
    },
    // A subject's Transparency Center shows who its controller is and how to reach the DPO.
    dataSubject: {
      select: {
        columns: [
          'id',
          'title',
          'did',
          'email',
          'legalName',
          'address',
          'dpoEmail',
          'logomarkUrl',
          'primaryColour',
          'secondaryColour',
        ],
        filter: ownController([]),
      },
    },
  },
};

/** On a membership or an invitation: the caller may manage the team, and the owner role is an owner's. */
const manageTeam: BoolExp = { _and: [member('manageUsers'), OWNER_ROLE_IS_AN_OWNERS] };

export const dataControllerUsers = controllerTable({
  name: 'dataControllerUsers',
  singular: 'dataControllerUser',
  columns: [
    uuid('user_id'),
    text('role'),
    column('training_completed_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  relationships: [objectRelationship('user', 'users', 'userId')],
  permissions: {
    // A role change or a removal counts from the member's next request: every request reads the
    // membership (permissions.ts). People join by invitation (dataControllerInvitations); an
    // insert adds an existing account directly.
    user: {
      ...members('viewOrganisation'),
      insert: { columns: ['dataControllerId', 'userId', 'role', 'trainingCompletedAt'], check: manageTeam },
      update: { columns: ['role', 'trainingCompletedAt'], filter: manageTeam, check: manageTeam },
      delete: { filter: manageTeam },
    },
    // "me": the caller's own memberships.
    me: { select: { columns: '*', filter: { userId: { _eq: 'X-Hasura-User-Id' } } } },
  },
});

/** Accounts (auth.users), as far as a profile goes: never hashes, roles or metadata. */
export const users: TableModel = {
  name: 'users',
  sql: { schema: 'auth', table: 'users' },
  columns: [
    id,
    text('email'),
    text('display_name'),
    text('avatar_url'),
    text('locale'),
    // 'totp' or null (docs/contracts.md §3.7): read by the two-factor rule, shown to the team.
    text('active_mfa_type', true),
    // The last sign-in (or PAT use), shown to the team.
    column('last_seen', 'timestamptz', { nullable: true }),
    createdAt,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('users', 'user'),
  relationships: hasMany('userId', { memberships: 'dataControllerUsers' }),
  permissions: {
    me: {
      select: { columns: '*', filter: { id: { _eq: 'X-Hasura-User-Id' } } },
      update: { columns: ['displayName', 'avatarUrl', 'locale'], filter: { id: { _eq: 'X-Hasura-User-Id' } } },
    },
    // A member sees itself and the people it shares a controller with (the team page).
    user: {
      select: {
        columns: ['id', 'email', 'displayName', 'avatarUrl', 'activeMfaType', 'lastSeen'],
        filter: { _or: [{ id: { _eq: 'X-Hasura-User-Id' } }, { memberships: member('viewOrganisation') }] },
      },
    },
  },
};

export const auditEvents = controllerTable({
  name: 'auditEvents',
  singular: 'auditEvent',
  columns: [
    uuid('actor_user_id', true),
    text('actor_role', true),
    text('action'),
    text('entity'),
    uuid('entity_id', true),
    json('changed_columns'),
    createdAt,
  ],
  permissions: {
    user: members('viewAudit'),
  },
});

export const complianceIssues = controllerTable({
  name: 'complianceIssues',
  singular: 'complianceIssue',
  columns: [
    text('area', true),
    text('title'),
    text('description', true),
    text('status'),
    text('priority'),
    column('dismissed', 'Boolean'),
    text('source'),
    column('resolved_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  permissions: {
    user: members('viewCompliance', {
      may: 'manageCompliance',
      insert: ['dataControllerId', 'area', 'title', 'description', 'status', 'priority', 'dismissed'],
      set: { source: 'manual' },
      update: ['title', 'description', 'status', 'priority', 'dismissed', 'resolvedAt'],
      delete: true,
    }),
  },
});

/**
 * Invitations to the team (docs/contracts.md §6.11): seen by every member (the team page), made,
 * resent, revoked and accepted only by the actions of privacy/invitations.ts, which mail the link.
 */
export const dataControllerInvitations = controllerTable({
  name: 'dataControllerInvitations',
  singular: 'dataControllerInvitation',
  columns: [
    text('email'),
    text('display_name'),
    text('role'),
    // pending, accepted or revoked; a pending one past expiresAt is expired.
    text('status'),
    uuid('invited_by_user_id', true),
    uuid('accepted_by_user_id', true),
    column('sent_at', 'timestamptz'),
    column('expires_at', 'timestamptz'),
    column('accepted_at', 'timestamptz', { nullable: true }),
    column('revoked_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  relationships: [objectRelationship('invitedBy', 'users', 'invitedByUserId')],
  permissions: {
    user: members('viewOrganisation'),
  },
});
