import { randomUUID } from 'node:crypto';
import { DASHBOARD_ROLES, type DashboardRole } from '../../src/privacy/permissions.js';
import {
  admin,
  asSubject,
  type Caller,
  createSubject,
  gqlData,
  type Member,
  memberWithRole,
  newController,
} from './privacy.js';
import type { RoleApi } from './role-api.js';
import type { TestServer } from './server.js';

/**
 * Two tenants for the permission tests, each with at least one row in every table of the model
 * (written with the admin secret; audit events, histories, identifiers and processing activities
 * follow from triggers and createDataSubject). Every text a tenant stores carries a marker:
 * `<T>-SECRET …` for what only its members may read, `<T>-PUBLIC …` for what anonymous visitors
 * may read once published, so a leak shows up in any response, error messages included.
 */

export const secret = (tenant: string, what: string) => `${tenant}-SECRET ${what}`;
export const pub = (tenant: string, what: string) => `${tenant}-PUBLIC ${what}`;

export interface TenantSeed {
  tag: string;
  controllerId: string;
  owner: Member;
  subjectId: string;
  subject: { email: string; phone: string; displayName: string };
  /** Ids of the seeded rows by name (purposePublished, consentFormDraft, ...). */
  ids: Record<string, string>;
}

/** A row as the admin sees it: every column. */
export type Row = Record<string, unknown> & { id: string };

/** A row for insertRows: the insert root field, its table and the object to insert. */
const row = (field: string, table: string, object: Record<string, unknown>) => ({ field, table, object });

/**
 * Inserts one row per alias in a single mutation (one transaction) with the admin secret, and
 * answers the new rows' ids by alias.
 */
async function insertRows(server: TestServer, rows: Record<string, ReturnType<typeof row>>) {
  const entries = Object.entries(rows);
  const definitions = entries.map(([alias, { table }]) => `$${alias}: ${table}_insert_input!`);
  const fields = entries.map(([alias, { field }]) => `${alias}: ${field}(object: $${alias}) { id }`);
  const variables = Object.fromEntries(entries.map(([alias, { object }]) => [alias, object]));
  const data = await gqlData(server, `mutation(${definitions.join(', ')}) { ${fields.join(' ')} }`, variables, admin);
  return Object.fromEntries(entries.map(([alias]) => [alias, (data[alias] as { id: string }).id]));
}

