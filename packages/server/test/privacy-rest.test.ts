import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { graphqlError } from './helpers/http.js';
import { admin, asSubject, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite } from './helpers/suite.js';

/**
 * The privacy REST endpoints of docs/contracts.md §5 over HTTP: the two documented curls
 * run as printed (only host, token and id replaced), and every endpoint answers a member with
 * its controller's rows and never another controller's.
 */

// The Dxtra API overview's curls (docs/contracts.md §5), verbatim.
const CURL_DETAILS = `curl -H "Authorization: Bearer YOUR_JWT_TOKEN" -H "X-Hasura-Role: user" \\
  "https://api.dxtra.ai/api/rest/getdatacontrollerdetails"`;
const CURL_INSERT = `curl -X POST -H "Authorization: Bearer YOUR_JWT_TOKEN" -H "Content-Type: application/json" \\
  -d '{"dataSubjectId": "uuid", "requestType": "access"}' \\
  "https://api.dxtra.ai/api/rest/insertdatasubjectsrightsrequest"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

/** One tenant's controller and the rows of each kind an endpoint returns. */
interface Tenant {
  label: string;
  controllerId: string;
  owner: Member;
  purposes: { analytics: string; billing: string };
  processorId: string;
  subjectId: string;
  consentFormId: string;
  requestId: string;
}

describe('privacy REST endpoints', () => {
  const server = forSuite(() => startPrivacyServer());
  let a: Tenant;
  let b: Tenant;

  const rest = (path: string, caller: Caller = {}, body?: unknown) =>
    server.call(`/api/rest/${path}`, { token: caller.token, headers: caller.headers, body });
  const as = (tenant: Tenant): Caller => ({ token: tenant.owner.token });
  const run = async (script: string) => JSON.parse((await promisify(execFile)('bash', ['-c', script])).stdout);

  /** A controller with organisation details, purposes, a processor, a subject with activities, consent, a notification and a request. */
  async function seedTenant(label: string): Promise<Tenant> {
    const { controllerId, owner } = await server.newController(`${label} Org`);
    const caller = { token: owner.token };
    const q = (query: string, variables: Record<string, unknown> = {}) =>
      server.gqlData(query, { c: controllerId, ...variables }, caller);
    await q(
      `mutation($c: uuid!, $d: String!, $l: String!) { updateDataController(pk_columns: {id: $c}, _set: {legalName: $l, address: "1 Main St", timezone: "Europe/Berlin",
        description: "Shop", operatingRegions: ["EU"], operatingIndustries: ["retail"], dpoEmail: $d}) { id } }`,
      { l: `${label} Ltd`, d: `dpo@${label.toLowerCase()}.example` },
    );
    const purposes = (
      await q(`mutation($c: uuid!) { insertPurposes(objects: [
        {dataControllerId: $c, name: "Analytics", legalBasis: "consent", category: "statistics", retentionPeriod: "13 months", dataCategories: ["usage"]},
        {dataControllerId: $c, name: "Billing", legalBasis: "contract", essential: true, recipients: ["bank"]}]) { returning { id name } } }`)
    ).insertPurposes.returning as { id: string; name: string }[];
    const analytics = purposes.find((p) => p.name === 'Analytics')!.id;
    const billing = purposes.find((p) => p.name === 'Billing')!.id;
    await q(
      'mutation($c: uuid!, $p: uuid!) { insertPurposeDataItems(objects: [{dataControllerId: $c, purposeId: $p, name: "invoice address", category: "contact"}]) { affected_rows } }',
      { p: billing },
    );
    await q(
      'mutation($c: uuid!, $p: uuid!) { insertPurposeDataItems(objects: [{dataControllerId: $c, purposeId: $p, name: "page views"}]) { affected_rows } }',
      { p: analytics },
    );
    await q(
      'mutation($c: uuid!, $p: uuid!) { insertPurposeTemplateLinks(objects: [{dataControllerId: $c, purposeId: $p, templateKind: "business", templateName: "Invoicing"}]) { affected_rows } }',
      { p: billing },
    );
    const processorId = (
      await q(
        'mutation($c: uuid!) { insertThirdPartyService(object: {dataControllerId: $c, name: "Stripe", category: "payments", country: "US"}) { id } }',
      )
    ).insertThirdPartyService.id;
    const subjectId = await server.createSubject(caller, controllerId, {
      email: `subject@${label.toLowerCase()}.example`,
      country: 'DE',
    });
    await q(
      `mutation($c: uuid!, $s: uuid!, $t: uuid!, $p: uuid!) { insertDataProcessingActivity(object: {dataControllerId: $c, dataSubjectId: $s, thirdPartyServiceId: $t, purposeId: $p,
        activityType: "sharing", event: "invoice.sent", dataFields: ["email", "address"], source: "api"}) { id } }`,
      { s: subjectId, t: processorId, p: billing },
    );
    const consentFormId = (
      await q(
        'mutation($c: uuid!) { insertConsentForm(object: {dataControllerId: $c, name: "Marketing", status: "approved"}) { id } }',
      )
    ).insertConsentForm.id;
    await q(
      'mutation($c: uuid!, $s: uuid!, $f: uuid!, $p: uuid!) { insertDataSubjectConsentFormValue(object: {dataControllerId: $c, dataSubjectId: $s, consentFormId: $f, purposeId: $p, value: "granted"}) { id } }',
      { s: subjectId, f: consentFormId, p: analytics },
    );
    await q(
      'mutation($c: uuid!, $s: uuid!) { insertNotificationMessage(object: {dataControllerId: $c, dataSubjectId: $s, kind: "rightsRequest", title: "Received", body: "We got your request"}) { id } }',
      { s: subjectId },
    );
    await q(`mutation($c: uuid!) { insertPrivacyNotices(objects: [
      {dataControllerId: $c, title: "Website notice", noticeType: "website", language: "en", content: "We collect..."},
      {dataControllerId: $c, title: "Employee notice (draft)", noticeType: "employee", language: "en", content: "Draft"}]) { affected_rows } }`);
    await q(
      'mutation($c: uuid!) { updatePrivacyNotices(where: {dataControllerId: {_eq: $c}, noticeType: {_eq: "website"}}, _set: {status: "published", publishedAt: "2026-01-01T00:00:00Z"}) { affected_rows } }',
    );
    await q(`mutation($c: uuid!) { insertDataControllerFaqs(objects: [
      {dataControllerId: $c, question: "How do I get my data?", answer: "Ask in the Transparency Center.", position: 2},
      {dataControllerId: $c, question: "Who is the DPO?", answer: "See the contact page.", position: 1},
      {dataControllerId: $c, question: "Draft question", answer: "Not yet", position: 0, published: false}]) { affected_rows } }`);
    const requestId = (
      await q(
        'mutation($s: uuid!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "rectify"}) { id } }',
        { s: subjectId },
      )
    ).insertDataSubjectsRightsRequest.id;
    await q(
      'mutation($r: uuid!) { updateDataSubjectsRightsRequest(pk_columns: {id: $r}, _set: {status: "identityVerified"}) { id } }',
      { r: requestId },
    );
    return {
      label,
      controllerId,
      owner,
      purposes: { analytics, billing },
      processorId,
      subjectId,
      consentFormId,
      requestId,
    };
  }

  before(async () => {
    a = await seedTenant('Alpha');
    b = await seedTenant('Beta');
  });

  describe('the documented curls, as printed', () => {
    it('insertdatasubjectsrightsrequest: POST with a Bearer JWT and {"dataSubjectId", "requestType": "access"} files a request', async () => {
      // A subject of its own, so the other tests' view of the seeded subject stays as seeded.
      const subjectId = await server.createSubject(as(a), a.controllerId, { email: 'curl@alpha.example' });
      const script = CURL_INSERT.replace('https://api.dxtra.ai', server.url)
        .replace('YOUR_JWT_TOKEN', a.owner.token)
        .replace('"uuid"', `"${subjectId}"`);
      const body = await run(script);
      const inserted = body.data.insertDataSubjectsRightsRequest;
      assert.deepEqual(Object.keys(body), ['data']);
      assert.deepEqual(Object.keys(inserted), [
        'id',
        'dataSubjectId',
        'requestType',
        'status',
        'jurisdiction',
        'dueAt',
        'createdAt',
      ]);
      assert.match(inserted.id, UUID);
      assert.deepEqual(
        [
          inserted.dataSubjectId,
          inserted.requestType,
          inserted.status,
          inserted.jurisdiction,
          Date.parse(inserted.dueAt) - Date.parse(inserted.createdAt),
        ],
        [subjectId, 'access', 'submitted', 'GDPR', 30 * DAY],
      );
      const stored = await server.gqlData(
        'query($id: uuid!) { dataSubjectsRightsRequest(id: $id) { dataControllerId channel dueAt } }',
        { id: inserted.id },
        as(a),
      );
      assert.deepEqual(stored.dataSubjectsRightsRequest, {
        dataControllerId: a.controllerId,
        channel: 'api',
        dueAt: inserted.dueAt,
      });
    });

    it('insertdatasubjectsrightsrequest: only POST, and never for another controller’s subject', async () => {
      const get = await rest(`insertdatasubjectsrightsrequest?dataSubjectId=${a.subjectId}&requestType=access`, as(a));
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      const count = async () =>
        (await server.gqlField('{ dataSubjectsRightsRequestsAggregate { aggregate { count } } }', {}, admin)).aggregate
          .count;
      const before = await count();
      const foreign = await rest('insertdatasubjectsrightsrequest', as(a), {
        dataSubjectId: b.subjectId,
        requestType: 'access',
      });
      assert.equal(foreign.status, 200);
      assert.deepEqual(Object.keys(foreign.body), ['errors']);
      const badType = await rest('insertdatasubjectsrightsrequest', as(a), {
        dataSubjectId: a.subjectId,
        requestType: 'delete',
      });
      assert.equal(badType.body.errors[0].extensions.code, 'constraint-violation');
      assert.equal(await count(), before);
    });

    it('getdatacontrollerdetails: GET with X-Hasura-Role: user returns the caller’s controller with its organisation details', async () => {
      const body = await run(
        CURL_DETAILS.replace('https://api.dxtra.ai', server.url).replace('YOUR_JWT_TOKEN', a.owner.token),
      );
      assert.equal(body.data.dataControllers.length, 1);
      const [controller] = body.data.dataControllers;
      assert.match(controller.createdAt, /^\d{4}-/);
      assert.match(controller.updatedAt, /^\d{4}-/);
      assert.deepEqual(
        { ...controller, createdAt: undefined, updatedAt: undefined },
        {
          id: a.controllerId,
          title: 'Alpha Org',
          // A controller made by insertDataController has its DID once generateDataControllerDID ran.
          did: null,
          email: null,
          legalName: 'Alpha Ltd',
          address: '1 Main St',
          timezone: 'Europe/Berlin',
          description: 'Shop',
          operatingRegions: ['EU'],
          operatingIndustries: ['retail'],
          dpoEmail: 'dpo@alpha.example',
          defaultJurisdiction: 'GDPR',
          honourGpc: true,
          requireMfa: false,
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      const other = await rest(`getdatacontrollerdetails?dataControllerId=${b.controllerId}`, as(a));
      assert.deepEqual(other.body, { data: { dataControllers: [] } });
    });
  });

  describe('each endpoint: the member’s rows, nothing of another controller', () => {
    /** GET with the query string and POST with the same variables as body must agree; returns the body. */
    const both = async (path: string, variables: Record<string, string>, caller: Caller) => {
      const get = await rest(`${path}?${new URLSearchParams(variables)}`, caller);
      const post = await rest(path, caller, variables);
      assert.equal(get.status, 200, get.text);
      assert.deepEqual(post.body, get.body, path);
      assert.ok(!get.body.errors, get.text);
      return get.body.data;
    };
    /** What `path` shows A's owner of B's controller: nothing, an empty `field`. */
    const assertNothingOfB = async (path: string, field: string) =>
      assert.deepEqual(await both(path, { dataControllerId: b.controllerId }, as(a)), { [field]: [] }, path);

    it('getDataControllerFaqs (camelCase path): a member sees every entry, the public only published ones, in order', async () => {
      const member = await both('getDataControllerFaqs', { dataControllerId: a.controllerId }, as(a));
      assert.deepEqual(
        member.dataControllerFaqs.map((f: { question: string; position: number }) => [f.question, f.position]),
        [
          ['Draft question', 0],
          ['Who is the DPO?', 1],
          ['How do I get my data?', 2],
        ],
      );
      assert.deepEqual(Object.keys(member.dataControllerFaqs[0]), ['id', 'question', 'answer', 'position']);
      const anonymous = await both('getDataControllerFaqs', { dataControllerId: a.controllerId }, {});
      assert.deepEqual(anonymous.dataControllerFaqs, member.dataControllerFaqs.slice(1));
      await assertNothingOfB('getDataControllerFaqs', 'dataControllerFaqs');
      assert.equal((await rest(`getdatacontrollerfaqs?dataControllerId=${a.controllerId}`, as(a))).status, 404);
    });

    it('getdatacontrollerpurposes', async () => {
      const data = await both('getdatacontrollerpurposes', { dataControllerId: a.controllerId }, as(a));
      const strip = (p: Record<string, unknown>) => ({ ...p, createdAt: undefined, updatedAt: undefined });
      assert.deepEqual(data.purposes.map(strip), [
        {
          id: a.purposes.analytics,
          name: 'Analytics',
          category: 'statistics',
          description: null,
          legalBasis: 'consent',
          retentionPeriod: '13 months',
          usagePeriod: null,
          essential: false,
          dataCategories: ['usage'],
          recipients: [],
          createdAt: undefined,
          updatedAt: undefined,
        },
        {
          id: a.purposes.billing,
          name: 'Billing',
          category: null,
          description: null,
          legalBasis: 'contract',
          retentionPeriod: null,
          usagePeriod: null,
          essential: true,
          dataCategories: [],
          recipients: ['bank'],
          createdAt: undefined,
          updatedAt: undefined,
        },
      ]);
      await assertNothingOfB('getdatacontrollerpurposes', 'purposes');
    });

    it('getdatacontrollerpurposedataitems', async () => {
      const data = await both('getdatacontrollerpurposedataitems', { dataControllerId: a.controllerId }, as(a));
      assert.deepEqual(
        data.purposeDataItems.map((i: any) => [i.purposeId, i.name, i.category, i.purpose]),
        [
          [a.purposes.billing, 'invoice address', 'contact', { id: a.purposes.billing, name: 'Billing' }],
          [a.purposes.analytics, 'page views', null, { id: a.purposes.analytics, name: 'Analytics' }],
        ],
      );
      await assertNothingOfB('getdatacontrollerpurposedataitems', 'purposeDataItems');
    });

    it('getdatacontrollerpurposetemplatelinks', async () => {
      const data = await both('getdatacontrollerpurposetemplatelinks', { dataControllerId: a.controllerId }, as(a));
      assert.deepEqual(
        data.purposeTemplateLinks.map((l: any) => [l.purposeId, l.templateKind, l.templateName, l.purpose]),
        [[a.purposes.billing, 'business', 'Invoicing', { id: a.purposes.billing, name: 'Billing' }]],
      );
      await assertNothingOfB('getdatacontrollerpurposetemplatelinks', 'purposeTemplateLinks');
    });

    it('getdatacontrollerusers', async () => {
      const data = await both('getdatacontrollerusers', { dataControllerId: a.controllerId }, as(a));
      assert.deepEqual(
        data.dataControllerUsers.map((m: any) => [m.userId, m.role]),
        [[a.owner.userId, 'owner']],
      );
      await assertNothingOfB('getdatacontrollerusers', 'dataControllerUsers');
    });

    it('getdataprocessingactivityfields: field names and activity types, newest first, a page at a time', async () => {
      const data = await both('getdataprocessingactivityfields', { dataControllerId: a.controllerId }, as(a));
      const expected = await server.gqlField(
        'query($c: uuid!) { dataProcessingActivities(where: {dataControllerId: {_eq: $c}}, order_by: [{createdAt: desc}, {id: asc}]) { id activityType event dataFields source createdAt } }',
        { c: a.controllerId },
        admin,
      );
      assert.deepEqual(data.dataProcessingActivities, expected);
      assert.ok(expected.length >= 4);
      assert.deepEqual(
        data.dataProcessingActivities.find((e: { event: string }) => e.event === 'invoice.sent'),
        {
          ...expected.find((e: { event: string }) => e.event === 'invoice.sent'),
          activityType: 'sharing',
          dataFields: ['email', 'address'],
          source: 'api',
        },
      );
      // Int from the query string is coerced; a POST body carries JSON numbers.
      const page = await rest(
        `getdataprocessingactivityfields?dataControllerId=${a.controllerId}&limit=2&offset=1`,
        as(a),
      );
      assert.deepEqual(page.body, { data: { dataProcessingActivities: expected.slice(1, 3) } });
      const posted = await rest('getdataprocessingactivityfields', as(a), {
        dataControllerId: a.controllerId,
        limit: 2,
        offset: 1,
      });
      assert.deepEqual(posted.body, page.body);
      await assertNothingOfB('getdataprocessingactivityfields', 'dataProcessingActivities');
    });

    it('getdatasubjectdatamapping: identifiers by kind, activities with processor and purpose, consent — for a member and for the subject itself', async () => {
      const data = await both('getdatasubjectdatamapping', { dataSubjectId: a.subjectId }, as(a));
      const map = data.dataSubject;
      assert.deepEqual(
        [map.id, map.dataControllerId, map.jurisdiction, map.erasedAt],
        [a.subjectId, a.controllerId, 'GDPR', null],
      );
      assert.deepEqual(
        map.identifiers.map((i: { kind: string }) => i.kind),
        ['email'],
      );
      assert.deepEqual(
        map.processingActivities.map((e: any) => [e.activityType, e.event, e.thirdPartyService, e.purpose]),
        [
          ['collection', 'signup', null, null],
          [
            'sharing',
            'invoice.sent',
            { id: a.processorId, name: 'Stripe', category: 'payments', country: 'US' },
            { id: a.purposes.billing, name: 'Billing', legalBasis: 'contract' },
          ],
          [
            'consentChange',
            'consent.grant',
            null,
            { id: a.purposes.analytics, name: 'Analytics', legalBasis: 'consent' },
          ],
          ['rightsRequest', 'rightsRequest.rectify.submitted', null, null],
          ['rightsRequest', 'rightsRequest.rectify.identityVerified', null, null],
        ],
      );
      assert.deepEqual(
        map.consentFormValues.map((v: any) => [v.consentFormId, v.purposeId, v.value, v.formVersion]),
        [[a.consentFormId, a.purposes.analytics, 'granted', 1]],
      );
      // The subject's own Transparency Center gets the same map; another subject or controller gets nothing.
      assert.deepEqual(
        await both('getdatasubjectdatamapping', { dataSubjectId: a.subjectId }, asSubject(a.subjectId)),
        data,
      );
      assert.deepEqual(
        await both('getdatasubjectdatamapping', { dataSubjectId: a.subjectId }, asSubject(b.subjectId)),
        { dataSubject: null },
      );
      assert.deepEqual(await both('getdatasubjectdatamapping', { dataSubjectId: b.subjectId }, as(a)), {
        dataSubject: null,
      });
    });

    it('getdatasubjectscountbycontroller', async () => {
      const count = (n: number) => ({ dataSubjectsAggregate: { aggregate: { count: n } } });
      const expected = (
        await server.gqlField(
          'query($c: uuid!) { dataSubjectsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
          { c: a.controllerId },
          admin,
        )
      ).aggregate.count;
      assert.ok(expected >= 1);
      assert.deepEqual(
        await both('getdatasubjectscountbycontroller', { dataControllerId: a.controllerId }, as(a)),
        count(expected),
      );
      assert.deepEqual(
        await both('getdatasubjectscountbycontroller', { dataControllerId: b.controllerId }, as(a)),
        count(0),
      );
    });

    it('getdatasubjectsrightsrequests: one subject’s requests with their history — for a member and for the subject itself', async () => {
      const data = await both('getdatasubjectsrightsrequests', { dataSubjectId: a.subjectId }, as(a));
      // The seeded request and only it: the other tests file theirs for subjects of their own.
      assert.deepEqual(
        data.dataSubjectsRightsRequests.map((r: { id: string }) => r.id),
        [a.requestId],
        JSON.stringify(data),
      );
      const seeded = data.dataSubjectsRightsRequests[0];
      assert.ok(
        data.dataSubjectsRightsRequests.every((r: { dataSubjectId: string }) => r.dataSubjectId === a.subjectId),
      );
      assert.deepEqual(
        [
          seeded.requestType,
          seeded.status,
          seeded.identityVerification,
          seeded.jurisdiction,
          seeded.channel,
          seeded.completedAt,
        ],
        ['rectify', 'identityVerified', 'verified', 'GDPR', 'api', null],
      );
      assert.deepEqual(
        seeded.events.map((e: any) => [e.fromStatus, e.toStatus]),
        [
          [null, 'submitted'],
          ['submitted', 'identityVerified'],
        ],
      );
      assert.deepEqual(
        await both('getdatasubjectsrightsrequests', { dataSubjectId: a.subjectId }, asSubject(a.subjectId)),
        data,
      );
      assert.deepEqual(await both('getdatasubjectsrightsrequests', { dataSubjectId: a.subjectId }, as(b)), {
        dataSubjectsRightsRequests: [],
      });
      assert.deepEqual(
        await both('getdatasubjectsrightsrequests', { dataSubjectId: a.subjectId }, asSubject(b.subjectId)),
        { dataSubjectsRightsRequests: [] },
      );
    });

    it('getnotificationmessagesbydatasubject', async () => {
      const data = await both('getnotificationmessagesbydatasubject', { dataSubjectId: a.subjectId }, as(a));
      assert.deepEqual(
        data.notificationMessages.map((n: any) => [n.dataSubjectId, n.kind, n.title, n.body, n.readAt]),
        [[a.subjectId, 'rightsRequest', 'Received', 'We got your request', null]],
      );
      assert.deepEqual(
        await both('getnotificationmessagesbydatasubject', { dataSubjectId: a.subjectId }, asSubject(a.subjectId)),
        data,
      );
      assert.deepEqual(await both('getnotificationmessagesbydatasubject', { dataSubjectId: a.subjectId }, as(b)), {
        notificationMessages: [],
      });
    });

    it('getprivacynotices: a member sees drafts, the public only what is published', async () => {
      const member = await both('getprivacynotices', { dataControllerId: a.controllerId }, as(a));
      assert.deepEqual(
        member.privacyNotices.map((n: any) => [n.title, n.noticeType, n.publishedAt]),
        [
          ['Employee notice (draft)', 'employee', null],
          ['Website notice', 'website', '2026-01-01T00:00:00+00:00'],
        ],
      );
      const anonymous = await both('getprivacynotices', { dataControllerId: a.controllerId }, {});
      assert.deepEqual(anonymous.privacyNotices, member.privacyNotices.slice(1));
      await assertNothingOfB('getprivacynotices', 'privacyNotices');
    });

    it('answerfaq reaches the answerFAQ action with its two variables, for anyone', async () => {
      const missing = await rest(`answerfaq?dataControllerId=${a.controllerId}`);
      assert.deepEqual(
        missing.body,
        graphqlError('expecting a value for non-nullable variable: "question"', 'validation-failed'),
      );
      const question = 'How do I get my data?';
      for (const caller of [{}, as(a)]) {
        const get = await rest(
          `answerfaq?${new URLSearchParams({ dataControllerId: a.controllerId, question })}`,
          caller,
        );
        const post = await rest('answerfaq', caller, { dataControllerId: a.controllerId, question });
        assert.equal(get.status, 200);
        assert.deepEqual(post.body, get.body);
        assert.equal(get.body.errors, undefined, get.text);
        assert.equal(get.body.data.answerFAQ.status, 'success');
        assert.equal(get.body.data.answerFAQ.data.question, question);
        // The published entry asked word for word.
        assert.equal(get.body.data.answerFAQ.data.answer, 'Ask in the Transparency Center.', get.text);
      }
    });
  });
});
