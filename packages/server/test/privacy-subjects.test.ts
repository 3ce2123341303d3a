import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { asSubject, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite } from './helpers/suite.js';

/**
 * Data subjects: createDataSubject resolves the same person to one subject whatever the spelling
 * of its identifiers, refuses bad input without writing, records a processing activity per
 * ingestion; DIDs and jurisdictions; export (JSON, CSV) and erasure (crypto-shredding).
 */

const CREATE =
  'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId message } }';
const EXPORT =
  'mutation($id: uuid!, $f: String!) { exportDataSubjectData(dataSubjectId: $id, format: $f) { status message data { dataSubjectId format contentType content } } }';
const ERASE =
  'mutation($id: uuid!) { eraseDataSubject(dataSubjectId: $id) { status message data { dataSubjectId erasedAt } } }';
const CREATED = 'Data subject created';
const RETURNING = 'Data subject already registered: the new data was added to it';

describe('privacy: data subjects', () => {
  const server = forSuite(() => startPrivacyServer());
  let owner: Member;
  let controllerId: string;
  let other: { controllerId: string; owner: Member };

  const asOwner = (): Caller => ({ token: owner.token });
  const create = (payload: unknown, caller: Caller = asOwner(), controller = controllerId, event = 'signup') =>
    server.gql(CREATE, { input: { event, dataControllerId: controller, payload } }, caller);
  /** createDataSubject that must work: [id, message]. */
  async function created(payload: unknown, event = 'signup'): Promise<[string, string]> {
    const response = await create(payload, asOwner(), controllerId, event);
    assert.equal(response.body.errors, undefined, response.text);
    return [response.body.data.createDataSubject.dataSubjectId, response.body.data.createDataSubject.message];
  }

  /** Row counts of everything an ingestion writes (direct SQL: the privacy schema is not in the API). */
  type Counts = Record<'subjects' | 'identifiers' | 'personal_data' | 'subject_keys' | 'activities', number>;
  async function counts(): Promise<Counts> {
    const [row] = await server.pavise.db.query<Counts>(
      `SELECT (SELECT count(*)::int FROM public.data_subjects) AS subjects,
              (SELECT count(*)::int FROM public.data_subject_identifiers) AS identifiers,
              (SELECT count(*)::int FROM privacy.personal_data) AS personal_data,
              (SELECT count(*)::int FROM privacy.data_subject_keys) AS subject_keys,
              (SELECT count(*)::int FROM public.data_processing_activities) AS activities`,
    );
    return row!;
  }

  async function exported(subjectId: string, format: 'json' | 'csv', caller: Caller = asOwner()) {
    const data = await server.gqlData(EXPORT, { id: subjectId, f: format }, caller);
    return data.exportDataSubjectData;
  }

  before(async () => {
    ({ controllerId, owner } = await server.newController('Subjects Ltd'));
    other = await server.newController('Elsewhere Ltd');
    // The other tenant has ingested: the server knows its keys (the fast path must still refuse outsiders).
    await server.createSubject({ token: other.owner.token }, other.controllerId, {
      email: 'their.customer@example.com',
    });
  });

  describe('createDataSubject', () => {
    it('resolves the same person to one subject however its identifiers are written', async () => {
      const [ada, first] = await created({ email: 'Ada.Lovelace@Example.com', displayName: 'Ada Lovelace' });
      assert.equal(first, CREATED);
      assert.deepEqual(await created({ email: '  ada.lovelace@example.COM ' }), [ada, RETURNING]);

      const [caller] = await created({ phone: '+44 20 7946 0958' });
      assert.notEqual(caller, ada);
      assert.deepEqual(await created({ phone: '0044 (20) 7946-0958' }), [caller, RETURNING]);
      assert.deepEqual(await created({ phone: '+442079460958' }), [caller, RETURNING]);
      assert.deepEqual(await created({ phone: '+44 (0)20 7946 0958' }), [caller, RETURNING]);

      const [customer] = await created({ externalId: 'crm-0001' });
      assert.deepEqual(await created({ externalId: ' crm-0001 ' }), [customer, RETURNING]);

      // A second identifier joins the subject: the phone now finds Ada as well.
      assert.deepEqual(await created({ email: 'ada.lovelace@example.com', phone: '+1 (555) 010-0123' }), [
        ada,
        RETURNING,
      ]);
      assert.deepEqual(await created({ phone: '+15550100123' }), [ada, RETURNING]);
      const identifiers = await server.gqlData(
        'query($s: uuid!) { dataSubjectIdentifiers(where: {dataSubjectId: {_eq: $s}}, order_by: {kind: asc}) { kind } }',
        { s: ada },
        asOwner(),
      );
      assert.deepEqual(identifiers.dataSubjectIdentifiers, [{ kind: 'email' }, { kind: 'phone' }]);

      // Two different people are two subjects.
      const [grace] = await created({ email: 'grace.hopper@example.com', displayName: 'Grace Hopper' });
      assert.equal(new Set([ada, caller, customer, grace]).size, 4);
      const subjects = await server.gqlData(
        'query($c: uuid!) { dataSubjectsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
        { c: controllerId },
        asOwner(),
      );
      assert.equal(subjects.dataSubjectsAggregate.aggregate.count, 4);
    });

    it('16 concurrent registrations of the same new person make exactly one subject', async () => {
      const start = await counts();
      const responses = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          create({ email: i % 2 ? 'Race@Example.com' : 'race@example.com ', attempt: i }),
        ),
      );
      for (const response of responses) assert.equal(response.body.errors, undefined, response.text);
      const ids = new Set(responses.map((r) => r.body.data.createDataSubject.dataSubjectId));
      assert.equal(ids.size, 1);
      assert.deepEqual(responses.map((r) => r.body.data.createDataSubject.message).sort(), [
        ...Array(15).fill(RETURNING),
        CREATED,
      ]);
      const end = await counts();
      assert.deepEqual(
        {
          subjects: end.subjects - start.subjects,
          identifiers: end.identifiers - start.identifiers,
          personal_data: end.personal_data - start.personal_data,
          subject_keys: end.subject_keys - start.subject_keys,
          activities: end.activities - start.activities,
        },
        { subjects: 1, identifiers: 1, personal_data: 16, subject_keys: 1, activities: 16 },
      );
    });

    it('refuses bad input and outsiders with a clear error, writing nothing', async () => {
      const EVENT_ERROR = 'event must be a name of at most 100 characters (letters, digits, . _ : -), e.g. "signup"';
      const error = (message: string, code = 'validation-failed') =>
        graphqlError(message, code, '$.selectionSet.createDataSubject');
      const start = await counts();
      const cases: Array<[string, Promise<Awaited<ReturnType<typeof create>>>, unknown]> = [
        [
          'no identifier',
          create({ displayName: 'Nobody', country: 'DE' }),
          error('payload needs at least one identifier: email, phone or externalId'),
        ],
        [
          'no payload',
          create(null),
          error('payload must be an object, e.g. {"email": "...", "displayName": "...", "country": "US"}'),
        ],
        [
          'payload a string',
          create('ada@example.com'),
          error('payload must be an object, e.g. {"email": "...", "displayName": "...", "country": "US"}'),
        ],
        [
          'payload an array',
          create([{ email: 'ada@example.com' }]),
          error('payload must be an object, e.g. {"email": "...", "displayName": "...", "country": "US"}'),
        ],
        [
          'bad email',
          create({ email: 'ada at example dot com', displayName: 'Ada' }),
          error('payload.email: email is not an email address'),
        ],
        ['email not a string', create({ email: 42 }), error('payload.email: email must be a string')],
        [
          'bad phone',
          create({ phone: '12-ab', email: 'valid@example.com' }),
          error('payload.phone: phone must be a phone number (6 to 15 digits, E.164 with a leading + preferred)'),
        ],
        ['empty event', create({ email: 'valid@example.com' }, asOwner(), controllerId, '  '), error(EVENT_ERROR)],
        // The event and field names are stored in clear: free text there could carry personal data.
        [
          'an e-mail as the event',
          create({ email: 'valid@example.com' }, asOwner(), controllerId, 'signup ada@example.com'),
          error(EVENT_ERROR),
        ],
        [
          'a field name that is not a name',
          create({ email: 'valid@example.com', 'Ada Lovelace': true }),
          error('payload field names must be identifiers (letters, digits and _, at most 64 characters)'),
        ],
        [
          'unknown controller',
          create({ email: 'valid@example.com' }, asOwner(), '00000000-0000-4000-8000-000000000000'),
          error('data controller not found', 'not-found'),
        ],
        [
          "another tenant's controller",
          create({ email: 'valid@example.com' }, asOwner(), other.controllerId),
          error('data controller not found', 'not-found'),
        ],
      ];
      for (const [label, pending, expected] of cases) {
        const response = await pending;
        assert.equal(response.status, 200, label);
        assert.deepEqual(response.body, expected, label);
      }
      // Members that may not manage privacy (developer, auditor) are outsiders too.
      for (const role of ['developer', 'auditor']) {
        const member = await server.memberWithRole(controllerId, role);
        assert.deepEqual(
          (await create({ email: 'valid@example.com' }, { token: member.token })).body,
          error('data controller not found', 'not-found'),
          role,
        );
      }
      assert.deepEqual(await counts(), start);
    });

    it('records a processing activity per ingestion naming the payload fields, never their values', async () => {
      const email = 'activity.subject@example.com';
      const [subjectId] = await created(
        { email, displayName: 'Activity Person', country: 'DE', plan: 'platinum-tier-x9' },
        'signup',
      );
      await created(
        { email: email.toUpperCase(), newsletter: true, displayName: 'Activity P. Person' },
        'profile.updated',
      );
      const data = await server.gqlData(
        'query($s: uuid!) { dataProcessingActivities(where: {dataSubjectId: {_eq: $s}}, order_by: {createdAt: asc}) { activityType event dataFields source dataControllerId } }',
        { s: subjectId },
        asOwner(),
      );
      assert.deepEqual(data.dataProcessingActivities, [
        {
          activityType: 'collection',
          event: 'signup',
          dataFields: ['country', 'displayName', 'email', 'plan'],
          source: 'api',
          dataControllerId: controllerId,
        },
        {
          activityType: 'profileUpdate',
          event: 'profile.updated',
          dataFields: ['displayName', 'email', 'newsletter'],
          source: 'api',
          dataControllerId: controllerId,
        },
      ]);
      const [row] = await server.pavise.db.query<{ text: string }>(
        'SELECT json_agg(a)::text AS text FROM public.data_processing_activities a WHERE data_subject_id = $1',
        [subjectId],
      );
      for (const value of [email, email.toUpperCase(), 'Activity Person', 'Activity P. Person', 'platinum-tier-x9'])
        assert.ok(!row!.text.includes(value), value);
    });
  });

  describe('DIDs and jurisdiction', () => {
    it('a created subject has did:dep: + SHA3-256 of its id; generateDataSubjectDID answers {status, message, data}', async () => {
      const [subjectId] = await created({ email: 'did.subject@example.com' });
      const did = `did:dep:${createHash('sha3-256').update(subjectId).digest('hex')}`;
      const read = await server.gqlData(
        'query($id: uuid!) { dataSubject(id: $id) { id did dataController { id title } } }',
        { id: subjectId },
        asOwner(),
      );
      assert.deepEqual(read.dataSubject, {
        id: subjectId,
        did,
        dataController: { id: controllerId, title: 'Subjects Ltd' },
      });

      await server.pavise.db.query('UPDATE public.data_subjects SET did = NULL WHERE id = $1', [subjectId]);
      const generate =
        'mutation($id: uuid!) { generateDataSubjectDID(dataSubjectId: $id) { status message data { dataSubjectId did } } }';
      assert.deepEqual((await server.gql(generate, { id: subjectId }, asOwner())).body, {
        data: {
          generateDataSubjectDID: {
            status: 'success',
            message: 'generateDataSubjectDID',
            data: { dataSubjectId: subjectId, did },
          },
        },
      });
      assert.equal(
        (await server.gqlField('query($id: uuid!) { dataSubject(id: $id) { did } }', { id: subjectId }, asOwner())).did,
        did,
      );
      // Another tenant cannot touch it.
      const refused = await server.gql(generate, { id: subjectId }, { token: other.owner.token });
      assert.deepEqual(refused.body.errors, [
        {
          message: 'data subject not found',
          extensions: { path: '$.selectionSet.generateDataSubjectDID', code: 'not-found' },
        },
      ]);
    });

    it('takes the jurisdiction from the country (DE → GDPR, US → CCPA), else the controller default', async () => {
      const { controllerId: regional, owner: regionalOwner } = await server.newController('Regional Inc');
      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {defaultJurisdiction: "OTHER"}) { id } }',
        { id: regional },
        { token: regionalOwner.token },
      );
      const jurisdictionOf = async (payload: Record<string, unknown>) => {
        const id = await server.createSubject({ token: regionalOwner.token }, regional, payload);
        return (
          await server.gqlField(
            'query($id: uuid!) { dataSubject(id: $id) { jurisdiction } }',
            { id },
            { token: regionalOwner.token },
          )
        ).jurisdiction;
      };
      assert.equal(await jurisdictionOf({ email: 'de@example.com', country: 'DE' }), 'GDPR');
      assert.equal(await jurisdictionOf({ email: 'fr@example.com', country: ' fr ' }), 'GDPR');
      assert.equal(await jurisdictionOf({ email: 'us@example.com', country: 'US' }), 'CCPA');
      assert.equal(await jurisdictionOf({ email: 'jp@example.com', country: 'JP' }), 'OTHER');
      assert.equal(await jurisdictionOf({ email: 'none@example.com' }), 'OTHER');
      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {defaultJurisdiction: "CCPA"}) { id } }',
        { id: regional },
        { token: regionalOwner.token },
      );
      assert.equal(await jurisdictionOf({ email: 'br@example.com', country: 'BR' }), 'CCPA');
    });
  });

  describe('export and erasure', () => {
    const person = { email: 'Zed.Quist@Example.org', phone: '+49 30 1234 5678', displayName: 'Zedekiah Quist' };
    let subjectId: string;
    let requestId: string;

    before(async () => {
      [subjectId] = await created({ ...person, country: 'DE' }, 'signup');
      await created({ email: person.email, address: '7 Quist Lane, Berlin' }, 'profile.updated');
      // A consent (through the banner: a third ingestion) and a rights request.
      const purposeId = await server.insertPurpose(asOwner(), {
        dataControllerId: controllerId,
        name: 'Product updates',
      });
      const consentFormId = await server.insertConsentForm(
        asOwner(),
        { dataControllerId: controllerId, name: 'Updates', status: 'approved' },
        [purposeId],
      );
      await server.gqlData('mutation($input: CaptureConsentInput!) { captureConsent(input: $input) { status } }', {
        input: {
          dataControllerId: controllerId,
          consentFormId,
          email: person.email,
          choices: [{ purposeId, value: 'granted' }],
        },
      });
      const request = await server.gqlData(
        'mutation($o: dataSubjectsRightsRequests_insert_input!) { insertDataSubjectsRightsRequest(object: $o) { id } }',
        { o: { dataControllerId: controllerId, dataSubjectId: subjectId, requestType: 'access' } },
        asOwner(),
      );
      requestId = request.insertDataSubjectsRightsRequest.id;
    });

    it('exports everything held, personal data decrypted, as JSON and CSV', async () => {
      const json = await exported(subjectId, 'json');
      assert.deepEqual(
        {
          status: json.status,
          message: json.message,
          dataSubjectId: json.data.dataSubjectId,
          format: json.data.format,
          contentType: json.data.contentType,
        },
        {
          status: 'success',
          message: 'exportDataSubjectData',
          dataSubjectId: subjectId,
          format: 'json',
          contentType: 'application/json',
        },
      );
      const data = JSON.parse(json.data.content);
      assert.deepEqual(data.dataSubject, {
        id: subjectId,
        did: `did:dep:${createHash('sha3-256').update(subjectId).digest('hex')}`,
        dataControllerId: controllerId,
        jurisdiction: 'GDPR',
        createdAt: data.dataSubject.createdAt,
        erasedAt: null,
      });
      assert.deepEqual(
        data.personalData.map((p: any) => ({ event: p.event, data: p.data })),
        [
          { event: 'signup', data: { ...person, country: 'DE' } },
          { event: 'profile.updated', data: { email: person.email, address: '7 Quist Lane, Berlin' } },
          { event: 'consent.captured', data: { email: person.email } },
        ],
      );
      assert.deepEqual(data.identifiers.map((i: any) => i.kind).sort(), ['email', 'phone']);
      assert.deepEqual(
        data.consents.map((c: any) => ({ consentForm: c.consentForm, purpose: c.purpose, value: c.value })),
        [{ consentForm: 'Updates', purpose: 'Product updates', value: 'granted' }],
      );
      assert.deepEqual(
        data.consentHistory.map((h: any) => `${h.action} ${h.newValue}`),
        ['grant granted'],
      );
      assert.deepEqual(
        data.rightsRequests.map((r: any) => ({ id: r.id, requestType: r.requestType, status: r.status })),
        [{ id: requestId, requestType: 'access', status: 'submitted' }],
      );
      const activities = data.processingActivities.map((a: any) => `${a.activityType} ${a.event}`);
      for (const expected of [
        'collection signup',
        'profileUpdate profile.updated',
        'profileUpdate consent.captured',
        'consentChange consent.grant',
        'rightsRequest rightsRequest.access.submitted',
      ]) {
        assert.ok(activities.includes(expected), `${expected} in ${activities.join(', ')}`);
      }

      const csv = await exported(subjectId, 'csv');
      assert.equal(csv.data.contentType, 'text/csv');
      const lines = csv.data.content.split('\r\n');
      assert.equal(lines[0], 'section,index,field,value');
      for (const line of [
        `dataSubject,0,id,${subjectId}`,
        `personalData,0,data.email,${person.email}`,
        `personalData,0,data.phone,'${person.phone}`,
        `personalData,0,data.displayName,${person.displayName}`,
        'personalData,1,data.address,"7 Quist Lane, Berlin"',
        'personalData,2,event,consent.captured',
        'consents,0,value,granted',
        'rightsRequests,0,requestType,access',
        `rightsRequests,0,id,${requestId}`,
      ]) {
        assert.ok(lines.includes(line), `${line} in the CSV`);
      }
      assert.ok(
        lines.some(
          (line: string) =>
            line.startsWith('processingActivities,') && line.endsWith(',rightsRequest.access.submitted'),
        ),
      );
    });

    it('the subject exports itself, but no other subject', async () => {
      const own = JSON.parse((await exported(subjectId, 'json', asSubject(subjectId))).data.content);
      assert.equal(own.dataSubject.id, subjectId);
      assert.equal(own.personalData[0].data.email, person.email);
      const [someoneElse] = await created({ email: 'someone.else@example.com' });
      for (const [caller, id] of [
        [asSubject(subjectId), someoneElse],
        [asSubject(someoneElse), subjectId],
        [{ token: other.owner.token }, subjectId],
      ] as const) {
        const refused = await server.gql(EXPORT, { id, f: 'json' }, caller);
        assert.deepEqual(
          refused.body,
          graphqlError('data subject not found', 'not-found', '$.selectionSet.exportDataSubjectData'),
        );
      }
      const bad = await server.gql(EXPORT, { id: subjectId, f: 'xml' }, asOwner());
      assert.deepEqual(bad.body.errors, [
        {
          message: 'format must be "json" or "csv"',
          extensions: { path: '$.selectionSet.exportDataSubjectData', code: 'validation-failed' },
        },
      ]);
    });

    it('erasure leaves no personal data in the export, and the same person arriving again is a new subject', async () => {
      const response = await server.gql(ERASE, { id: subjectId }, asOwner());
      assert.equal(response.body.errors, undefined, response.text);
      const { erasedAt } = response.body.data.eraseDataSubject.data;
      assert.deepEqual(response.body.data.eraseDataSubject, {
        status: 'success',
        message: 'eraseDataSubject',
        data: { dataSubjectId: subjectId, erasedAt },
      });
      assert.ok(Date.parse(erasedAt) > Date.now() - 60_000);

      const json = (await exported(subjectId, 'json')).data.content as string;
      const data = JSON.parse(json);
      assert.deepEqual(data.personalData, []);
      assert.deepEqual(data.identifiers, []);
      assert.equal(Date.parse(data.dataSubject.erasedAt), Date.parse(erasedAt));
      assert.ok(
        data.processingActivities.some((a: any) => a.activityType === 'erasure' && a.event === 'dataSubject.erased'),
      );
      const csv = (await exported(subjectId, 'csv')).data.content as string;
      for (const text of [json, csv]) {
        for (const value of [
          person.email,
          person.email.toLowerCase(),
          person.phone,
          person.phone.replace(/\s/g, ''),
          person.displayName,
          'Quist',
        ]) {
          assert.ok(!text.toLowerCase().includes(value.toLowerCase()), `${value} is still in the export`);
        }
      }

      const [again, message] = await created({ email: person.email.toLowerCase() });
      assert.notEqual(again, subjectId);
      assert.equal(message, CREATED);
    });
  });
});