export async function seedTenant(
  server: TestServer,
  tag: string,
  controllerId: string,
  owner: Member,
): Promise<TenantSeed> {
  const s = (what: string) => secret(tag, what);
  const p = (what: string) => pub(tag, what);
  const lower = tag.toLowerCase();
  const subject = {
    email: `${lower}-secret-subject@example.com`,
    phone: tag === 'A' ? '+49 151 11111111' : '+49 151 22222222',
    displayName: s('subject name'),
  };
  const subjectId = await createSubject(server, admin, controllerId, {
    ...subject,
    country: 'DE',
    externalId: s('external id'),
  });
  const c = controllerId;
  const ids = await insertRows(server, {
    // The published form asks for purposePublished: its public columns are public.
    purposePublished: row('insertPurpose', 'purposes', {
      dataControllerId: c,
      name: p('purpose name'),
      category: p('purpose category'),
      description: p('purpose description'),
      legalBasis: 'consent',
      retentionPeriod: s('purpose retention'),
      usagePeriod: s('purpose usage'),
      essential: false,
      dataCategories: [s('purpose data category')],
      recipients: [s('purpose recipient')],
    }),
    purposeDraft: row('insertPurpose', 'purposes', {
      dataControllerId: c,
      name: s('draft purpose name'),
      description: s('draft purpose description'),
      legalBasis: 'legitimateInterests',
      essential: true,
    }),
    thirdPartyService: row('insertThirdPartyService', 'thirdPartyServices', {
      dataControllerId: c,
      name: s('processor name'),
      category: s('processor category'),
      website: `https://${lower}-secret-processor.example`,
      country: 'DE',
      transferMechanism: s('transfer mechanism'),
      dpaSigned: true,
      status: 'onboarded',
      retentionPeriod: s('processor retention'),
      usagePeriod: s('processor usage'),
    }),
    consentFormPublished: row('insertConsentForm', 'consentForms', {
      dataControllerId: c,
      name: p('form name'),
      category: p('form category'),
      description: p('form description'),
      status: 'approved',
      version: 2,
      publishedAt: '2024-05-01T00:00:00+00:00',
    }),
    consentFormDraft: row('insertConsentForm', 'consentForms', {
      dataControllerId: c,
      name: s('draft form name'),
      category: s('draft form category'),
      description: s('draft form description'),
      status: 'draft',
      version: 1,
    }),
    faqPublished: row('insertDataControllerFaq', 'dataControllerFaqs', {
      dataControllerId: c,
      question: p('faq question'),
      answer: p('faq answer'),
      published: true,
      position: 1,
    }),
    faqDraft: row('insertDataControllerFaq', 'dataControllerFaqs', {
      dataControllerId: c,
      question: s('draft faq question'),
      answer: s('draft faq answer'),
      published: false,
      position: 2,
    }),
    noticePublished: row('insertPrivacyNotice', 'privacyNotices', {
      dataControllerId: c,
      title: p('notice title'),
      noticeType: 'website',
      language: 'en',
      content: p('notice content'),
      version: 3,
      status: 'published',
      publishedAt: '2024-05-02T00:00:00+00:00',
    }),
    noticeDraft: row('insertPrivacyNotice', 'privacyNotices', {
      dataControllerId: c,
      title: s('draft notice title'),
      noticeType: 'employee',
      language: 'de',
      content: s('draft notice content'),
      status: 'draft',
    }),
    rightsService: row('insertRightsService', 'rightsServices', {
      dataControllerId: c,
      requestType: 'access',
      enabled: true,
    }),
    // Never verified: no site answers for it (the CORS tests verify their own, cors.test.ts).
    origin: row('insertDataControllerOrigin', 'dataControllerOrigins', {
      dataControllerId: c,
      origin: `https://${lower}-shop.example`,
    }),
    complianceIssue: row('insertComplianceIssue', 'complianceIssues', {
      dataControllerId: c,
      title: s('compliance issue title'),
      description: s('compliance issue description'),
      status: 'open',
      priority: 'high',
    }),
  });
  // Then the rows that point to those.
  const pointing = await insertRows(server, {
    purposeDataItem: row('insertPurposeDataItem', 'purposeDataItems', {
      dataControllerId: c,
      purposeId: ids.purposePublished,
      name: s('data item'),
      category: s('data item category'),
    }),
    purposeTemplateLink: row('insertPurposeTemplateLink', 'purposeTemplateLinks', {
      dataControllerId: c,
      purposeId: ids.purposePublished,
      templateKind: 'business',
      templateName: s('template name'),
    }),
    consentFormPurposePublished: row('insertConsentFormPurpose', 'consentFormPurposes', {
      dataControllerId: c,
      consentFormId: ids.consentFormPublished,
      purposeId: ids.purposePublished,
    }),
    consentFormPurposeDraft: row('insertConsentFormPurpose', 'consentFormPurposes', {
      dataControllerId: c,
      consentFormId: ids.consentFormDraft,
      purposeId: ids.purposeDraft,
    }),
    consentValue: row('insertDataSubjectConsentFormValue', 'dataSubjectConsentFormValues', {
      dataControllerId: c,
      dataSubjectId: subjectId,
      consentFormId: ids.consentFormPublished,
      purposeId: ids.purposePublished,
      value: 'granted',
      source: 'api',
    }),
    preferenceValue: row('insertDataSubjectPreferenceValue', 'dataSubjectPreferenceValues', {
      dataControllerId: c,
      dataSubjectId: subjectId,
      preference: s('preference'),
      value: s('preference value'),
    }),
    rightsRequest: row('insertDataSubjectsRightsRequest', 'dataSubjectsRightsRequests', {
      dataControllerId: c,
      dataSubjectId: subjectId,
      requestType: 'access',
      channel: 'api',
      notes: s('rights request notes'),
    }),
    notificationMessage: row('insertNotificationMessage', 'notificationMessages', {
      dataControllerId: c,
      dataSubjectId: subjectId,
      kind: 'general',
      title: s('notification title'),
      body: s('notification body'),
    }),
    processingActivity: row('insertDataProcessingActivity', 'dataProcessingActivities', {
      dataControllerId: c,
      dataSubjectId: subjectId,
      thirdPartyServiceId: ids.thirdPartyService,
      purposeId: ids.purposePublished,
      activityType: 'sharing',
      event: s('processing event'),
      dataFields: ['email'],
      source: 'api',
    }),
  });
  // An invitation is made by its action (which mails it), not inserted.
  const invited = await gqlData(
    server,
    'mutation($c: uuid!, $e: String!, $n: String) { inviteDataControllerUser(dataControllerId: $c, email: $e, displayName: $n, role: "dpo") { data { id } } }',
    { c, e: `${lower}-secret-invitee@example.com`, n: s('invitee name') },
    admin,
  );
  const invitation: string = invited.inviteDataControllerUser.data.id;
  return { tag, controllerId, owner, subjectId, subject, ids: { ...ids, ...pointing, invitation } };
}

