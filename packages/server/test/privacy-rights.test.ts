import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { admin, asSubject, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite } from './helpers/suite.js';

/**
 * Rights requests (docs/contracts.md §6.6): submission by the Transparency
 * Center form (submitDataSubjectsRightsRequest), the deadline by jurisdiction, the status
 * workflow and its audit trail, erasure on completion, and the dashboard report.
 */

const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPES = [
  'access',
  'rectify',
  'erasure',
  'restrict',
  'export',
  'object',
  'noSale',
  'noTrack',
  'noProfile',
  'other',
];

const SUBMIT = `mutation($input: SubmitDataSubjectsRightsRequestInput!) {
  submitDataSubjectsRightsRequest(input: $input) { status message data { requestId status dueAt } }
}`;
const REQUEST = `query($id: uuid!) {
  dataSubjectsRightsRequest(id: $id) {
    id dataControllerId dataSubjectId requestType status identityVerification jurisdiction dueAt channel notes completedAt createdAt updatedAt
    events(order_by: [{createdAt: asc}, {id: asc}]) { fromStatus toStatus actorRole actorUserId }
  }
}`;
const SET_STATUS = `mutation($id: uuid!, $status: String!) {
  updateDataSubjectsRightsRequest(pk_columns: {id: $id}, _set: {status: $status}) { id status }
}`;
const REPORT = `query($id: uuid!) { reportDataSubjectsRightsRequests(dataControllerId: $id) { status message data } }`;
const COUNTS = `query($id: uuid!) {
  dataSubjectsRightsRequestsAggregate(where: {dataControllerId: {_eq: $id}}) { aggregate { count } }
  dataSubjectsAggregate(where: {dataControllerId: {_eq: $id}}) { aggregate { count } }
  dataProcessingActivitiesAggregate(where: {dataControllerId: {_eq: $id}}) { aggregate { count } }
  dataSubjectsRightsRequestEventsAggregate(where: {dataControllerId: {_eq: $id}}) { aggregate { count } }
}`;

