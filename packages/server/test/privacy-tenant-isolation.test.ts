import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { privacyRestEndpoints } from '../src/privacy/rest-endpoints.js';
import { ADMIN_SECRET, admin, gqlData, type Member, memberWithRole } from './helpers/privacy.js';
import { introspect, leafSelection, type RoleApi, type TableApi, tableSelection } from './helpers/role-api.js';
import { callOf, inputValue } from './helpers/role-calls.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import {
  batch,
  collectCounts,
  collectStrings,
  LeakScanner,
  type Operation,
  type Outcome,
  type Probe,
  pick,
  probesOf,
  type Row,
  randomised,
  secret,
  seedTenant,
  snapshotDiff,
  type TenantSeed,
  TenantWatch,
  tenantRows,
  tenantSnapshot,
  tenantWithEveryRole,
} from './helpers/tenant-fixture.js';

/**
 * The permission matrix across tenants (docs/contracts.md §6.1: "No role may read another tenant's rows,
 * ever"). Tenant A (the bootstrap "My Organisation") has rows in every table; from tenant B every
 * caller — `user` under each of the nine dashboard roles, `me`, B's own `dataSubject`, and
 * `anonymous` — tries every root field its schema offers (found by introspection, so new tables
 * and actions are covered without being named here) against A: lists, filters, by-pk, aggregates,
 * relationships, inserts, updates, deletes, actions and REST endpoints. Problems are collected,
 * not thrown at the first, so a failure lists every hole at once.
 *
 * By design anonymous reads A's published things (privacy notices, approved consent forms with
 * their purposes, published FAQs), only their public columns, and may submit to A through the
 * public actions (consent capture, rights requests, FAQ questions): both have their own tests.
 */

/** What anonymous may read of a tenant, once published: the spec of the public columns. */
const ANONYMOUS_COLUMNS: Record<string, string[]> = {
  consentForms: ['id', 'dataControllerId', 'name', 'category', 'description', 'version', 'publishedAt'],
  consentFormPurposes: ['id', 'consentFormId', 'purposeId'],
  purposes: ['id', 'dataControllerId', 'name', 'category', 'description', 'legalBasis', 'essential'],
  dataControllerFaqs: ['id', 'dataControllerId', 'question', 'answer', 'position'],
  privacyNotices: ['id', 'dataControllerId', 'title', 'noticeType', 'language', 'content', 'version', 'publishedAt'],
};

/** Actions that write into any controller by design (a consent banner, a public form) or answer from its published FAQs. */
const PUBLIC_ACTIONS: Record<string, string[]> = {
  anonymous: ['captureConsent', 'submitDataSubjectsRightsRequest', 'answerFAQ'],
};

/**
 * Runs `work` the first time its result is asked for and hands every later caller the same
 * result: a probe runs once in the full file, and a test that needs it still works alone.
 */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= work();
    return result;
  };
}

/**
 * A probe as a test: `work` records in `problems` every way a caller of B saw or changed something
 * of A, and the test `name` asks that there is none. It runs once (see once): the tests after it
 * that judge the probes' effects ask for the same run.
 */
function probeTest(name: string, work: (problems: string[]) => Promise<void>): () => Promise<string[]> {
  const run = once(async () => {
    const problems: string[] = [];
    await work(problems);
    return problems;
  });
  it(name, async () => {
    assert.deepEqual(await run(), []);
  });
  return run;
}

