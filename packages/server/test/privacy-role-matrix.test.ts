import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OriginSite, startOriginSite } from './helpers/origin-site.js';
import {
  ADMIN_SECRET,
  admin,
  asSubject,
  createSubject,
  gql,
  gqlData,
  insertConsentForm,
  insertPurpose,
  type Member,
  memberWithRole,
  newController,
  signInSubject,
} from './helpers/privacy.js';
import { introspect, leafSelection, type RoleApi } from './helpers/role-api.js';
import { callOf, inputValue } from './helpers/role-calls.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import {
  batch,
  type Operation,
  type Row,
  seedTenant,
  snapshotDiff,
  type TenantSeed,
  tenantRows,
  tenantSnapshot,
  tenantWithEveryRole,
} from './helpers/tenant-fixture.js';

/**
 * The permission matrix within one tenant (docs/contracts.md §6.2): each of the nine dashboard
 * roles of tenant B reads, inserts, updates and deletes exactly what its capabilities allow, table
 * by table, and calls exactly the actions they allow. The spec below says which capability each
 * operation needs; EXPECTED says which roles have it. EXPECTED is written here from the contract,
 * not read from the server's own table (src/privacy/permissions.ts), so that a wrong entry there
 * is enforced by the server and refused by this test, instead of being expected alike.
 */