/** How to find a tenant's rows in a table: by dataControllerId, or one of these rules. */
const TENANT_SCOPE: Record<string, (controllerId: string) => Record<string, unknown>> = {
  dataControllers: (id) => ({ id: { _eq: id } }),
  users: (id) => ({ memberships: { dataControllerId: { _eq: id } } }),
};

export function tenantScope(api: RoleApi, type: string, controllerId: string): Record<string, unknown> {
  const rule = TENANT_SCOPE[type];
  if (rule) return rule(controllerId);
  if (api.tables.get(type)!.scalars.includes('dataControllerId')) return { dataControllerId: { _eq: controllerId } };
  throw new Error(`no rule to find a tenant's rows in table ${type}: add one to TENANT_SCOPE`);
}

/** Every row of the tenant in every table, as the admin sees them. */
export async function tenantRows(
  server: TestServer,
  adminApi: RoleApi,
  controllerId: string,
): Promise<Map<string, Row[]>> {
  const types = [...adminApi.tables.keys()];
  const definitions = types.map((type, i) => `$w${i}: ${type}_bool_exp`).join(', ');
  const fields = types.map(
    (type, i) =>
      `${type}: ${adminApi.tables.get(type)!.list}(where: $w${i}, order_by: [{id: asc}]) { ${adminApi.tables.get(type)!.scalars.join(' ')} }`,
  );
  const variables = Object.fromEntries(types.map((type, i) => [`w${i}`, tenantScope(adminApi, type, controllerId)]));
  const data = await gqlData(server, `query(${definitions}) { ${fields.join('\n')} }`, variables, admin);
  return new Map(types.map((type) => [type, data[type] as Row[]]));
}

/**
 * Everything stored for a tenant, read with SQL because no GraphQL role can show all of it
 * (identifier hashes, sealed personal data, keys): every row of every table, in any schema, that
 * has a data_controller_id, plus the controller row and its members' accounts.
 */