describe('rights requests', () => {
  const server = forSuite(() => startPrivacyServer());
  let controllerId: string;
  let owner: Member;
  let dpo: Member;
  let other: { controllerId: string; owner: Member };

  /** Submits `input` to the suite's controller, unless it names another dataControllerId. */
  const submit = (input: Record<string, unknown>, caller: Caller = {}) =>
    server.gql(SUBMIT, { input: { dataControllerId: controllerId, ...input } }, caller);
  /** A submission that must succeed: its data. */
  const submitted = async (input: Record<string, unknown>, caller: Caller = {}) => {
    const response = await submit(input, caller);
    assert.equal(response.status, 200, response.text);
    assert.ok(!response.body.errors, response.text);
    return response.body.data.submitDataSubjectsRightsRequest.data as {
      requestId: string;
      status: string;
      dueAt: string;
    };
  };
  /** A request of `requestType` that must be filed (anonymously unless `caller`) with `fields`: its id. */
  const fileRequest = async (requestType: string, fields: Record<string, unknown> = {}, caller: Caller = {}) =>
    (await submitted({ requestType, ...fields }, caller)).requestId;
  /** The answer refusing a submission with `message` and `code`. */
  const refusal = (message: string, code: string) =>
    graphqlError(message, code, '$.selectionSet.submitDataSubjectsRightsRequest');
  const read = (id: string, caller: Caller = { token: owner.token }) => server.gqlField(REQUEST, { id }, caller);
  const setStatus = (id: string, status: string, caller: Caller = { token: dpo.token }) =>
    server.gql(SET_STATUS, { id, status }, caller);
  const counts = async (id: string, caller: Caller = admin) => {
    const data = await server.gqlData(COUNTS, { id }, caller);
    return Object.fromEntries(
      Object.entries(data).map(([field, value]) => [
        field,
        (value as { aggregate: { count: number } }).aggregate.count,
      ]),
    );
  };
  const days = (request: { createdAt: string; dueAt: string }) =>
    (Date.parse(request.dueAt) - Date.parse(request.createdAt)) / DAY;

  before(async () => {
    ({ controllerId, owner } = await server.newController('Rights Org'));
    dpo = await server.memberWithRole(controllerId, 'dpo');
    other = await server.newController('Other Org');
  });

  describe('submission and deadline', () => {
    it('an anonymous form submission from a GDPR country is due 30 days after filing, and answers only the write-only result', async () => {
      const response = await submit({
        requestType: 'access',
        email: 'Ada@Example.com ',
        displayName: 'Ada Lovelace',
        country: 'DE',
        notes: 'Please send me my data',
      });
      assert.equal(response.status, 200);
      const answer = response.body.data.submitDataSubjectsRightsRequest;
      assert.deepEqual(Object.keys(response.body), ['data']);
      assert.deepEqual(Object.keys(answer.data), ['requestId', 'status', 'dueAt']);
      assert.equal(answer.status, 'success');
      assert.equal(answer.message, 'submitDataSubjectsRightsRequest');
      assert.match(answer.data.requestId, UUID);
      assert.equal(answer.data.status, 'submitted');

      const stored = await read(answer.data.requestId);
      assert.equal(stored.dataControllerId, controllerId);
      assert.equal(stored.requestType, 'access');
      assert.equal(stored.status, 'submitted');
      assert.equal(stored.identityVerification, 'pending');
      assert.equal(stored.jurisdiction, 'GDPR');
      assert.equal(stored.channel, 'form');
      assert.equal(stored.notes, 'Please send me my data');
      assert.equal(stored.completedAt, null);
      assert.equal(stored.dueAt, answer.data.dueAt, 'the answered due date is the stored one');
      assert.equal(days(stored), 30);
      assert.deepEqual(stored.events, [
        { fromStatus: null, toStatus: 'submitted', actorRole: 'anonymous', actorUserId: null },
      ]);

      // The subject came through the ingestion pipeline: a GDPR subject known by an email hash.
      const subject = await server.gqlField(
        'query($id: uuid!) { dataSubject(id: $id) { jurisdiction identifiers { kind } processingActivities(order_by: [{createdAt: asc}, {activityType: asc}]) { activityType event source } } }',
        { id: stored.dataSubjectId },
        { token: owner.token },
      );
      assert.equal(subject.jurisdiction, 'GDPR');
      assert.deepEqual(subject.identifiers, [{ kind: 'email' }]);
      assert.deepEqual(subject.processingActivities, [
        { activityType: 'collection', event: 'rightsRequest.submitted', source: 'form' },
        { activityType: 'rightsRequest', event: 'rightsRequest.access.submitted', source: 'form' },
      ]);
      // No personal data in the logs.
      assert.ok(!/ada@example\.com|Ada Lovelace/i.test(server.logs()));
    });

    it('a CCPA subject (country US) is due 45 days after filing', async () => {
      const answer = await submitted({
        requestType: 'noSale',
        email: 'grace@example.com',
        country: 'US',
      });
      const stored = await read(answer.requestId);
      assert.equal(stored.jurisdiction, 'CCPA');
      assert.equal(days(stored), 45);
      assert.equal(stored.dueAt, answer.dueAt);
      const subject = await server.gqlField(
        'query($id: uuid!) { dataSubject(id: $id) { jurisdiction } }',
        { id: stored.dataSubjectId },
        { token: owner.token },
      );
      assert.equal(subject.jurisdiction, 'CCPA');
    });

    it("without a country the controller's default jurisdiction applies: GDPR by default, CCPA when the controller says so", async () => {
      const gdpr = await read(await fileRequest('access', { phone: '+44 20 7946 0958' }));
      assert.deepEqual([gdpr.jurisdiction, days(gdpr)], ['GDPR', 30]);

      const us = await server.newController('US Org');
      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {defaultJurisdiction: "CCPA"}) { id } }',
        { id: us.controllerId },
        { token: us.owner.token },
      );
      const ccpa = await read(
        await fileRequest('erasure', { dataControllerId: us.controllerId, email: 'someone@example.com' }),
        { token: us.owner.token },
      );
      assert.deepEqual([ccpa.jurisdiction, days(ccpa)], ['CCPA', 45]);
    });

    it("an anonymous due date never reveals a known subject's jurisdiction: without a country it follows the controller's default", async () => {
      const known = await server.createSubject({ token: owner.token }, controllerId, {
        email: 'known-ccpa@example.com',
        country: 'US',
      });
      const stored = await read(await fileRequest('access', { email: 'known-ccpa@example.com' }));
      assert.equal(stored.dataSubjectId, known);
      assert.deepEqual([stored.jurisdiction, days(stored)], ['GDPR', 30]);
      // The subject itself, signed in, gets its own jurisdiction's deadline.
      const own = await read(await fileRequest('access', {}, asSubject(known)));
      assert.deepEqual([own.jurisdiction, days(own)], ['CCPA', 45]);
    });

    it('a member filing through GraphQL for a subject gets the deadline of the subject’s jurisdiction', async () => {
      const german = await server.createSubject({ token: owner.token }, controllerId, {
        email: 'de-subject@example.com',
        country: 'DE',
      });
      const californian = await server.createSubject({ token: owner.token }, controllerId, {
        email: 'ca-subject@example.com',
        country: 'US',
      });
      const insert =
        'mutation($s: uuid!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "access"}) { jurisdiction createdAt dueAt channel status dataControllerId } }';
      const de = await server.gqlField(insert, { s: german }, { token: owner.token });
      const us = await server.gqlField(insert, { s: californian }, { token: owner.token });
      assert.deepEqual(
        [de.jurisdiction, days(de), de.channel, de.status, de.dataControllerId],
        ['GDPR', 30, 'api', 'submitted', controllerId],
      );
      assert.deepEqual(
        [us.jurisdiction, days(us), us.channel, us.status, us.dataControllerId],
        ['CCPA', 45, 'api', 'submitted', controllerId],
      );
    });

    it('the same person submitting twice is one subject with two requests', async () => {
      const first = await read(await fileRequest('access', { email: 'twice@example.com' }));
      const second = await read(await fileRequest('rectify', { email: ' TWICE@example.com' }));
      assert.equal(second.dataSubjectId, first.dataSubjectId);
      const requests = await server.gqlData(
        'query($s: uuid!) { dataSubjectsRightsRequests(where: {dataSubjectId: {_eq: $s}}, order_by: {createdAt: asc}) { requestType } }',
        { s: first.dataSubjectId },
        { token: owner.token },
      );
      assert.deepEqual(requests.dataSubjectsRightsRequests, [{ requestType: 'access' }, { requestType: 'rectify' }]);
    });

    it('anonymous may only submit: it reads no request, no subject, and the answer has no subject in it', async () => {
      const requestId = await fileRequest('access', { email: 'reader@example.com' });
      const readBack = await server.gql(REQUEST, { id: requestId });
      assert.equal(readBack.body.errors[0].extensions.code, 'validation-failed');
      assert.equal(
        readBack.body.errors[0].message,
        "field 'dataSubjectsRightsRequest' not found in type: 'query_root'",
      );
      const more = await server.gql(
        'mutation($input: SubmitDataSubjectsRightsRequestInput!) { submitDataSubjectsRightsRequest(input: $input) { data { dataSubjectId } } }',
        {
          input: { dataControllerId: controllerId, requestType: 'access', email: 'reader@example.com' },
        },
      );
      assert.equal(more.body.errors[0].extensions.code, 'validation-failed');
      assert.match(more.body.errors[0].message, /dataSubjectId/);
    });

    it('a signed-in data subject files for itself without identifiers; it cannot file with another controller', async () => {
      const subjectId = await server.createSubject({ token: owner.token }, controllerId, {
        email: 'signed-in@example.com',
        country: 'US',
      });
      const requestId = await fileRequest('export', {}, asSubject(subjectId));
      const stored = await read(requestId);
      assert.deepEqual(
        [stored.dataSubjectId, stored.channel, stored.jurisdiction, days(stored)],
        [subjectId, 'form', 'CCPA', 45],
      );
      assert.deepEqual(stored.events, [
        { fromStatus: null, toStatus: 'submitted', actorRole: 'dataSubject', actorUserId: null },
      ]);
      // The subject sees its own request.
      const own = await server.gqlData(
        'query($id: uuid!) { dataSubjectsRightsRequest(id: $id) { id status } }',
        { id: requestId },
        asSubject(subjectId),
      );
      assert.deepEqual(own.dataSubjectsRightsRequest, { id: requestId, status: 'submitted' });

      const before = await counts(other.controllerId);
      const elsewhere = await submit(
        { dataControllerId: other.controllerId, requestType: 'access' },
        asSubject(subjectId),
      );
      assert.deepEqual(
        elsewhere.body,
        refusal('the signed-in data subject is not a data subject of this data controller', 'not-found'),
      );
      assert.deepEqual(await counts(other.controllerId), before);
    });

    it('a member who may manage privacy may submit; an auditor, a developer and another controller’s owner are told it does not exist', async () => {
      const agency = await server.memberWithRole(controllerId, 'agency');
      const requestId = await fileRequest('object', { email: 'walk-in@example.com' }, { token: agency.token });
      assert.deepEqual((await read(requestId)).events, [
        { fromStatus: null, toStatus: 'submitted', actorRole: 'user', actorUserId: agency.userId },
      ]);

      const before = await counts(controllerId);
      const refused = [
        await server.memberWithRole(controllerId, 'auditor'),
        await server.memberWithRole(controllerId, 'developer'),
        other.owner,
      ];
      for (const member of refused) {
        const response = await submit({ requestType: 'object', email: 'walk-in@example.com' }, { token: member.token });
        assert.deepEqual(response.body, refusal('data controller not found', 'not-found'));
      }
      // An unknown controller: the same answer, for anyone.
      for (const caller of [{}, { token: owner.token }]) {
        const response = await submit(
          { dataControllerId: '00000000-0000-4000-8000-000000000000', requestType: 'access', email: 'x@example.com' },
          caller,
        );
        assert.deepEqual(response.body, refusal('data controller not found', 'not-found'));
      }
      assert.deepEqual(await counts(controllerId), before);
    });

    it('refuses bad input with a clear error and writes nothing', async () => {
      const base = { requestType: 'access', email: 'bad-input@example.com' };
      const cases: [Record<string, unknown>, string, Caller?][] = [
        [{ ...base, requestType: 'delete' }, `requestType must be one of ${TYPES.join(', ')}`],
        [{ ...base, requestType: '' }, `requestType must be one of ${TYPES.join(', ')}`],
        [{ ...base, email: 'not-an-email' }, 'email is not an email address'],
        [
          { ...base, email: undefined, phone: '12' },
          'phone must be a phone number (6 to 15 digits, E.164 with a leading + preferred)',
        ],
        [
          { ...base, email: undefined },
          'give an email or a phone number: the data controller needs one to identify you and to answer',
        ],
        [
          { ...base, email: undefined },
          'give an email or a phone number: the data controller needs one to identify you and to answer',
          { token: owner.token },
        ],
        [{ ...base, country: 'Germany' }, 'country must be an ISO 3166 country code, e.g. DE or US'],
        [{ ...base, displayName: 'x'.repeat(201) }, 'displayName must be at most 200 characters'],
        [{ ...base, notes: 'x'.repeat(5001) }, 'notes must be at most 5000 characters'],
      ];
      const before = await counts(controllerId);
      for (const [input, message, caller] of cases) {
        const response = await submit(input, caller);
        assert.equal(response.status, 200, message);
        assert.deepEqual(response.body, refusal(message, 'validation-failed'), message);
      }
      // Not a uuid, or no requestType at all: GraphQL's own errors, never a 500.
      const notUuid = await submit({ ...base, dataControllerId: 'not-a-uuid' });
      assert.equal(notUuid.status, 200);
      assert.equal(notUuid.body.errors[0].extensions.code, 'data-exception');
      const missing = await submit({ email: 'bad-input@example.com' });
      assert.equal(missing.status, 200);
      assert.equal(missing.body.errors[0].extensions.code, 'validation-failed');
      assert.deepEqual(await counts(controllerId), before);
      assert.ok(!server.logs().includes('bad-input@example.com'));
    });
  });

  describe('rights services', () => {
    let servicesOrg: { controllerId: string; owner: Member };

    before(async () => {
      servicesOrg = await server.newController('Services Org');
      await server.gqlData(
        'mutation($c: uuid!) { insertRightsServices(objects: [{dataControllerId: $c, requestType: "access"}, {dataControllerId: $c, requestType: "export"}, {dataControllerId: $c, requestType: "erasure", enabled: false}]) { affected_rows } }',
        { c: servicesOrg.controllerId },
        { token: servicesOrg.owner.token },
      );
    });

    it('refuses a type the controller has disabled or not enabled, naming what it accepts; accepts an enabled one', async () => {
      const before = await counts(servicesOrg.controllerId);
      for (const requestType of ['erasure', 'noSale']) {
        const response = await submit({
          dataControllerId: servicesOrg.controllerId,
          requestType,
          email: 'services@example.com',
        });
        assert.deepEqual(
          response.body,
          refusal(
            `this data controller does not accept ${requestType} requests: it accepts access, export`,
            'validation-failed',
          ),
        );
      }
      assert.deepEqual(await counts(servicesOrg.controllerId), before);
      const accepted = await submitted({
        dataControllerId: servicesOrg.controllerId,
        requestType: 'export',
        email: 'services@example.com',
      });
      assert.equal(accepted.status, 'submitted');
    });

    it('holds for a data subject inserting its own request through GraphQL, not for a request a member records', async () => {
      const subjectId = await server.createSubject({ token: servicesOrg.owner.token }, servicesOrg.controllerId, {
        email: 'direct@example.com',
      });
      const insert =
        'mutation($t: String!) { insertDataSubjectsRightsRequest(object: {requestType: $t}) { id channel } }';
      const before = await counts(servicesOrg.controllerId);
      const refused = await server.gql(insert, { t: 'erasure' }, asSubject(subjectId));
      assert.equal(refused.body.errors[0].extensions.code, 'constraint-violation');
      assert.match(refused.body.errors[0].message, /the data controller does not accept erasure requests/);
      assert.deepEqual(await counts(servicesOrg.controllerId), before);
      const allowed = await server.gqlData(insert, { t: 'access' }, asSubject(subjectId));
      assert.equal(allowed.insertDataSubjectsRightsRequest.channel, 'form');

      // A member records an erasure request received by email: a right exercised must be answered.
      const recorded = await server.gqlData(
        'mutation($s: uuid!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "erasure"}) { status channel } }',
        { s: subjectId },
        { token: servicesOrg.owner.token },
      );
      assert.deepEqual(recorded.insertDataSubjectsRightsRequest, { status: 'submitted', channel: 'api' });
    });
  });

  describe('workflow', () => {
    const _events = async (id: string) =>
      (await read(id)).events as {
        fromStatus: string | null;
        toStatus: string;
        actorRole: string;
        actorUserId: string | null;
      }[];

    it('submitted → identityVerified → inProgress → completed, each transition audited in order with its actor', async () => {
      const requestId = await fileRequest('rectify', { email: 'workflow@example.com' });
      for (const status of ['identityVerified', 'inProgress', 'completed']) {
        const response = await setStatus(requestId, status);
        assert.deepEqual(
          response.body,
          { data: { updateDataSubjectsRightsRequest: { id: requestId, status } } },
          status,
        );
      }
      const stored = await read(requestId);
      assert.equal(stored.identityVerification, 'verified');
      assert.ok(stored.completedAt && Date.parse(stored.completedAt) >= Date.parse(stored.createdAt));
      assert.deepEqual(stored.events, [
        { fromStatus: null, toStatus: 'submitted', actorRole: 'anonymous', actorUserId: null },
        { fromStatus: 'submitted', toStatus: 'identityVerified', actorRole: 'user', actorUserId: dpo.userId },
        { fromStatus: 'identityVerified', toStatus: 'inProgress', actorRole: 'user', actorUserId: dpo.userId },
        { fromStatus: 'inProgress', toStatus: 'completed', actorRole: 'user', actorUserId: dpo.userId },
      ]);
    });

    it('an open request may be rejected at any step, and the rejection is audited', async () => {
      for (const path of [[], ['identityVerified'], ['identityVerified', 'inProgress']]) {
        const requestId = await fileRequest('object', { email: 'rejected@example.com' });
        for (const status of [...path, 'rejected'])
          assert.ok(!(await setStatus(requestId, status, { token: owner.token })).body.errors, status);
        const stored = await read(requestId);
        assert.equal(stored.status, 'rejected');
        assert.notEqual(stored.completedAt, null);
        const statuses = ['submitted', ...path, 'rejected'];
        assert.deepEqual(
          stored.events,
          statuses.map((toStatus, i) => ({
            fromStatus: i === 0 ? null : statuses[i - 1],
            toStatus,
            actorRole: i === 0 ? 'anonymous' : 'user',
            actorUserId: i === 0 ? null : owner.userId,
          })),
        );
      }
    });

    it('refuses an illegal transition, naming the allowed next statuses, and changes nothing', async () => {
      const requestId = await fileRequest('access', { email: 'illegal@example.com' });
      const cases: [string[], string, string][] = [
        [
          [],
          'completed',
          'illegal rights request transition from submitted to completed: the next status may be identityVerified or rejected',
        ],
        [
          [],
          'inProgress',
          'illegal rights request transition from submitted to inProgress: the next status may be identityVerified or rejected',
        ],
        [
          ['identityVerified'],
          'submitted',
          'illegal rights request transition from identityVerified to submitted: the next status may be inProgress or rejected',
        ],
        [
          ['inProgress'],
          'identityVerified',
          'illegal rights request transition from inProgress to identityVerified: the next status may be completed or rejected',
        ],
        [
          ['completed'],
          'inProgress',
          'illegal rights request transition from completed to inProgress: the request is closed',
        ],
        [[], 'rejected', 'illegal rights request transition from completed to rejected: the request is closed'],
      ];
      for (const [steps, status, message] of cases) {
        for (const step of steps) assert.ok(!(await setStatus(requestId, step)).body.errors, step);
        const before = await read(requestId);
        const response = await setStatus(requestId, status);
        assert.equal(response.status, 200);
        assert.deepEqual(
          response.body.errors?.map((e: { message: string; extensions: { code: string } }) => [
            e.message,
            e.extensions.code,
          ]),
          [[`Check constraint violation. ${message}`, 'constraint-violation']],
          status,
        );
        assert.deepEqual(await read(requestId), before, `nothing changed after ${status}`);
      }
      // Not a status at all: refused by the column's check.
      const unknown = await setStatus(requestId, 'archived');
      assert.equal(unknown.body.errors[0].extensions.code, 'constraint-violation');
    });

    it('what was filed cannot be changed: requestType, dueAt and jurisdiction are not updatable, even by the admin', async () => {
      const requestId = await fileRequest('access', { email: 'fixed@example.com', country: 'DE' });
      const before = await read(requestId);
      for (const set of [
        '{requestType: "erasure"}',
        '{dueAt: "2099-01-01T00:00:00Z"}',
        '{jurisdiction: "CCPA"}',
        '{createdAt: "2000-01-01T00:00:00Z"}',
      ]) {
        const response = await server.gql(
          `mutation($id: uuid!) { updateDataSubjectsRightsRequest(pk_columns: {id: $id}, _set: ${set}) { id } }`,
          { id: requestId },
          { token: owner.token },
        );
        assert.equal(response.body.errors[0].extensions.code, 'validation-failed', set);
      }
      assert.deepEqual(await read(requestId), before);
      // The admin may name every column; the filing stays as filed all the same.
      const forced = await server.gqlData(
        'mutation($id: uuid!) { updateDataSubjectsRightsRequest(pk_columns: {id: $id}, _set: {requestType: "erasure", dueAt: "2099-01-01T00:00:00Z", jurisdiction: "CCPA", notes: "admin note"}) { requestType dueAt jurisdiction notes } }',
        { id: requestId },
        admin,
      );
      assert.deepEqual(forced.updateDataSubjectsRightsRequest, {
        requestType: 'access',
        dueAt: before.dueAt,
        jurisdiction: 'GDPR',
        notes: 'admin note',
      });
    });

    it('a member who may only view privacy cannot move a request', async () => {
      const auditor = await server.memberWithRole(controllerId, 'auditor');
      const requestId = await fileRequest('access', { email: 'auditor-view@example.com' });
      const before = await read(requestId);
      // Neither the auditor nor another controller's owner matches the update's row filter: no row, nothing changed.
      for (const token of [auditor.token, other.owner.token]) {
        const response = await setStatus(requestId, 'identityVerified', { token });
        assert.deepEqual(response.body, { data: { updateDataSubjectsRightsRequest: null } });
      }
      assert.deepEqual(await read(requestId), before);
    });

    it('completing an erasure request erases the subject: erasedAt set, no personal data left to export', async () => {
      const requestId = await fileRequest('erasure', {
        email: 'forget-me@example.com',
        displayName: 'Forget Me',
        country: 'FR',
        notes: 'I am Forget Me, please delete my account',
      });
      const { dataSubjectId } = await read(requestId);
      const NOTES = 'query($r: uuid!) { dataSubjectsRightsRequest(id: $r) { notes } }';
      assert.equal(
        (await server.gqlField(NOTES, { r: requestId }, { token: owner.token })).notes,
        'I am Forget Me, please delete my account',
      );
      const EXPORT = 'mutation($s: uuid!) { exportDataSubjectData(dataSubjectId: $s) { data { content } } }';
      const exported = async () =>
        JSON.parse((await server.gqlField(EXPORT, { s: dataSubjectId }, { token: owner.token })).data.content);

      const held = await exported();
      assert.equal(held.dataSubject.erasedAt, null);
      assert.deepEqual(
        held.personalData.map((p: { event: string; data: unknown }) => [p.event, p.data]),
        [['rightsRequest.submitted', { email: 'forget-me@example.com', displayName: 'Forget Me', country: 'FR' }]],
      );

      for (const status of ['identityVerified', 'inProgress'])
        assert.ok(!(await setStatus(requestId, status)).body.errors);
      assert.equal(
        (
          await server.gqlField(
            'query($s: uuid!) { dataSubject(id: $s) { erasedAt } }',
            { s: dataSubjectId },
            { token: owner.token },
          )
        ).erasedAt,
        null,
        'not before completion',
      );
      assert.ok(!(await setStatus(requestId, 'completed')).body.errors);

      const subject = await server.gqlField(
        'query($s: uuid!) { dataSubject(id: $s) { erasedAt identifiers { kind } } }',
        { s: dataSubjectId },
        { token: owner.token },
      );
      assert.notEqual(subject.erasedAt, null);
      assert.deepEqual(subject.identifiers, []);
      const after = await exported();
      assert.equal(after.dataSubject.erasedAt, subject.erasedAt);
      assert.deepEqual(after.personalData, []);
      // The request itself stays, completed: the proof that the right was honoured; its free text goes.
      assert.equal((await read(requestId)).status, 'completed');
      assert.equal((await server.gqlField(NOTES, { r: requestId }, { token: owner.token })).notes, null);
    });
  });

  describe('overdue and report', () => {
    let reportOrg: { controllerId: string; owner: Member };
    /** Files a request as the admin, backdated: the deadline runs from createdAt. */
    const backdated = async (subjectId: string, requestType: string, daysAgo: number) =>
      (await server.gqlField(
        'mutation($s: uuid!, $t: String!, $at: timestamptz!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: $t, createdAt: $at}) { id dueAt } }',
        { s: subjectId, t: requestType, at: new Date(Date.now() - daysAgo * DAY).toISOString() },
        admin,
      )) as { id: string; dueAt: string };

    let overdue: { id: string; dueAt: string };
    before(async () => {
      reportOrg = await server.newController('Report Org');
      const owner = { token: reportOrg.owner.token };
      const gdpr = await server.createSubject(owner, reportOrg.controllerId, {
        email: 'report-gdpr@example.com',
        country: 'DE',
      });
      const ccpa = await server.createSubject(owner, reportOrg.controllerId, {
        email: 'report-ccpa@example.com',
        country: 'US',
      });
      overdue = await backdated(gdpr, 'access', 40); // due 10 days ago
      await backdated(gdpr, 'erasure', 25); // due in 5 days
      await backdated(ccpa, 'access', 40); // CCPA: due in 5 days
      const closedOverdue = await backdated(gdpr, 'rectify', 50); // overdue but completed below
      const rejected = await backdated(ccpa, 'noSale', 1);
      await backdated(ccpa, 'export', 0); // due in 45 days
      for (const status of ['identityVerified', 'inProgress', 'completed'])
        await server.gqlData(SET_STATUS, { id: closedOverdue.id, status }, owner);
      await server.gqlData(SET_STATUS, { id: rejected.id, status: 'rejected' }, owner);
      await server.gqlData(SET_STATUS, { id: overdue.id, status: 'identityVerified' }, owner);
    });

    it('overdue is a where on dueAt over the open statuses', async () => {
      const list = await server.gqlData(
        `query($c: uuid!, $now: timestamptz!) {
          dataSubjectsRightsRequests(where: {dataControllerId: {_eq: $c}, dueAt: {_lt: $now}, status: {_nin: ["completed", "rejected"]}}) { id status dueAt }
        }`,
        { c: reportOrg.controllerId, now: new Date().toISOString() },
        { token: reportOrg.owner.token },
      );
      assert.deepEqual(list.dataSubjectsRightsRequests, [
        { id: overdue.id, status: 'identityVerified', dueAt: overdue.dueAt },
      ]);
    });

    it('reportDataSubjectsRightsRequests counts by status and type, open, overdue, due within 7 days and completed in the last 30 days', async () => {
      const response = await server.gql(REPORT, { id: reportOrg.controllerId }, { token: reportOrg.owner.token });
      assert.deepEqual(response.body, {
        data: {
          reportDataSubjectsRightsRequests: {
            status: 'success',
            message: 'reportDataSubjectsRightsRequests',
            data: {
              total: 6,
              byStatus: { submitted: 3, identityVerified: 1, inProgress: 0, completed: 1, rejected: 1 },
              byType: {
                access: 2,
                rectify: 1,
                erasure: 1,
                restrict: 0,
                export: 1,
                object: 0,
                noSale: 1,
                noTrack: 0,
                noProfile: 0,
                other: 0,
              },
              open: 4,
              overdue: 1,
              dueWithin7Days: 2,
              completedLast30Days: 1,
            },
          },
        },
      });
    });

    it('reports to any member who may view privacy (an auditor), and to nobody else', async () => {
      const auditor = await server.memberWithRole(reportOrg.controllerId, 'auditor');
      const seen = await server.gqlData(REPORT, { id: reportOrg.controllerId }, { token: auditor.token });
      assert.equal(seen.reportDataSubjectsRightsRequests.data.total, 6);
      const notFound = graphqlError(
        'data controller not found',
        'not-found',
        '$.selectionSet.reportDataSubjectsRightsRequests',
      );
      const developer = await server.memberWithRole(reportOrg.controllerId, 'developer');
      for (const token of [developer.token, owner.token])
        assert.deepEqual((await server.gql(REPORT, { id: reportOrg.controllerId }, { token })).body, notFound);
      const anonymous = await server.gql(REPORT, { id: reportOrg.controllerId });
      assert.equal(
        anonymous.body.errors[0].message,
        "field 'reportDataSubjectsRightsRequests' not found in type: 'query_root'",
      );
    });

    it('an empty controller reports zeros for every status and type', async () => {
      const empty = await server.newController('Empty Org');
      const report = (await server.gqlField(REPORT, { id: empty.controllerId }, { token: empty.owner.token })).data;
      assert.deepEqual(report, {
        total: 0,
        byStatus: { submitted: 0, identityVerified: 0, inProgress: 0, completed: 0, rejected: 0 },
        byType: Object.fromEntries(TYPES.map((t) => [t, 0])),
        open: 0,
        overdue: 0,
        dueWithin7Days: 0,
        completedLast30Days: 0,
      });
    });
  });
});