describe('tenant isolation: from tenant B nothing of tenant A is read or changed', () => {
  let server: TestServer;
  let A: TenantSeed;
  let B: TenantSeed;
  let aOwner: Member;
  /** An agency serving both tenants: its account is B's to see, its membership of A is not. */
  let shared: Member;
  let adminApi: RoleApi;
  let aRows: Map<string, Row[]>;
  let probes: Probe[];
  const apis = new Map<string, RoleApi>();
  /** Every caller of B with the API its role is given (the same as in `apis`, by label). */
  const callers: { probe: Probe; api: RoleApi }[] = [];
  let scanner: LeakScanner;
  let anonymousScanner: LeakScanner;
  let published: Record<string, string[]>;
  let before_: Record<string, string[]>;
  /** Refused writes whose answer tells something about A's rows: finding → callers (see the last tests). */
  const disclosures = new Map<string, string[]>();
  /** Writes into A the inserts probe saw refused: what the disclosure check judges. */
  let refusedInserts = 0;
  const disclose = (probe: Probe, finding: string) =>
    disclosures.set(finding, [...(disclosures.get(finding) ?? []), probe.label]);
  /** Rows that a write added to A and the test removed again, so the next checks stay meaningful. */
  const cleanedUp: string[] = [];
  /**
   * What was exercised, table or action → caller → operations, for the report. Tables: L list,
   * W where, K by-pk, G aggregate, R where through a relationship, T traversal, U update, u
   * update by pk, D delete, d delete by pk, I insert a copy of A's row, S the same naming the
   * caller as member, X a row of B's pointing at A's, C upsert, - no column can name A.
   */
  const coverage = new Map<string, Map<string, Set<string>>>();
  const covered = (what: string, probe: Probe, ...codes: (string | false | undefined)[]) => {
    if (!coverage.has(what)) coverage.set(what, new Map());
    const label = probe.dashboardRole ?? probe.label;
    if (!coverage.get(what)!.has(label)) coverage.get(what)!.set(label, new Set());
    for (const code of codes) if (code) coverage.get(what)!.get(label)!.add(code);
  };

  const aIds = (type: string) => (aRows.get(type) ?? []).map((r) => r.id).filter((id) => id !== shared.userId);
  const allAIds = () =>
    new Set(
      [A.controllerId, ...[...aRows.values()].flatMap((rows) => rows.map((r) => r.id))].filter(
        (id) => id !== shared.userId,
      ),
    );
  /** Ids of rows that belong to A (accounts belong to nobody: one person may serve two tenants). */
  const tenantIdsOfA = () =>
    new Set(
      [...aRows]
        .filter(([type]) => adminApi.tables.get(type)!.scalars.includes('dataControllerId'))
        .flatMap(([, rows]) => rows.map((r) => r.id)),
    );
  const mayRead = (probe: Probe, type: string, id: string) =>
    probe.apiRole === 'anonymous' && (published[type] ?? []).includes(id);
  const scannerFor = (probe: Probe) => (probe.apiRole === 'anonymous' ? anonymousScanner : scanner);

  /** A's rows in a table in the role's where type: by id and by controller, as far as it may filter. */
  const whereA = (table: TableApi, type: string): Record<string, unknown> => {
    const conditions: Record<string, unknown>[] = [{ id: { _in: aIds(type) } }];
    if (table.whereColumns.includes('dataControllerId')) conditions.push({ dataControllerId: { _eq: A.controllerId } });
    return { _or: conditions };
  };

  /** Any row of A (by table) in a response, walked along the role's schema. */
  const rowsOfA = (api: RoleApi, probe: Probe, type: string, value: unknown, path: string, found: string[]) => {
    if (Array.isArray(value)) return value.forEach((v, i) => rowsOfA(api, probe, type, v, `${path}[${i}]`, found));
    if (!value || typeof value !== 'object') return;
    const row = value as Record<string, unknown>;
    const id = row.id as string | undefined;
    if (id && aIds(type).includes(id) && !mayRead(probe, type, id)) found.push(`${type} ${id} at ${path}`);
    if (row.dataControllerId === A.controllerId && !(id && mayRead(probe, type, id)))
      found.push(`${type} with A's dataControllerId at ${path}`);
    for (const relationship of api.tables.get(type)?.relationships ?? []) {
      if (relationship.name in row)
        rowsOfA(api, probe, relationship.target, row[relationship.name], `${path}.${relationship.name}`, found);
    }
  };

  /** Reports leaks and errors of read outcomes into the probe's problems (each a hole, precisely). */
  const checkRead = (problems: string[], probe: Probe, what: string, outcome: Outcome) => {
    if (outcome.body.errors) problems.push(`${probe.label}: ${what} failed: ${JSON.stringify(outcome.body.errors)}`);
    for (const leak of scannerFor(probe).leaks(outcome)) problems.push(`${probe.label}: ${what} shows A's "${leak}"`);
  };

  /** Notices (and undoes) a write into A, so what follows still tests a caller of B. */
  let watch: TenantWatch;
  const checkA = async (problems: string[], probe: Probe, what: string) => {
    const { added, removed, undone } = await watch.check();
    for (const [type, ids] of Object.entries(removed))
      problems.push(`${probe.label}: ${what} deleted A's ${type} ${ids.join(', ')}`);
    for (const [type, ids] of Object.entries(added))
      problems.push(`${probe.label}: ${what} added rows to A's ${type}: ${ids.join(', ')}`);
    cleanedUp.push(...undone);
  };

  before(async () => {
    // Introspection and the two-level traversals are deeper and wider than the default limits allow.
    server = await startTestServer({
      PAVISE_ADMIN_SECRET: ADMIN_SECRET,
      PAVISE_GRAPHQL_MAX_DEPTH: '30',
      PAVISE_GRAPHQL_MAX_SELECTIONS: '100000',
    });
    const session = await server.signIn();
    aOwner = {
      email: server.bootstrap!.email,
      password: server.bootstrap!.password,
      userId: session.user.id,
      token: session.accessToken,
    };
    const aControllerId = (await gqlData(server, '{ dataControllers { id } }', {}, { token: aOwner.token }))
      .dataControllers[0].id;
    const b = await tenantWithEveryRole(server, 'Tenant B');
    shared = await memberWithRole(server, aControllerId, 'agency');
    await gqlData(
      server,
      'mutation($c: uuid!, $u: uuid!) { insertDataControllerUser(object: {dataControllerId: $c, userId: $u, role: "member"}) { id } }',
      { c: b.controllerId, u: shared.userId },
      admin,
    );
    A = await seedTenant(server, 'A', aControllerId, aOwner);
    B = await seedTenant(server, 'B', b.controllerId, b.owner);
    adminApi = await introspect(server, admin);
    aRows = await tenantRows(server, adminApi, A.controllerId);
    probes = probesOf(b.members, B.subjectId);
    for (const probe of probes) {
      const api = await introspect(server, probe.caller);
      apis.set(probe.label, api);
      callers.push({ probe, api });
    }
    published = {
      consentForms: [A.ids.consentFormPublished!],
      consentFormPurposes: [A.ids.consentFormPurposePublished!],
      purposes: [A.ids.purposePublished!],
      dataControllerFaqs: [A.ids.faqPublished!],
      privacyNotices: [A.ids.noticePublished!],
    };
    const subjectSecrets = [
      A.subject.email,
      A.subject.phone,
      A.subject.phone.replace(/ /g, ''),
      A.subject.displayName,
      aOwner.email,
    ];
    scanner = LeakScanner.of(aRows, subjectSecrets).allowing([shared.userId]);
    const publicValues: string[] = [];
    for (const [type, ids] of Object.entries(published)) {
      for (const row of aRows.get(type)!.filter((r) => ids.includes(r.id)))
        collectStrings(
          ANONYMOUS_COLUMNS[type]!.map((c) => row[c]),
          (v) => publicValues.push(v),
        );
    }
    anonymousScanner = scanner.allowing(publicValues);
    before_ = await tenantSnapshot(server, A.controllerId);
    watch = await TenantWatch.start(server, adminApi, A.controllerId);
  });
  after(() => server?.close());

  it('the fixture has rows of A in every table of the model, and every caller an API', () => {
    const empty = [...adminApi.tables.keys()].filter((type) => aIds(type).length === 0);
    assert.deepEqual(empty, [], 'tables without a row of A: seed them in helpers/tenant-fixture.ts');
    assert.equal(probes.length, 12);
    for (const { probe, api } of callers) assert.ok(api.tables.size + api.actions.length > 0, probe.label);
  });

  const probeReads = probeTest(
    'lists, filtered lists, by-pk and aggregates show nothing of A, for every caller and table',
    async (problems) => {
      for (const { probe, api } of callers) {
        const operations: Operation[] = [];
        const types = [...api.tables.keys()];
        for (const type of types) {
          const table = api.tables.get(type)!;
          const fields = [
            `all: ${table.list} { ${table.scalars.join(' ')} }`,
            `filtered: ${table.list}(where: $w) { ${table.scalars.join(' ')} }`,
          ];
          if (table.byPk)
            aIds(type).forEach((id, i) =>
              fields.push(`pk${i}: ${table.byPk}(id: ${JSON.stringify(id)}) { ${table.scalars.join(' ')} }`),
            );
          if (table.aggregate) fields.push(`count: ${table.aggregate}(where: $w) { aggregate { count } }`);
          // Filtering through a relationship must not reach A either (the target's row filter applies).
          for (const relationship of table.relationships) {
            fields.push(
              `via_${relationship.name}: ${table.list}(where: {${relationship.name}: $via_${relationship.name}}) { id }`,
            );
          }
          const definitions = [
            `$w: ${type}_bool_exp`,
            ...table.relationships.map((r) => `$via_${r.name}: ${r.target}_bool_exp`),
          ];
          const variables = {
            w: whereA(table, type),
            ...Object.fromEntries(
              table.relationships.map((r) => [`via_${r.name}`, whereA(api.tables.get(r.target)!, r.target)]),
            ),
          };
          operations.push({ query: `query(${definitions.join(', ')}) { ${fields.join('\n')} }`, variables });
        }
        const outcomes = await batch(server, probe.caller, operations);
        outcomes.forEach((outcome, i) => {
          const type = types[i]!;
          const table = api.tables.get(type)!;
          checkRead(problems, probe, `reading ${type}`, outcome);
          const data = outcome.body.data ?? {};
          const found: string[] = [];
          for (const [alias, value] of Object.entries(data)) {
            if (alias === 'count') {
              if ((value as any).aggregate.count !== 0)
                found.push(`count of A's rows = ${(value as any).aggregate.count}`);
            } else rowsOfA(api, probe, type, value, alias, found);
          }
          found.forEach((f) => problems.push(`${probe.label}: reading ${type} shows ${f}`));
          covered(
            type,
            probe,
            'L',
            'W',
            table.byPk && 'K',
            table.aggregate && 'G',
            table.relationships.length > 0 && 'R',
          );
        });
      }
    },
  );

  const probeTraversals = probeTest(
    'traversing every relationship, two levels deep, from every row a caller sees reaches nothing of A',
    async (problems) => {
      for (const { probe, api } of callers) {
        const types = [...api.tables.keys()].filter((type) => api.tables.get(type)!.relationships.length > 0);
        const outcomes = await batch(
          server,
          probe.caller,
          types.map((type) => ({
            query: `{ rows: ${api.tables.get(type)!.list} { ${tableSelection(api, type, 2)} } }`,
          })),
        );
        outcomes.forEach((outcome, i) => {
          checkRead(problems, probe, `traversing from ${types[i]}`, outcome);
          const found: string[] = [];
          rowsOfA(api, probe, types[i]!, outcome.body.data?.rows, 'rows', found);
          found.forEach((f) => problems.push(`${probe.label}: traversing from ${types[i]} reaches ${f}`));
          covered(types[i]!, probe, 'T');
        });
      }
    },
  );

  /** The value an action or endpoint argument gets when aimed at A (or, `mixed`, at B's controller with A's other ids). */
  const valueFor =
    (mixed: boolean, action = '') =>
    (name: string): unknown => {
      const byName: Record<string, unknown> = {
        dataControllerId: mixed ? B.controllerId : A.controllerId,
        dataSubjectId: A.subjectId,
        consentFormId: A.ids.consentFormPublished,
        purposeId: A.ids.purposePublished,
        requestId: A.ids.rightsRequest,
        faqId: A.ids.faqPublished,
        // The actions whose argument is a bare id: verifyDataControllerOrigin, and the invitations'.
        id: action.endsWith('Invitation') ? A.ids.invitation : A.ids.origin,
        role: 'member',
        email: A.subject.email,
        phone: A.subject.phone,
        displayName: 'Probe',
        externalId: secret('A', 'external id'),
        question: aRows.get('dataControllerFaqs')!.find((f) => f.id === A.ids.faqDraft)!.question,
        requestType: 'access',
        value: 'granted',
        format: 'json',
        event: 'probe',
        payload: { email: A.subject.email },
        country: 'DE',
        notes: 'probe',
        gpc: false,
        limit: 100,
        offset: 0,
      };
      if (name in byName) return byName[name];
      if (name.endsWith('Id')) throw new Error(`no value for ${name}: teach valueFor which of A's rows it names`);
      return undefined;
    };

  const probeActions = probeTest(
    "every action called with A's ids fails and tells nothing of A (public ones aside)",
    async (problems) => {
      for (const { probe, api } of callers) {
        const operations: Operation[] = [];
        const labels: { action: string; mixed: boolean }[] = [];
        for (const action of api.actions) {
          if (PUBLIC_ACTIONS[probe.apiRole]?.includes(action.name)) continue;
          // Every input field filled (identifiers of A's subject included), then only the required ones;
          // each aimed at A, then at B's controller with A's other ids.
          const seen = new Set<string>();
          for (const [mixed, requiredOnly] of [
            [false, false],
            [false, true],
            [true, false],
            [true, true],
          ] as const) {
            const values = Object.fromEntries(
              action.field.args.map((a) => [
                a.name,
                inputValue(a.type, a.name, valueFor(mixed, action.name), `${action.name}(${a.name})`, requiredOnly),
              ]),
            );
            const key = JSON.stringify(values);
            if ((mixed && !key.includes(B.controllerId)) || seen.has(key)) continue;
            seen.add(key);
            const call = callOf(action.field, values);
            const selection = leafSelection(action.field.type);
            operations.push({
              query: `${action.kind} ${call.definitions} { r: ${action.name}${call.args} ${selection ? `{ ${selection} }` : ''} }`,
              variables: values,
            });
            labels.push({ action: action.name, mixed });
          }
        }
        for (const [i, outcome] of (await batch(server, probe.caller, operations)).entries()) {
          const { action, mixed } = labels[i]!;
          const what = `${action}${mixed ? " with B's controller and A's other ids" : " with A's ids"}`;
          if (!mixed && !outcome.body.errors)
            problems.push(`${probe.label}: ${what} succeeded: ${outcome.text.slice(0, 300)}`);
          for (const leak of scannerFor(probe).leaks(outcome))
            problems.push(`${probe.label}: ${what} shows A's "${leak}"`);
          covered(
            `action ${action}`,
            probe,
            `${mixed ? "B's controller" : "A's ids"} → ${outcome.body.errors?.[0]?.extensions?.code ?? 'ok'};`,
          );
        }
        await checkA(problems, probe, 'an action');
      }
    },
  );

  const probeRest = probeTest("every REST endpoint called with A's ids returns nothing of A", async (problems) => {
    for (const endpoint of privacyRestEndpoints) {
      const operation = parse(endpoint.query).definitions[0] as OperationDefinitionNode;
      const variables: Record<string, unknown> = {};
      for (const definition of operation.variableDefinitions ?? []) {
        const value = valueFor(false)(definition.variable.name.value);
        if (value !== undefined) variables[definition.variable.name.value] = value;
        else if (definition.type.kind === Kind.NON_NULL_TYPE && !definition.defaultValue)
          throw new Error(`${endpoint.name}: no value for $${definition.variable.name.value}`);
      }
      for (const probe of probes) {
        for (const method of endpoint.methods) {
          const query =
            method === 'GET'
              ? `?${new URLSearchParams(Object.entries(variables).map(([k, v]): [string, string] => [k, String(v)]))}`
              : '';
          const response = await server.call(`/api/rest/${endpoint.name}${query}`, {
            method,
            token: probe.caller.token,
            headers: probe.caller.headers,
            ...(method === 'POST' ? { body: variables } : {}),
          });
          const outcome: Outcome = {
            request: JSON.stringify(variables),
            status: response.status,
            body: response.body,
            text: response.text,
          };
          const what = `${method} /api/rest/${endpoint.name}`;
          if (response.status >= 500) problems.push(`${probe.label}: ${what} answered ${response.status}`);
          for (const leak of scannerFor(probe).leaks(outcome))
            problems.push(`${probe.label}: ${what} shows A's "${leak}"`);
          collectCounts(
            response.body,
            (key, n) => n !== 0 && problems.push(`${probe.label}: ${what} counts ${n} ${key} of A`),
          );
          covered(`REST ${endpoint.name}`, probe, `${method} ${response.status};`);
        }
        if (operation.operation === 'mutation') await checkA(problems, probe, `/api/rest/${endpoint.name}`);
      }
    }
  });

  const probeUpdatesAndDeletes = probeTest(
    "updates and deletes aimed at A's rows affect none, for every caller and table",
    async (problems) => {
      for (const { probe, api } of callers) {
        for (const [type, table] of api.tables) {
          const rows = aRows.get(type)!.filter((r) => r.id !== shared.userId);
          const returning = `affected_rows returning { ${table.scalars.join(' ')} }`;
          const operations: (Operation & { what: string })[] = [];
          const wheres: [string, Record<string, unknown>][] = [['ids', { id: { _in: rows.map((r) => r.id) } }]];
          if (table.whereColumns.includes('dataControllerId'))
            wheres.push(['controller', { dataControllerId: { _eq: A.controllerId } }]);
          if (table.update) {
            // A's own values: valid for every constraint, so only the row filter can stop the write.
            const set = pick(rows[0]!, table.setColumns);
            for (const [name, where] of wheres)
              operations.push({
                what: `${table.update}(where ${name})`,
                query: `mutation($w: ${type}_bool_exp!, $s: ${type}_set_input) { r: ${table.update}(where: $w, _set: $s) { ${returning} } }`,
                variables: { w: where, s: set },
              });
            if (table.updateByPk)
              rows.slice(0, 3).forEach((row) =>
                operations.push({
                  what: `${table.updateByPk}(${row.id})`,
                  query: `mutation($s: ${type}_set_input) { r: ${table.updateByPk}(pk_columns: {id: ${JSON.stringify(row.id)}}, _set: $s) { ${table.scalars.join(' ')} } }`,
                  variables: { s: set },
                }),
              );
          }
          if (table.delete) {
            for (const [name, where] of wheres)
              operations.push({
                what: `${table.delete}(where ${name})`,
                query: `mutation($w: ${type}_bool_exp!) { r: ${table.delete}(where: $w) { ${returning} } }`,
                variables: { w: where },
              });
            if (table.deleteByPk)
              rows.slice(0, 3).forEach((row) =>
                operations.push({
                  what: `${table.deleteByPk}(${row.id})`,
                  query: `mutation { r: ${table.deleteByPk}(id: ${JSON.stringify(row.id)}) { ${table.scalars.join(' ')} } }`,
                }),
              );
          }
          if (operations.length === 0) continue;
          for (const [i, outcome] of (await batch(server, probe.caller, operations)).entries()) {
            const r = outcome.body.data?.r;
            // No error either: the row filter answers "nothing matched", anything else means the test went wrong.
            if (outcome.body.errors)
              problems.push(
                `${probe.label}: ${operations[i]!.what} failed unexpectedly: ${outcome.text.slice(0, 300)}`,
              );
            if (r && (r.affected_rows === undefined || r.affected_rows > 0))
              problems.push(
                `${probe.label}: ${operations[i]!.what} changed A's ${type}: ${outcome.text.slice(0, 300)}`,
              );
            for (const leak of scannerFor(probe).leaks(outcome))
              problems.push(`${probe.label}: ${operations[i]!.what} shows A's "${leak}"`);
          }
          covered(
            type,
            probe,
            table.update && 'U',
            table.updateByPk && 'u',
            table.delete && 'D',
            table.deleteByPk && 'd',
          );
          await checkA(problems, probe, `updating/deleting ${type}`);
        }
      }
    },
  );

  const probeInserts = probeTest(
    "inserts into A — copies of A's rows, with the caller as member, B rows pointing at A, upserts — fail and write nothing",
    async (problems) => {
      const idsOfA = allAIds();
      const ownedByA = tenantIdsOfA();
      for (const { probe, api } of callers) {
        for (const [type, table] of api.tables) {
          if (!table.insert && !table.insertOne) continue;
          const copies = aRows
            .get(type)!
            .map((row) => pick(row, table.insertColumns))
            .filter((o) => Object.values(o).some((v) => typeof v === 'string' && idsOfA.has(v)));
          if (copies.length === 0) {
            covered(type, probe, '-');
            continue;
          }
          const variants: [string, Record<string, unknown>][] = copies.map((copy, i) => [`copy of A's row ${i}`, copy]);
          if (table.insertColumns.includes('userId') && probe.userId)
            variants.push(
              ...copies.map((copy, i): [string, Record<string, unknown>] => [
                `A's row ${i} naming the caller`,
                { ...copy, userId: probe.userId },
              ]),
            );
          // A row of B's whose other ids are A's: composite foreign keys must refuse it.
          const pointing = copies.filter(
            (copy) =>
              'dataControllerId' in copy &&
              Object.entries(copy).some(
                ([k, v]) => k !== 'dataControllerId' && typeof v === 'string' && ownedByA.has(v),
              ),
          );
          variants.push(
            ...pointing.map((copy, i): [string, Record<string, unknown>] => [
              `B's row pointing at A's row ${i}`,
              { ...copy, dataControllerId: B.controllerId },
            ]),
          );
          const returning = `affected_rows returning { ${table.scalars.join(' ')} }`;
          const operations: (Operation & { what: string; twin?: boolean })[] = [];
          for (const [what, object] of variants) {
            if (table.insert)
              operations.push({
                what: `${table.insert} ${what}`,
                query: `mutation($o: [${type}_insert_input!]!) { r: ${table.insert}(objects: $o) { ${returning} } }`,
                variables: { o: [object] },
              });
            if (table.insertOne)
              operations.push({
                what: `${table.insertOne} ${what}`,
                query: `mutation($o: ${type}_insert_input!) { r: ${table.insertOne}(object: $o) { ${table.scalars.join(' ')} } }`,
                variables: { o: object },
              });
            // B's row again with random ids instead of A's, right after: the answers must not tell them apart.
            if (what.startsWith("B's row") && table.insertOne) {
              operations.push({
                what: `${table.insertOne} ${what}, with random ids instead`,
                twin: true,
                query: operations.at(-1)!.query,
                variables: { o: randomised(object, idsOfA) },
              });
            }
          }
          for (const [constraint, object] of (table.onConflict?.constraints ?? []).flatMap((c) =>
            copies.map((o) => [c, o] as const),
          )) {
            operations.push({
              what: `${table.insert} upsert on ${constraint}`,
              query: `mutation($o: [${type}_insert_input!]!, $c: ${type}_on_conflict) { r: ${table.insert}(objects: $o, on_conflict: $c) { ${returning} } }`,
              variables: { o: [object], c: { constraint, update_columns: table.onConflict!.updateColumns } },
            });
          }
          const outcomes = await batch(server, probe.caller, operations);
          const shape = (o: Outcome) =>
            JSON.stringify(o.body.errors?.map((e: any) => [e.extensions?.code, e.message]) ?? o.body.data).replace(
              /[0-9a-f]{8}-[0-9a-f-]{27}/g,
              '<uuid>',
            );
          for (const [i, outcome] of outcomes.entries()) {
            const { what, twin } = operations[i]!;
            const r = outcome.body.data?.r;
            if (!twin && r && (r.affected_rows === undefined || r.affected_rows > 0))
              problems.push(`${probe.label}: ${what} was written: ${outcome.text.slice(0, 300)}`);
            for (const leak of scannerFor(probe).leaks(outcome))
              problems.push(`${probe.label}: ${what} shows A's "${leak}"`);
            const error = outcome.body.errors?.[0];
            if (error && !twin) refusedInserts++;
            if (error && !['permission-error', 'constraint-violation'].includes(error.extensions?.code))
              problems.push(
                `${probe.label}: ${what} failed unexpectedly (the test is wrong?): ${outcome.text.slice(0, 300)}`,
              );
            const generic = what.replace(/ \d+(,|$)/, '$1');
            if (what.includes('copy of') && error && error.extensions?.code !== 'permission-error')
              disclose(probe, `${generic} → ${error.extensions?.code}: ${error.message}`);
            if (what.includes('upsert') && !error)
              disclose(
                probe,
                `${what} → no error and ${r?.affected_rows} rows, where an insert that collides with no row of A fails`,
              );
            if (twin && shape(outcomes[i - 1]!) !== shape(outcome))
              disclose(
                probe,
                `${generic.replace(', with random ids instead', '')} → ${shape(outcomes[i - 1]!)}; with random ids instead → ${shape(outcome)}`,
              );
          }
          covered(
            type,
            probe,
            'I',
            variants.some(([w]) => w.includes('naming the caller')) && 'S',
            pointing.length > 0 && 'X',
            table.onConflict && 'C',
          );
          await checkA(problems, probe, `inserting into ${type}`);
        }
      }
    },
  );

  it("anonymous reads exactly A's published things, with their public columns only, and writes no table", async () => {
    const api = apis.get('anonymous')!;
    assert.deepEqual([...api.tables.keys()].sort(), Object.keys(ANONYMOUS_COLUMNS).sort());
    for (const [type, columns] of Object.entries(ANONYMOUS_COLUMNS)) {
      const table = api.tables.get(type)!;
      assert.deepEqual([...table.scalars].sort(), [...columns].sort(), type);
      assert.deepEqual(
        [table.insert, table.insertOne, table.update, table.updateByPk, table.delete, table.deleteByPk].filter(Boolean),
        [],
        type,
      );
      const data = await gqlData(
        server,
        `query($ids: [uuid!]!) { rows: ${table.list}(where: {id: {_in: $ids}}) { ${columns.join(' ')} } }`,
        { ids: aIds(type) },
      );
      const expected = aRows
        .get(type)!
        .filter((r) => published[type]!.includes(r.id))
        .map((r) => pick(r, columns));
      assert.deepEqual(data.rows, expected, type);
    }
  });

  /** Every probe of a caller of B, one after the other, in the order of the tests above. */
  const allProbes = async () => {
    for (const probe of [probeReads, probeTraversals, probeActions, probeRest, probeUpdatesAndDeletes, probeInserts])
      await probe();
  };

  it('after all of it A is exactly as before: no row added, changed or removed', async () => {
    await allProbes();
    assert.deepEqual(cleanedUp, [], 'rows written into A (removed again by the test)');
    assert.deepEqual(snapshotDiff(before_, await tenantSnapshot(server, A.controllerId)), {});
  });

  it("a refused write into A discloses nothing of A's rows: the permission error, whatever A holds", async () => {
    await probeInserts();
    assert.ok(refusedInserts > 0, 'the inserts probe had writes into A refused, whose answers are judged here');
    assert.deepEqual(
      [...disclosures].map(([finding, callers]) => `${finding} [${[...new Set(callers)].join(', ')}]`),
      [],
    );
  });

  /** Tables an anonymous submission may add rows to in A (a new or known subject, its request, their logs). */
  const SUBMISSION_TABLES = [
    'public.data_subjects',
    'public.data_subject_identifiers',
    'privacy.data_subject_keys',
    'privacy.personal_data',
    'public.data_processing_activities',
    'public.data_subject_rights_requests',
    'public.data_subject_rights_request_events',
  ];

  it('anonymous submissions to A (FAQ questions, consent, rights requests) tell nothing of A and change none of its rows', async () => {
    const api = apis.get('anonymous')!;
    const anonymous = probes.find((p) => p.apiRole === 'anonymous')!;
    // Each public action is checked below: a new one must be added here.
    assert.deepEqual(api.actions.map((a) => a.name).sort(), [...PUBLIC_ACTIONS.anonymous!].sort());
    const action = (name: string) => api.actions.find((a) => a.name === name)!;
    const call = (name: string, values: Record<string, unknown>): Operation => {
      const { definitions, args } = callOf(action(name).field, values);
      return {
        query: `${action(name).kind} ${definitions} { r: ${name}${args} { ${leafSelection(action(name).field.type)} } }`,
        variables: values,
      };
    };
    const draftQuestion = aRows.get('dataControllerFaqs')!.find((f) => f.id === A.ids.faqDraft)!.question;
    const before = await tenantSnapshot(server, A.controllerId);
    const [faq, draftConsent, mixedConsent, known, unknown] = await batch(server, anonymous.caller, [
      call('answerFAQ', { dataControllerId: A.controllerId, question: draftQuestion }),
      call('captureConsent', {
        input: {
          dataControllerId: A.controllerId,
          consentFormId: A.ids.consentFormDraft,
          choices: [{ purposeId: A.ids.purposeDraft, value: 'granted' }],
          email: A.subject.email,
        },
      }),
      call('captureConsent', {
        input: {
          dataControllerId: B.controllerId,
          consentFormId: A.ids.consentFormPublished,
          choices: [{ purposeId: A.ids.purposePublished, value: 'withdrawn' }],
          email: A.subject.email,
        },
      }),
      call('submitDataSubjectsRightsRequest', {
        input: { dataControllerId: A.controllerId, requestType: 'access', email: A.subject.email },
      }),
      call('submitDataSubjectsRightsRequest', {
        input: { dataControllerId: A.controllerId, requestType: 'access', email: 'a-stranger@example.com' },
      }),
    ]);
    for (const outcome of [faq, draftConsent, mixedConsent, known, unknown])
      assert.deepEqual(anonymousScanner.leaks(outcome!), [], outcome!.text);
    // The best published answer, or none: never the draft's.
    assert.equal(faq!.body.errors, undefined, faq!.text);
    assert.ok([null, A.ids.faqPublished].includes(faq!.body.data.r.data.faqId), faq!.text);
    assert.equal(draftConsent!.body.errors?.[0]?.extensions?.code, 'not-found', draftConsent!.text);
    assert.equal(mixedConsent!.body.errors?.[0]?.extensions?.code, 'not-found', mixedConsent!.text);
    // Whether A knew the email shows nowhere in the answer.
    const answer = (o: Outcome) => ({
      ...o.body.data?.r,
      data: { ...o.body.data?.r?.data, requestId: '<id>', dueAt: o.body.data?.r?.data?.dueAt?.slice(0, 10) },
    });
    assert.equal(known!.body.errors, undefined, known!.text);
    assert.deepEqual(answer(known!), answer(unknown!));
    const diff = snapshotDiff(before, await tenantSnapshot(server, A.controllerId));
    assert.deepEqual(
      Object.entries(diff)
        .filter(([, d]) => d.removed.length > 0)
        .map(([table, d]) => `${table}: ${d.removed.join(' ')}`),
      [],
      'rows of A changed or removed',
    );
    assert.deepEqual(
      Object.keys(diff).filter((table) => !SUBMISSION_TABLES.includes(table)),
      [],
      'rows added outside the submission tables',
    );
  });

  it('covers every table and action for every caller (summary in the diagnostics)', async (t) => {
    await allProbes();
    for (const [what, callers] of [...coverage].sort())
      t.diagnostic(`${what}: ${[...callers].map(([label, codes]) => `${label} ${[...codes].join('')}`).join(', ')}`);
    for (const type of adminApi.tables.keys()) assert.ok(coverage.has(type), `${type} was not exercised`);
  });
});