export async function tenantSnapshot(server: TestServer, controllerId: string): Promise<Record<string, string[]>> {
  const db = server.pavise.db;
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT c.table_schema AS schema, c.table_name AS name
     FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.column_name = 'data_controller_id' AND t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
     ORDER BY 1, 2`,
  );
  const snapshot: Record<string, string[]> = {};
  const rows = async (key: string, sql: string) => {
    const result = await db.query<{ row: string }>(sql, [controllerId]);
    snapshot[key] = result.map((r) => r.row).sort();
  };
  for (const { schema, name } of tables) {
    // The outbox's messages, not their delivery, which its worker moves on meanwhile.
    const columns =
      schema === 'mail' && name === 'outbox'
        ? "jsonb_build_object('id', t.id, 'template', t.template, 'recipient', t.recipient)"
        : 'to_jsonb(t)';
    await rows(
      `${schema}.${name}`,
      `SELECT ${columns}::text AS row FROM "${schema}"."${name}" AS t WHERE t.data_controller_id = $1`,
    );
  }
  await rows(
    'public.data_controllers',
    'SELECT to_jsonb(t)::text AS row FROM public.data_controllers AS t WHERE t.id = $1',
  );
  await rows(
    'auth.users',
    'SELECT to_jsonb(u)::text AS row FROM auth.users AS u WHERE u.id IN (SELECT user_id FROM public.data_controller_users WHERE data_controller_id = $1)',
  );
  return snapshot;
}

/** The rows of `after` that are not in `before` and the reverse, by table (empty when equal). */
export function snapshotDiff(
  before: Record<string, string[]>,
  after: Record<string, string[]>,
): Record<string, { added: string[]; removed: string[] }> {
  const diff: Record<string, { added: string[]; removed: string[] }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set(before[key] ?? []);
    const is = new Set(after[key] ?? []);
    const added = [...is].filter((r) => !was.has(r));
    const removed = [...was].filter((r) => !is.has(r));
    if (added.length > 0 || removed.length > 0) diff[key] = { added, removed };
  }
  return diff;
}

/** Tenant B: its owner and one member per dashboard role; `owner` is the controller's creator. */
export async function tenantWithEveryRole(
  server: TestServer,
  title: string,
): Promise<{ controllerId: string; owner: Member; members: Record<DashboardRole, Member> }> {
  const { controllerId, owner } = await newController(server, title);
  const members = { owner } as Record<DashboardRole, Member>;
  for (const role of DASHBOARD_ROLES)
    if (role !== 'owner') members[role] = await memberWithRole(server, controllerId, role);
  return { controllerId, owner, members };
}

/** Who calls: every API role, `user` once per dashboard role. */
export interface Probe {
  label: string;
  apiRole: 'user' | 'me' | 'dataSubject' | 'anonymous';
  dashboardRole?: DashboardRole;
  caller: Caller;
  userId?: string;
}

export function probesOf(members: Record<DashboardRole, Member>, subjectId: string): Probe[] {
  return [
    ...DASHBOARD_ROLES.map(
      (role): Probe => ({
        label: `user (${role})`,
        apiRole: 'user',
        dashboardRole: role,
        caller: { token: members[role].token },
        userId: members[role].userId,
      }),
    ),
    {
      label: 'me',
      apiRole: 'me',
      caller: { token: members.owner.token, headers: { 'x-hasura-role': 'me' } },
      userId: members.owner.userId,
    },
    { label: 'dataSubject', apiRole: 'dataSubject', caller: asSubject(subjectId) },
    { label: 'anonymous', apiRole: 'anonymous', caller: {} },
  ];
}

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

export interface Outcome {
  request: string;
  status: number;
  body: any;
  text: string;
}

/** The server's default PAVISE_GRAPHQL_MAX_BATCH. */
const MAX_BATCH = 20;

/**
 * Several operations in GraphQL batches (as few HTTP requests as the server's batch limit
 * allows): each runs on its own, in order.
 */
export async function batch(server: TestServer, caller: Caller, operations: Operation[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let first = 0; first < operations.length; first += MAX_BATCH) {
    const chunk = operations.slice(first, first + MAX_BATCH);
    const response = await server.call('/v1/graphql', {
      body: chunk.map((o) => ({ query: o.query, variables: o.variables ?? {} })),
      token: caller.token,
      headers: caller.headers,
    });
    if (response.status !== 200 || !Array.isArray(response.body))
      throw new Error(`batch failed: ${response.status} ${response.text.slice(0, 500)}`);
    for (const [i, body] of (response.body as any[]).entries())
      outcomes.push({ request: JSON.stringify(chunk[i]), status: 200, body, text: JSON.stringify(body) });
  }
  return outcomes;
}

/**
 * Finds what of a tenant a response shows: its row ids, DIDs and marked texts, and any extra
 * values (emails, phone numbers), unless the request itself carried them (an echo of one's own
 * input is no leak).
 */
export class LeakScanner {
  constructor(readonly values: readonly string[]) {}

  static of(rows: Map<string, Row[]>, extra: string[]): LeakScanner {
    const values = new Set<string>(extra);
    for (const list of rows.values()) {
      for (const row of list) {
        collectStrings(row, (text) => {
          if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(text) || text.startsWith('did:') || /-(SECRET|PUBLIC) /.test(text))
            values.add(text);
        });
      }
    }
    return new LeakScanner([...values]);
  }

  /** The same scanner with these values allowed (e.g. what anonymous may read). */
  allowing(allowed: Iterable<string>): LeakScanner {
    const set = new Set(allowed);
    return new LeakScanner(this.values.filter((v) => !set.has(v)));
  }

  leaks(outcome: Pick<Outcome, 'request' | 'text'>): string[] {
    return this.values.filter((value) => outcome.text.includes(value) && !outcome.request.includes(value));
  }
}

export function collectStrings(value: unknown, add: (text: string) => void): void {
  if (typeof value === 'string') add(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, add));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectStrings(v, add));
}

export function pick(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  return Object.fromEntries(columns.filter((c) => c in row).map((c) => [c, row[c]]));
}

/** The object with every value in `ids` replaced by a random uuid, except its dataControllerId. */
export function randomised(object: Record<string, unknown>, ids: Set<string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).map(([k, v]) => [
      k,
      typeof v === 'string' && ids.has(v) && k !== 'dataControllerId' ? randomUUID() : v,
    ]),
  );
}

/** Every numeric `count` or `total` in a response. */
export function collectCounts(value: unknown, report: (key: string, n: number) => void): void {
  if (Array.isArray(value)) value.forEach((v) => collectCounts(v, report));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'count' || key === 'total') && typeof v === 'number') report(key, v);
      else collectCounts(v, report);
    }
  }
}

/**
 * Watches a tenant's row ids table by table (admin view): `check` reports rows added or removed
 * since the last check and deletes added ones again (tables with dataControllerId only: an account
 * leaves the tenant with its membership), so later checks are not run by a caller made a member.
 */
export class TenantWatch {
  private constructor(
    private readonly server: TestServer,
    private readonly adminApi: RoleApi,
    private readonly controllerId: string,
    private last: Map<string, Set<string>>,
  ) {}

  static async start(server: TestServer, adminApi: RoleApi, controllerId: string): Promise<TenantWatch> {
    const watch = new TenantWatch(server, adminApi, controllerId, new Map());
    watch.last = await watch.ids();
    return watch;
  }

  private async ids(): Promise<Map<string, Set<string>>> {
    return new Map(
      [...(await tenantRows(this.server, this.adminApi, this.controllerId))].map(([type, rows]) => [
        type,
        new Set(rows.map((r) => r.id)),
      ]),
    );
  }

  async check(): Promise<{ added: Record<string, string[]>; removed: Record<string, string[]>; undone: string[] }> {
    const now = await this.ids();
    const added: Record<string, string[]> = {};
    const removed: Record<string, string[]> = {};
    const undone: string[] = [];
    for (const [type, ids] of now) {
      const was = this.last.get(type) ?? new Set();
      const gone = [...was].filter((id) => !ids.has(id));
      const come = [...ids].filter((id) => !was.has(id));
      if (gone.length > 0) removed[type] = gone;
      if (come.length === 0) continue;
      added[type] = come;
      const table = this.adminApi.tables.get(type)!;
      if (!table.scalars.includes('dataControllerId')) continue;
      await gqlData(
        this.server,
        `mutation($ids: [uuid!]!) { ${table.delete}(where: {id: {_in: $ids}}) { affected_rows } }`,
        { ids: come },
        admin,
      );
      undone.push(`${type} ${come.join(', ')}`);
    }
    // Undoing is itself audited in the tenant: start again from what it holds now.
    this.last = undone.length > 0 ? await this.ids() : now;
    return { added, removed, undone };
  }
}