/** The nine dashboard roles, by their stored values (docs/contracts.md §6.2). */
const ROLES = [
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
type DashboardRole = (typeof ROLES)[number];

/**
 * The "what each may do" table of docs/contracts.md §6.2, one line per role (x: may, .: may not).
 * It restates the Dxtra dashboard-roles matrix: the organisation is viewed by all, updated by
 * owner, business owner, admin and DPO, deleted and its members managed by owner, business owner
 * and admin; privacy operations are managed by owner, business owner, admin, DPO, data controller
 * and agency, only read by member and auditor, and closed to developers; compliance is viewed
 * like privacy operations and its issues managed by owner, business owner, admin and DPO; the
 * configuration audit trail is read by owner, business owner, admin, DPO and auditor.
 */
const CAPABILITIES = [
  'viewOrganisation',
  'updateOrganisation',
  'deleteOrganisation',
  'manageUsers',
  'viewPrivacy',
  'managePrivacy',
  'viewCompliance',
  'manageCompliance',
  'viewAudit',
] as const;
type Capability = (typeof CAPABILITIES)[number];
const GRID = `
                 viewOrg updateOrg deleteOrg manageUsers viewPrivacy managePrivacy viewCompliance manageCompliance viewAudit
  owner             x        x         x          x           x             x             x               x             x
  businessOwner     x        x         x          x           x             x             x               x             x
  admin             x        x         x          x           x             x             x               x             x
  dpo               x        x         .          .           x             x             x               x             x
  dataController    x        .         .          .           x             x             x               .             .
  developer         x        .         .          .           .             .             .               .             .
  agency            x        .         .          .           x             x             x               .             .
  member            x        .         .          .           x             .             x               .             .
  auditor           x        .         .          .           x             .             x               .             x
`;
const EXPECTED: Record<DashboardRole, ReadonlySet<Capability>> = (() => {
  const [header, ...lines] = GRID.trim().split('\n');
  // The header names the columns (abbreviated): they must be CAPABILITIES, in order.
  const columns = header!.trim().split(/\s+/);
  if (columns.length !== CAPABILITIES.length || columns.some((c, i) => !CAPABILITIES[i]!.startsWith(c)))
    throw new Error('GRID: the header must name CAPABILITIES in order');
  const table = Object.fromEntries(
    lines.map((line) => {
      const [role, ...marks] = line.trim().split(/\s+/);
      if (marks.length !== CAPABILITIES.length || marks.some((m) => m !== 'x' && m !== '.'))
        throw new Error(`GRID: the line of ${role} is malformed`);
      return [role, new Set(CAPABILITIES.filter((_, i) => marks[i] === 'x'))];
    }),
  );
  if (JSON.stringify(Object.keys(table)) !== JSON.stringify(ROLES))
    throw new Error('GRID: one line per role, in order');
  return table as Record<DashboardRole, ReadonlySet<Capability>>;
})();

type Operation_ = 'select' | 'insert' | 'update' | 'delete';
type Spec = Partial<Record<Operation_, Capability>>;
const VIEW_MANAGE = (view: Capability, manage: Capability): Spec => ({
  select: view,
  insert: manage,
  update: manage,
  delete: manage,
});

/**
 * What the matrix allows on each table. No entry: no dashboard role may do it. Append-only logs
 * (audit, histories, identifiers) are written by triggers and ingestion only.
 */
const SPEC: Record<string, Spec> = {
  // Creating a controller is open to every account (it becomes the new controller's owner): not a tenant operation.
  dataControllers: { select: 'viewOrganisation', update: 'updateOrganisation', delete: 'deleteOrganisation' },
  dataControllerUsers: VIEW_MANAGE('viewOrganisation', 'manageUsers'),
  // Domain Management: its members see the origins, those who update the organisation add and
  // remove them (verifying is an action, below).
  dataControllerOrigins: { select: 'viewOrganisation', insert: 'updateOrganisation', delete: 'updateOrganisation' },
  // The team page: every member sees the invitations; they are made and changed by actions (below).
  dataControllerInvitations: { select: 'viewOrganisation' },
  users: { select: 'viewOrganisation' },
  auditEvents: { select: 'viewAudit' },
  // The Help Center's entries are public once published: every member sees them, privacy managers edit them.
  dataControllerFaqs: VIEW_MANAGE('viewOrganisation', 'managePrivacy'),
  complianceIssues: VIEW_MANAGE('viewCompliance', 'manageCompliance'),
  dataSubjects: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  dataSubjectIdentifiers: { select: 'viewPrivacy' },
  notificationMessages: { select: 'viewPrivacy', insert: 'managePrivacy', delete: 'managePrivacy' },
  dataSubjectPreferenceValues: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  purposes: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  purposeDataItems: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  purposeTemplateLinks: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  thirdPartyServices: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  dataProcessingActivities: { select: 'viewPrivacy', insert: 'managePrivacy' },
  consentForms: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  consentFormPurposes: { select: 'viewPrivacy', insert: 'managePrivacy', delete: 'managePrivacy' },
  dataSubjectConsentFormValues: { select: 'viewPrivacy', insert: 'managePrivacy', update: 'managePrivacy' },
  dataSubjectConsentHistory: { select: 'viewPrivacy' },
  dataSubjectsRightsRequests: { select: 'viewPrivacy', insert: 'managePrivacy', update: 'managePrivacy' },
  dataSubjectsRightsRequestEvents: { select: 'viewPrivacy' },
  rightsServices: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
  privacyNotices: VIEW_MANAGE('viewPrivacy', 'managePrivacy'),
};

/** The capability each action needs of a member (role user). */
const ACTIONS: Record<string, Capability> = {
  createDataSubject: 'managePrivacy',
  // It only derives the DID every controller has; writing a missing one is checked separately below.
  generateDataControllerDID: 'viewOrganisation',
  generateDataSubjectDID: 'managePrivacy',
  exportDataSubjectData: 'managePrivacy',
  eraseDataSubject: 'managePrivacy',
  submitDataSubjectsRightsRequest: 'managePrivacy',
  reportDataSubjectsRightsRequests: 'viewPrivacy',
  dataControllerComplianceScore: 'viewCompliance',
  reportDataControllersComplianceIssues: 'manageCompliance',
  captureConsent: 'managePrivacy',
  answerFAQ: 'viewOrganisation',
  verifyDataControllerOrigin: 'updateOrganisation',
  inviteDataControllerUser: 'manageUsers',
  resendDataControllerInvitation: 'manageUsers',
  revokeDataControllerInvitation: 'manageUsers',
  dataControllerAccess: 'viewOrganisation',
};

const may = (role: DashboardRole, capability: Capability | undefined) =>
  capability !== undefined && EXPECTED[role].has(capability);

describe('permission matrix within a tenant: each dashboard role gets exactly what docs/contracts.md §6.2 allows', () => {
  let server: TestServer;
  let B: TenantSeed;
  let members: Record<DashboardRole, Member>;
  /** Accounts that belong to no controller, to be added as members (one to insert, one to delete). */
  let candidates: Member[];
  let userApi: RoleApi;
  let adminApi: RoleApi;
  /** A subject per role that the role's erase or export may use up. */
  const throwaway = {} as Record<DashboardRole, string>;
  /** B's website, which proves B's origin to whichever role verifies it. */
  let site: OriginSite;
  let siteOriginId: string;
  let n = 0;

  /**
   * A fresh valid row of B per table, for inserts, or (`victim`) one the admin inserts for a role
   * to delete; the two never collide on a unique key.
   */
  const newRow = (type: string, victim = false): Record<string, unknown> => {
    const c = B.controllerId;
    const s = B.subjectId;
    const tag = `matrix ${++n}`;
    const rows: Record<string, Record<string, unknown>> = {
      dataControllerUsers: { dataControllerId: c, userId: candidates[victim ? 1 : 0]!.userId, role: 'member' },
      dataControllerOrigins: { dataControllerId: c, origin: `https://matrix-${n}.example` },
      dataControllerFaqs: {
        dataControllerId: c,
        question: `${tag} question`,
        answer: `${tag} answer`,
        published: false,
        position: 9,
      },
      complianceIssues: { dataControllerId: c, title: tag, description: tag, status: 'open', priority: 'low' },
      dataSubjects: { dataControllerId: c, jurisdiction: 'CCPA' },
      notificationMessages: { dataControllerId: c, dataSubjectId: s, kind: 'general', title: tag, body: tag },
      dataSubjectPreferenceValues: { dataControllerId: c, dataSubjectId: s, preference: tag, value: 'yes' },
      purposes: { dataControllerId: c, name: tag, legalBasis: 'contract' },
      purposeDataItems: { dataControllerId: c, purposeId: B.ids.purposePublished, name: tag },
      purposeTemplateLinks: {
        dataControllerId: c,
        purposeId: B.ids.purposePublished,
        templateKind: 'operational',
        templateName: tag,
      },
      thirdPartyServices: { dataControllerId: c, name: tag },
      dataProcessingActivities: { dataControllerId: c, activityType: 'other', event: tag },
      consentForms: { dataControllerId: c, name: tag, status: 'draft' },
      // The fixture links the published form to the published purpose and the draft to the draft.
      consentFormPurposes: {
        dataControllerId: c,
        consentFormId: victim ? B.ids.consentFormDraft : B.ids.consentFormPublished,
        purposeId: victim ? B.ids.purposePublished : B.ids.purposeDraft,
      },
      dataSubjectConsentFormValues: {
        dataControllerId: c,
        dataSubjectId: s,
        consentFormId: B.ids.consentFormDraft,
        purposeId: B.ids.purposeDraft,
        value: 'denied',
      },
      dataSubjectsRightsRequests: {
        dataControllerId: c,
        dataSubjectId: s,
        requestType: 'export',
        channel: 'dashboard',
      },
      rightsServices: { dataControllerId: c, requestType: victim ? 'noSale' : 'erasure', enabled: true },
      privacyNotices: { dataControllerId: c, title: tag, noticeType: 'vendor', language: 'en', content: tag },
    };
    if (!rows[type]) throw new Error(`no new row for ${type}: add one to newRow`);
    return rows[type]!;
  };

  const adminInsert = async (type: string, object: Record<string, unknown>): Promise<string> =>
    (
      await gqlData(
        server,
        `mutation($o: ${type}_insert_input!) { r: ${adminApi.tables.get(type)!.insertOne}(object: $o) { id } }`,
        { o: object },
        admin,
      )
    ).r.id;
  /** A controller of its own in which the role's member has that role: what it may try to delete. */
  const controllerWith = async (role: DashboardRole): Promise<string> => {
    const { controllerId } = await newController(server, `To be deleted by ${role}`);
    await gqlData(
      server,
      'mutation($c: uuid!, $u: uuid!, $r: String!) { insertDataControllerUser(object: {dataControllerId: $c, userId: $u, role: $r}) { id } }',
      { c: controllerId, u: members[role].userId, r: role },
      admin,
    );
    return controllerId;
  };
  const adminDelete = (type: string, id: string) =>
    gqlData(
      server,
      `mutation { ${adminApi.tables.get(type)!.deleteByPk}(id: ${JSON.stringify(id)}) { id } }`,
      {},
      admin,
    );

  before(async () => {
    // Introspection is deeper than the default limit allows.
    server = await startTestServer({ PAVISE_ADMIN_SECRET: ADMIN_SECRET, PAVISE_GRAPHQL_MAX_DEPTH: '30' });
    const b = await tenantWithEveryRole(server, 'Tenant B');
    members = b.members;
    // The fixture makes a member of every role the server knows: it must be every role of the contract.
    assert.deepEqual(Object.keys(members).sort(), [...ROLES].sort(), 'the fixture has a member of each role');
    B = await seedTenant(server, 'B', b.controllerId, b.owner);
    candidates = [];
    for (const email of ['candidate-1@example.com', 'candidate-2@example.com']) {
      const signUp = await server.call('/v1/signup/email-password', {
        body: { email, password: 'Candidate-passw0rd-123' },
      });
      candidates.push({
        email,
        password: 'Candidate-passw0rd-123',
        userId: signUp.body.session.user.id,
        token: signUp.body.session.accessToken,
      });
    }
    for (const role of ROLES)
      throwaway[role] = await createSubject(server, admin, B.controllerId, { email: `throwaway-${role}@example.com` });
    adminApi = await introspect(server, admin);
    userApi = await introspect(server, { token: members.owner.token });
    site = await startOriginSite();
    const { origin } = await gqlData(
      server,
      'mutation($o: dataControllerOrigins_insert_input!) { origin: insertDataControllerOrigin(object: $o) { id token } }',
      { o: { dataControllerId: B.controllerId, origin: site.origin } },
      admin,
    );
    siteOriginId = origin.id;
    site.serveToken(origin.token);
  });
  after(async () => {
    await server?.close();
    await site?.close();
  });

  it('the user role is offered exactly the operations the matrix allows some role, on every table', () => {
    assert.deepEqual(
      [...userApi.tables.keys()].sort(),
      Object.keys(SPEC).sort(),
      'tables of the user role (a new one needs a SPEC entry)',
    );
    for (const [type, spec] of Object.entries(SPEC)) {
      const table = userApi.tables.get(type)!;
      const offered = {
        select: Boolean(table.list),
        insert: Boolean(table.insert && table.insertOne),
        update: Boolean(table.update && table.updateByPk),
        delete: Boolean(table.delete && table.deleteByPk),
      };
      // dataControllers: any account may create one (and owns it).
      assert.deepEqual(
        offered,
        {
          select: 'select' in spec,
          insert: 'insert' in spec || type === 'dataControllers',
          update: 'update' in spec,
          delete: 'delete' in spec,
        },
        type,
      );
    }
  });

  it("each role reads all of B's rows of a table or none, as the matrix says (list, by-pk, aggregate)", async () => {
    const rows = await tenantRows(server, adminApi, B.controllerId);
    // "All or none" says nothing about a table without rows: the fixture must have some in each.
    assert.deepEqual(
      Object.keys(SPEC).filter((type) => (rows.get(type) ?? []).length === 0),
      [],
      'tables without a row of B: seed them in helpers/tenant-fixture.ts',
    );
    const problems: string[] = [];
    for (const role of ROLES) {
      const types = Object.keys(SPEC);
      const operations = types.map((type): Operation => {
        const table = userApi.tables.get(type)!;
        const ids = rows.get(type)!.map((r) => r.id);
        return {
          query: `query($ids: [uuid!]!) { list: ${table.list}(where: {id: {_in: $ids}}) { id } ${ids.map((id, i) => `pk${i}: ${table.byPk}(id: ${JSON.stringify(id)}) { id }`).join(' ')} ${table.aggregate ? `count: ${table.aggregate}(where: {id: {_in: $ids}}) { aggregate { count } }` : ''} }`,
          variables: { ids },
        };
      });
      for (const [i, outcome] of (await batch(server, { token: members[role].token }, operations)).entries()) {
        const type = types[i]!;
        // The rows the admin saw before: an insert by another test cannot have happened yet.
        const expected = may(role, SPEC[type]!.select)
          ? rows
              .get(type)!
              .map((r) => r.id)
              .sort()
          : [];
        const data = outcome.body.data;
        if (!data) {
          problems.push(`${role}: reading ${type} failed: ${outcome.text}`);
          continue;
        }
        const seen = (data.list as Row[]).map((r) => r.id).sort();
        const byPk = Object.entries(data).filter(([k, v]) => k.startsWith('pk') && v !== null).length;
        if (JSON.stringify(seen) !== JSON.stringify(expected))
          problems.push(
            `${role}: ${type} shows ${seen.length} of B's ${rows.get(type)!.length} rows, the matrix says ${expected.length}`,
          );
        if (byPk !== expected.length)
          problems.push(`${role}: ${type} by primary key shows ${byPk} rows, the matrix says ${expected.length}`);
        if (data.count && data.count.aggregate.count !== expected.length)
          problems.push(`${role}: ${type} counts ${data.count.aggregate.count}, the matrix says ${expected.length}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('each role inserts, updates and deletes exactly where the matrix allows, and a refused write changes nothing', async () => {
    const problems: string[] = [];
    for (const role of ROLES) {
      const caller = { token: members[role].token };
      for (const [type, spec] of Object.entries(SPEC)) {
        const table = userApi.tables.get(type)!;
        const rowsBefore = (await tenantRows(server, adminApi, B.controllerId)).get(type)!;
        const operations: (Operation & { what: Operation_; cleanup?: string })[] = [];
        if (spec.insert) {
          operations.push({
            what: 'insert',
            query: `mutation($o: ${type}_insert_input!) { r: ${table.insertOne}(object: $o) { id } }`,
            variables: { o: newRow(type) },
          });
        }
        let victim: string | undefined;
        if (spec.delete) {
          victim =
            type === 'dataControllers' ? await controllerWith(role) : await adminInsert(type, newRow(type, true));
          operations.push({
            what: 'delete',
            query: `mutation($id: uuid!) { r: ${table.delete}(where: {id: {_eq: $id}}) { affected_rows } }`,
            variables: { id: victim },
          });
        }
        if (spec.update) {
          // The row's own values: valid for every check, so only the permission decides.
          const row = rowsBefore[0]!;
          const set = Object.fromEntries(table.setColumns.filter((c) => c in row).map((c) => [c, row[c]]));
          operations.push({
            what: 'update',
            query: `mutation($id: uuid!, $s: ${type}_set_input) { r: ${table.update}(where: {id: {_eq: $id}}, _set: $s) { affected_rows } }`,
            variables: { id: row.id, s: set },
          });
        }
        const outcomes = await batch(server, caller, operations);
        for (const [i, outcome] of outcomes.entries()) {
          const { what } = operations[i]!;
          const allowed = may(role, spec[what]);
          const r = outcome.body.data?.r;
          const done = what === 'insert' ? Boolean(r?.id) : r?.affected_rows === 1;
          if (allowed && !done)
            problems.push(`${role}: ${what} on ${type} refused, the matrix allows it: ${outcome.text.slice(0, 300)}`);
          if (!allowed && done) problems.push(`${role}: ${what} on ${type} done, the matrix forbids it`);
          if (!allowed && outcome.body.errors && outcome.body.errors[0].extensions?.code !== 'permission-error')
            problems.push(`${role}: refused ${what} on ${type} answered ${outcome.text.slice(0, 300)}`);
          if (what === 'insert' && done) await adminDelete(type, r.id);
        }
        if (victim)
          await gqlData(
            server,
            `mutation($id: uuid!) { ${adminApi.tables.get(type)!.delete}(where: {id: {_eq: $id}}) { affected_rows } }`,
            { id: victim },
            admin,
          );
        const rowsAfter = (await tenantRows(server, adminApi, B.controllerId)).get(type)!;
        // Allowed updates rewrite the row with its own values (updatedAt may move); everything else must leave it as it was.
        if (
          !may(role, spec.update) &&
          type !== 'auditEvents' &&
          JSON.stringify(rowsBefore) !== JSON.stringify(rowsAfter)
        )
          problems.push(`${role}: ${type} changed although every write was refused or undone`);
      }
    }
    assert.deepEqual(problems, []);
  });

  /**
   * Arguments for an action on B: its controller, a subject the role may use up, its published
   * form; the `id` an action names: B's origin, or a pending invitation of B's for the role to
   * resend or revoke.
   */
  const valueFor =
    (role: DashboardRole, action: string, invitations: Record<string, string>) =>
    (name: string): unknown =>
      ({
        dataControllerId: B.controllerId,
        dataSubjectId: throwaway[role],
        consentFormId: B.ids.consentFormPublished,
        purposeId: B.ids.purposePublished,
        email: `${role}-${++n}@example.com`,
        requestType: 'access',
        value: 'granted',
        format: 'json',
        event: 'matrix',
        payload: { email: `${role}-${++n}@example.com` },
        question: 'B-PUBLIC faq question',
        id: invitations[action] ?? siteOriginId,
        role: 'member',
        country: 'DE',
        gpc: false,
      })[name];

  it('actions follow the same capabilities: allowed ones succeed, the others answer not-found and change nothing', async () => {
    const actions = userApi.actions.map((a) => a.name).sort();
    assert.deepEqual(
      actions,
      Object.keys(ACTIONS).sort(),
      'actions of the user role (a new one needs an ACTIONS entry)',
    );
    const problems: string[] = [];
    for (const role of ROLES) {
      const invitations: Record<string, string> = {};
      for (const action of ['resendDataControllerInvitation', 'revokeDataControllerInvitation']) {
        const invited = await gqlData(
          server,
          'mutation($c: uuid!, $e: String!) { inviteDataControllerUser(dataControllerId: $c, email: $e, role: "member") { data { id } } }',
          { c: B.controllerId, e: `invitee-${role}-${++n}@example.com` },
          admin,
        );
        invitations[action] = invited.inviteDataControllerUser.data.id;
      }
      const calls = userApi.actions.map((action): Operation & { name: string } => {
        const values = Object.fromEntries(
          action.field.args.map((a) => [
            a.name,
            inputValue(a.type, a.name, valueFor(role, action.name, invitations), `${action.name}(${a.name})`),
          ]),
        );
        const { definitions, args } = callOf(action.field, values);
        const selection = leafSelection(action.field.type);
        return {
          name: action.name,
          query: `${action.kind} ${definitions} { r: ${action.name}${args} ${selection ? `{ ${selection} }` : ''} }`,
          variables: values,
        };
      });
      // The refused ones first, alone: nothing of B may change.
      const refused = calls.filter((c) => !may(role, ACTIONS[c.name]));
      const before = await tenantSnapshot(server, B.controllerId);
      for (const [i, outcome] of (await batch(server, { token: members[role].token }, refused)).entries()) {
        if (outcome.body.errors?.[0]?.extensions?.code !== 'not-found')
          problems.push(`${role}: ${refused[i]!.name} is not refused with not-found: ${outcome.text.slice(0, 300)}`);
      }
      const diff = snapshotDiff(before, await tenantSnapshot(server, B.controllerId));
      if (Object.keys(diff).length > 0)
        problems.push(`${role}: refused actions changed ${Object.keys(diff).join(', ')}`);
      const allowed = calls.filter((c) => may(role, ACTIONS[c.name]));
      for (const [i, outcome] of (await batch(server, { token: members[role].token }, allowed)).entries()) {
        if (outcome.body.errors)
          problems.push(`${role}: ${allowed[i]!.name} refused, the matrix allows it: ${outcome.text.slice(0, 300)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('a role that may not update the organisation cannot write its DID through generateDataControllerDID', async () => {
    const { controllerId } = await newController(server, 'Without a DID yet');
    const problems: string[] = [];
    for (const role of ROLES.filter((r) => !may(r, 'updateOrganisation'))) {
      const member = await memberWithRole(server, controllerId, role);
      await gqlData(
        server,
        'mutation($c: uuid!) { r: generateDataControllerDID(dataControllerId: $c) { status } }',
        { c: controllerId },
        { token: member.token },
      ).catch(() => undefined);
      const { dataController } = await gqlData(
        server,
        'query($c: uuid!) { dataController(id: $c) { did } }',
        { c: controllerId },
        admin,
      );
      if (dataController.did !== null) {
        problems.push(
          `${role} (read-only for the organisation) set the controller's DID through generateDataControllerDID`,
        );
        await gqlData(
          server,
          'mutation($c: uuid!) { updateDataController(pk_columns: {id: $c}, _set: {did: null}) { id } }',
          { c: controllerId },
          admin,
        );
      }
    }
    assert.deepEqual(problems, []);
  });

  it("a data subject reads only its own records and its controller's published things; me only its own profile", async () => {
    const subjectApi = await introspect(server, asSubject(B.subjectId));
    const problems: string[] = [];
    const types = [...subjectApi.tables.keys()];
    // What B's fixture (helpers/tenant-fixture.ts) gives its subject to read: its own records, and
    // its controller's details and public things (both purposes, one of each published kind). The
    // two logs also grow with what the other tests do for the subject: at least the fixture's row.
    const seeded: Record<string, number> = {
      consentFormPurposes: 1,
      consentForms: 1,
      dataControllerFaqs: 1,
      dataControllers: 1,
      dataSubjectConsentFormValues: 1,
      dataSubjectIdentifiers: 3,
      dataSubjectPreferenceValues: 1,
      dataSubjects: 1,
      dataSubjectsRightsRequestEvents: 1,
      dataSubjectsRightsRequests: 1,
      notificationMessages: 1,
      privacyNotices: 1,
      purposes: 2,
      thirdPartyServices: 1,
    };
    const logs = ['dataProcessingActivities', 'dataSubjectConsentHistory'];
    assert.deepEqual(
      [...types].sort(),
      [...Object.keys(seeded), ...logs].sort(),
      'the tables the dataSubject role reads',
    );
    const outcomes = await batch(
      server,
      asSubject(B.subjectId),
      types.map((type) => ({
        query: `{ rows: ${subjectApi.tables.get(type)!.list} { ${subjectApi.tables.get(type)!.scalars.join(' ')} } }`,
      })),
    );
    outcomes.forEach((outcome, i) => {
      const rows = (outcome.body.data?.rows ?? []) as Row[];
      // B seeds the subject rows in every table its role reads: "only its own" must be judged on some.
      const type = types[i]!;
      if (logs.includes(type) ? rows.length === 0 : rows.length !== seeded[type])
        problems.push(
          `dataSubject sees ${rows.length} rows of ${type}, the fixture gives it ${logs.includes(type) ? 'at least 1' : seeded[type]}`,
        );
      for (const row of rows) {
        if ('dataSubjectId' in row && row.dataSubjectId !== B.subjectId)
          problems.push(`dataSubject sees ${types[i]} ${row.id} of another subject`);
        if (types[i] === 'dataSubjects' && row.id !== B.subjectId) problems.push(`dataSubject sees subject ${row.id}`);
        if ('dataControllerId' in row && row.dataControllerId !== B.controllerId)
          problems.push(`dataSubject sees ${types[i]} ${row.id} of another controller`);
      }
      if (outcome.body.errors) problems.push(`dataSubject: reading ${types[i]} failed: ${outcome.text}`);
    });
    const me = { token: members.member.token, headers: { 'x-hasura-role': 'me' } };
    const mine = await gqlData(server, '{ users { id } dataControllerUsers { userId } }', {}, me);
    assert.deepEqual(mine.users, [{ id: members.member.userId }]);
    assert.deepEqual(mine.dataControllerUsers, [{ userId: members.member.userId }]);
    assert.deepEqual(problems, []);
  });

  it('a data subject signed in by magic link: every table × operation, on its own rows, a neighbour’s and another controller’s', async () => {
    // What the dataSubject role may change (docs/contracts.md §6.2), written here from the
    // contract: its consent values, its notifications (read or not) and its preferences; it may
    // file a rights request of its own. Nothing else is inserted, and nothing deleted.
    const UPDATES: Record<string, { column: string; value: string; type: string }> = {
      dataSubjectConsentFormValues: { column: 'value', value: 'denied', type: 'String' },
      notificationMessages: { column: 'readAt', value: '2026-01-02T03:04:05+00:00', type: 'timestamptz' },
      dataSubjectPreferenceValues: { column: 'value', value: 'changed-by-subject', type: 'String' },
    };
    const INSERTS = ['dataSubjectsRightsRequests'];
    const session = await signInSubject(server, B.controllerId, B.subject.email);
    assert.equal(session.subjectId, B.subjectId);
    const caller = { token: session.token };
    const api = await introspect(server, caller);
    const impersonated = await introspect(server, asSubject(B.subjectId));
    assert.deepEqual([...api.tables.keys()].sort(), [...impersonated.tables.keys()].sort());

    const problems: string[] = [];
    for (const [type, table] of api.tables) {
      for (const operation of ['delete', 'deleteByPk'] as const)
        if (table[operation]) problems.push(`dataSubject is offered ${operation} on ${type}`);
      if (Boolean(table.insertOne) !== INSERTS.includes(type))
        problems.push(`dataSubject ${table.insertOne ? 'is' : 'is not'} offered insert on ${type}`);
      const updatable = Boolean(table.update || table.updateByPk);
      if (updatable !== type in UPDATES)
        problems.push(`dataSubject ${updatable ? 'is' : 'is not'} offered update on ${type}`);
      if (updatable && table.setColumns.join() !== UPDATES[type]?.column)
        problems.push(`dataSubject may set ${table.setColumns.join(', ')} on ${type}`);
    }

    // A neighbour at the same controller and a subject of another controller, each with a row
    // in every table the subject may update.
    const other = await newController(server, 'Tenant C');
    const otherPurpose = await insertPurpose(server, admin, {
      dataControllerId: other.controllerId,
      name: 'C purpose',
    });
    const otherForm = await insertConsentForm(
      server,
      admin,
      { dataControllerId: other.controllerId, name: 'C form', status: 'approved' },
      [otherPurpose],
    );
    const owners = [
      { label: 'its own', controllerId: B.controllerId, subjectId: B.subjectId },
      {
        label: 'a neighbour’s',
        controllerId: B.controllerId,
        subjectId: await createSubject(server, admin, B.controllerId, { email: 'neighbour-of-b@example.com' }),
      },
      {
        label: 'another controller’s',
        controllerId: other.controllerId,
        subjectId: await createSubject(server, admin, other.controllerId, { email: B.subject.email }),
      },
    ];
    const rowOf = (type: string, owner: (typeof owners)[number]): Record<string, unknown> => {
      const ofOwner = { dataControllerId: owner.controllerId, dataSubjectId: owner.subjectId };
      if (type === 'notificationMessages') return { ...ofOwner, kind: 'general', title: 't', body: 'b' };
      if (type === 'dataSubjectPreferenceValues') return { ...ofOwner, preference: `p-${n++}`, value: 'v' };
      const inB = owner.controllerId === B.controllerId;
      return {
        ...ofOwner,
        consentFormId: inB ? B.ids.consentFormPublished : otherForm,
        purposeId: inB ? B.ids.purposePublished : otherPurpose,
        value: 'granted',
        source: 'api',
        formVersion: 1,
      };
    };
    for (const [type, { column, value, type: valueType }] of Object.entries(UPDATES)) {
      const table = api.tables.get(type)!;
      for (const owner of owners) {
        // The subject's own consent value exists already (the fixture's): it is changed below.
        if (type === 'dataSubjectConsentFormValues' && owner.label === 'its own') continue;
        const object = rowOf(type, owner);
        const insertOne = adminApi.tables.get(type)!.insertOne!;
        const inserted = await gqlData(
          server,
          `mutation($o: ${type}_insert_input!) { row: ${insertOne}(object: $o) { id } }`,
          { o: object },
          admin,
        );
        const id = inserted.row.id as string;
        const updated = await gql(
          server,
          `mutation($id: uuid!, $v: ${valueType}!) { row: ${table.updateByPk}(pk_columns: {id: $id}, _set: {${column}: $v}) { id } }`,
          { id, v: value },
          caller,
        );
        const changed = updated.body.data?.row?.id === id;
        if (changed !== (owner.label === 'its own'))
          problems.push(
            `dataSubject ${changed ? 'changed' : 'could not change'} ${owner.label} row of ${type}: ${updated.text}`,
          );
        const stored = await gqlData(
          server,
          `query($id: uuid!) { row: ${adminApi.tables.get(type)!.byPk}(id: $id) { ${column} } }`,
          { id },
          admin,
        );
        const now = stored.row[column];
        if ((now === value || (column === 'readAt' && now !== null)) !== changed)
          problems.push(`the ${owner.label} row of ${type} holds ${now} after the subject's update`);
      }
    }

    // Its own consent value, and its own rights request: filed for itself whatever it names.
    const consent = await gqlData(server, '{ rows: dataSubjectConsentFormValues { id } }', {}, caller);
    const own = await gql(
      server,
      'mutation($id: uuid!) { row: updateDataSubjectConsentFormValue(pk_columns: {id: $id}, _set: {value: "denied"}) { value source } }',
      { id: consent.rows[0].id },
      caller,
    );
    assert.deepEqual(own.body.data?.row, { value: 'denied', source: 'transparencyCenter' }, own.text);
    const insertRequest = api.tables.get('dataSubjectsRightsRequests')!.insertOne!;
    const filed = await gqlData(
      server,
      `mutation { row: ${insertRequest}(object: {requestType: "access"}) { dataSubjectId dataControllerId channel } }`,
      {},
      caller,
    );
    assert.deepEqual(filed.row, { dataSubjectId: B.subjectId, dataControllerId: B.controllerId, channel: 'form' });
    const forOther = await gql(
      server,
      `mutation($s: uuid!) { row: ${insertRequest}(object: {requestType: "access", dataSubjectId: $s}) { id } }`,
      { s: owners[1]!.subjectId },
      caller,
    );
    if (!forOther.body.errors) problems.push(`dataSubject filed a rights request for its neighbour: ${forOther.text}`);
    assert.deepEqual(problems, []);
  });
});
