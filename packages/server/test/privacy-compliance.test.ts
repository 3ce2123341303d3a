import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { admin, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite } from './helpers/suite.js';

/**
 * The compliance score (dataControllerComplianceScore) and its issues
 * (reportDataControllersComplianceIssues): twelve areas computed from what a controller has
 * really configured and done, raised by configuring it through GraphQL as its members.
 */

const AREAS: [string, string][] = [
  ['dataGovernance', 'Data Governance'],
  ['lawfulBasis', 'Lawful Basis & Purpose'],
  ['rightsManagement', 'Rights Management'],
  ['consentManagement', 'Consent Management'],
  ['dataProtection', 'Data Protection'],
  ['breachManagement', 'Breach Management'],
  ['internationalTransfers', 'International Transfers'],
  ['accountability', 'Accountability'],
  ['transparency', 'Transparency'],
  ['dataMinimization', 'Data Minimization & Retention'],
  ['thirdPartyManagement', 'Third Party Management'],
  ['employeeTraining', 'Employee Training & Awareness'],
];

/**
 * A new controller: only its owner and title. Each area's share of checks met (checks.ts):
 * Rights Management 2/7 (no request overdue or late), Consent Management 1/5 (GPC honoured by
 * default), Data Protection 2/5 (no erasure overdue or left undone), Breach Management 1/4 (no
 * stale incident), Accountability 1/3 (the creation is audited); every other check is unmet.
 */
const FRESH_SCORES = {
  dataGovernance: 0,
  lawfulBasis: 0,
  rightsManagement: 29,
  consentManagement: 20,
  dataProtection: 40,
  breachManagement: 25,
  internationalTransfers: 0,
  accountability: 33,
  transparency: 0,
  dataMinimization: 0,
  thirdPartyManagement: 0,
  employeeTraining: 0,
};

const SCORE =
  'query($id: uuid!) { dataControllerComplianceScore(dataControllerId: $id) { dataControllerId score areas { key name score reasons { met text } } } }';
const REPORT =
  'mutation($id: uuid!) { reportDataControllersComplianceIssues(dataControllerId: $id) { status message data { dataControllerId score opened resolved issues { id area title description priority status dismissed } } } }';
const ISSUES =
  'query($id: uuid!) { complianceIssues(where: {dataControllerId: {_eq: $id}}, order_by: {id: asc}) { id area title description priority status dismissed source resolvedAt updatedAt } }';
const AUDIT_COUNT =
  'query($id: uuid!) { auditEventsAggregate(where: {dataControllerId: {_eq: $id}}) { aggregate { count } } }';

interface Area {
  key: string;
  name: string;
  score: number;
  reasons: { met: boolean; text: string }[];
}
interface Score {
  dataControllerId: string;
  score: number;
  areas: Area[];
}

describe('compliance score and issues', () => {
  const server = forSuite(() => startPrivacyServer());
  const as = (member: Member): Caller => ({ token: member.token });

  async function scoreOf(controllerId: string, caller: Caller): Promise<Score> {
    return await server.gqlField(SCORE, { id: controllerId }, caller);
  }
  const areaOf = (score: Score, key: string): Area => score.areas.find((area) => area.key === key)!;
  const scores = (score: Score) => Object.fromEntries(score.areas.map((area) => [area.key, area.score]));
  const metTexts = (area: Area) => area.reasons.filter((r) => r.met).map((r) => r.text);
  const unmetTexts = (area: Area) => area.reasons.filter((r) => !r.met).map((r) => r.text);
  const mutate = (caller: Caller, query: string, variables: Record<string, unknown>) =>
    server.gqlData(query, variables, caller);
  /** An area's score and, given `unmet`, exactly the sentences of what is still to do. */
  const assertArea = (score: Score, key: string, expected: number, unmet?: string[], message = key) => {
    const area = areaOf(score, key);
    assert.equal(area.score, expected, message);
    if (unmet) assert.deepEqual(unmetTexts(area), unmet, message);
  };
  /** An area's score and every one of its reasons, met or not, in order. */
  const assertReasons = (score: Score, key: string, expected: number, reasons: Area['reasons']) => {
    const area = areaOf(score, key);
    assert.equal(area.score, expected, key);
    assert.deepEqual(area.reasons, reasons, key);
  };

  // The configuration steps the tests repeat, each one mutation as `caller`.
  const updateController = (caller: Caller, id: string, set: Record<string, unknown>) =>
    mutate(
      caller,
      'mutation($id: uuid!, $s: dataControllers_set_input!) { updateDataController(pk_columns: {id: $id}, _set: $s) { id } }',
      { id, s: set },
    );
  const enableRights = (caller: Caller, dataControllerId: string, requestTypes: string[]) =>
    mutate(
      caller,
      'mutation($o: [rightsServices_insert_input!]!) { insertRightsServices(objects: $o) { affected_rows } }',
      { o: requestTypes.map((requestType) => ({ dataControllerId, requestType })) },
    );
  const mapDataItem = (caller: Caller, dataControllerId: string, purposeId: string, name: string) =>
    mutate(caller, 'mutation($o: purposeDataItems_insert_input!) { insertPurposeDataItem(object: $o) { id } }', {
      o: { dataControllerId, purposeId, name },
    });
  const updateIssue = (caller: Caller, id: string, set: Record<string, unknown>) =>
    mutate(
      caller,
      'mutation($id: uuid!, $s: complianceIssues_set_input!) { updateComplianceIssue(pk_columns: {id: $id}, _set: $s) { id } }',
      { id, s: set },
    );

  describe('the score of one controller configured step by step', () => {
    let controllerId: string;
    let owner: Member;
    let steward: Member;
    let fresh: Score;

    before(async () => {
      ({ controllerId, owner } = await server.newController('Compliance Ltd'));
      // A Data Controller member does the privacy configuration (managePrivacy, not manageCompliance).
      steward = await server.memberWithRole(controllerId, 'dataController');
    });

    it('a fresh controller scores low, with the twelve areas in order and reasons for every one', async () => {
      fresh = await scoreOf(controllerId, as(owner));
      assert.equal(fresh.dataControllerId, controllerId);
      assert.deepEqual(
        fresh.areas.map((area) => [area.key, area.name]),
        AREAS,
      );
      assert.deepEqual(scores(fresh), FRESH_SCORES);
      assert.equal(fresh.score, 12, 'the rounded mean of the area scores');
      for (const area of fresh.areas) {
        assert.ok(area.reasons.length > 0, `${area.key} has reasons`);
        assert.ok(unmetTexts(area).length > 0, `${area.key} says what to do`);
        for (const reason of area.reasons) assert.match(reason.text, /^[A-Z0-9'].+\.$/, `a sentence: ${reason.text}`);
      }
      assert.deepEqual(areaOf(fresh, 'dataGovernance').reasons.slice(0, 2), [
        { met: false, text: "Record the organisation's legal name in its details." },
        { met: false, text: "Record the organisation's registered address." },
      ]);
      assert.deepEqual(areaOf(fresh, 'internationalTransfers').reasons, [
        { met: false, text: 'Record the processors (third-party services) that receive personal data.' },
        { met: false, text: 'Record your processors with the country where each processes data.' },
        {
          met: false,
          text: 'Record your processors and their countries so transfers outside the EEA, the UK and Switzerland can be assessed.',
        },
      ]);
      assert.deepEqual(areaOf(fresh, 'employeeTraining').reasons, [
        {
          met: false,
          text: '0 of 2 members completed privacy training in the last 12 months: train the others and record it (trainingCompletedAt).',
        },
      ]);
    });

    it('purposes raise Lawful Basis & Purpose and Data Minimization & Retention', async () => {
      const { insertPurpose } = await mutate(
        as(steward),
        `mutation($c: uuid!, $cat: jsonb, $rec: jsonb) { insertPurpose(object: {dataControllerId: $c, name: "Order processing", legalBasis: "contract",
           description: "Fulfil and deliver orders.", retentionPeriod: "5 years", usagePeriod: "13 months", dataCategories: $cat, recipients: $rec}) { id } }`,
        { c: controllerId, cat: ['contact', 'payment'], rec: ['Stripe'] },
      );
      const withPurpose = await scoreOf(controllerId, as(owner));
      assertReasons(withPurpose, 'lawfulBasis', 100, [
        { met: true, text: '1 processing purpose is recorded.' },
        { met: true, text: 'Every purpose has a legal basis and a description.' },
        { met: true, text: 'No purpose relies on consent, so none needs a consent form.' },
      ]);
      assert.ok(
        areaOf(fresh, 'lawfulBasis').reasons.every((r) => !r.met),
        'all unmet before',
      );
      assertArea(
        withPurpose,
        'dataMinimization',
        75,
        ['1 of 1 purpose has no data items mapped: map the data items each uses.'],
        'three of four checks: no data item is mapped yet',
      );

      await mapDataItem(as(steward), controllerId, insertPurpose.id, 'email');
      const mapped = await scoreOf(controllerId, as(owner));
      assert.equal(areaOf(mapped, 'dataMinimization').score, 100);
      assert.deepEqual(metTexts(areaOf(mapped, 'dataMinimization')), [
        'Every purpose has a retention period.',
        'Every purpose has a usage period.',
        'Every purpose lists its data categories.',
        'Every purpose has its data items mapped.',
      ]);
      assert.equal(areaOf(mapped, 'thirdPartyManagement').score, 33, 'the purpose names its recipients');
      assert.ok(mapped.score > fresh.score);
    });

    it('a consent-based purpose needs a consent form: forms and recorded choices raise Consent Management', async () => {
      const { insertPurpose } = await mutate(
        as(steward),
        `mutation($c: uuid!, $cat: jsonb, $rec: jsonb) { insertPurpose(object: {dataControllerId: $c, name: "Newsletter", legalBasis: "consent",
           description: "Send the monthly newsletter.", retentionPeriod: "while subscribed", usagePeriod: "while subscribed", dataCategories: $cat, recipients: $rec}) { id } }`,
        { c: controllerId, cat: ['contact'], rec: ['Mailchimp'] },
      );
      const purposeId = insertPurpose.id as string;
      await mapDataItem(as(steward), controllerId, purposeId, 'email');
      const uncovered = await scoreOf(controllerId, as(owner));
      assertArea(uncovered, 'lawfulBasis', 67, [
        '1 purpose based on consent is on no approved or required consent form: add it to one.',
      ]);
      assert.equal(areaOf(uncovered, 'consentManagement').score, 20);

      // A draft form does not count; approving it does.
      const { insertConsentForm } = await mutate(
        as(steward),
        'mutation($c: uuid!) { insertConsentForm(object: {dataControllerId: $c, name: "Marketing"}) { id } }',
        { c: controllerId },
      );
      const formId = insertConsentForm.id as string;
      await mutate(
        as(steward),
        'mutation($c: uuid!, $f: uuid!, $p: uuid!) { insertConsentFormPurpose(object: {dataControllerId: $c, consentFormId: $f, purposeId: $p}) { id } }',
        {
          c: controllerId,
          f: formId,
          p: purposeId,
        },
      );
      assert.equal(
        areaOf(await scoreOf(controllerId, as(owner)), 'consentManagement').score,
        20,
        'a draft form is not in force',
      );
      await mutate(
        as(steward),
        'mutation($f: uuid!) { updateConsentForm(pk_columns: {id: $f}, _set: {status: "approved"}) { id } }',
        { f: formId },
      );
      const approved = await scoreOf(controllerId, as(owner));
      assert.equal(areaOf(approved, 'lawfulBasis').score, 100);
      assertReasons(approved, 'consentManagement', 80, [
        { met: true, text: '1 consent form is approved or required.' },
        { met: true, text: 'Every approved or required consent form names the purposes it asks consent for.' },
        { met: true, text: 'Every purpose based on consent (1) is on an approved or required consent form.' },
        {
          met: false,
          text: 'No consent choice has been recorded yet: collect consent through your consent forms (banner, Transparency Center or API).',
        },
        { met: true, text: 'Global Privacy Control signals are honoured.' },
      ]);

      const subjectId = await server.createSubject(as(steward), controllerId, {
        email: 'reader@example.com',
        displayName: 'Reader',
      });
      await mutate(
        as(steward),
        'mutation($c: uuid!, $s: uuid!, $f: uuid!, $p: uuid!) { insertDataSubjectConsentFormValue(object: {dataControllerId: $c, dataSubjectId: $s, consentFormId: $f, purposeId: $p, value: "granted"}) { id } }',
        { c: controllerId, s: subjectId, f: formId, p: purposeId },
      );
      const recorded = await scoreOf(controllerId, as(owner));
      assert.equal(areaOf(recorded, 'consentManagement').score, 100);
      assert.equal(
        areaOf(recorded, 'consentManagement').reasons[3]!.text,
        "Data subjects' consent choices are being recorded.",
      );

      // Turning GPC off is a gap again.
      await updateController(as(owner), controllerId, { honourGpc: false });
      assert.deepEqual(unmetTexts(areaOf(await scoreOf(controllerId, as(owner)), 'consentManagement')), [
        "Turn on 'Detect Global Privacy Control' (honourGpc) so a GPC signal withdraws consent to sale and sharing.",
      ]);
      await updateController(as(owner), controllerId, { honourGpc: true });
    });

    it('enabling the core rights services raises Rights Management, one right at a time', async () => {
      const enable = (types: string[]) => enableRights(as(steward), controllerId, types);
      await enable(['access', 'rectify', 'noSale']);
      assertArea(
        await scoreOf(controllerId, as(owner)),
        'rightsManagement',
        57,
        [
          'Enable the right to erasure service (erasure) in rights management.',
          'Enable the right to data portability service (export) in rights management.',
          'Enable the right to object service (object) in rights management.',
        ],
        'four of seven checks: noSale is not a core right',
      );
      await enable(['erasure', 'export', 'object']);
      assertReasons(await scoreOf(controllerId, as(owner)), 'rightsManagement', 100, [
        { met: true, text: 'The right of access service is enabled.' },
        { met: true, text: 'The right to rectification service is enabled.' },
        { met: true, text: 'The right to erasure service is enabled.' },
        { met: true, text: 'The right to data portability service is enabled.' },
        { met: true, text: 'The right to object service is enabled.' },
        { met: true, text: 'No open rights request is past its deadline.' },
        { met: true, text: 'No rights request closed in the last 12 months was answered late.' },
      ]);
    });

    it('organisation details, a DPO and the DID raise Data Governance and Breach Management', async () => {
      await updateController(as(owner), controllerId, {
        legalName: 'Compliance Limited',
        address: '1 High Street, Dublin',
        timezone: 'Europe/Dublin',
        description: 'Online shop',
        operatingRegions: ['EU'],
        operatingIndustries: ['retail'],
        email: 'hello@compliance.example',
      });
      const details = await scoreOf(controllerId, as(owner));
      assertArea(
        details,
        'dataGovernance',
        67,
        [
          'Give a member the Data Protection Officer role (dpo).',
          "Record the Data Protection Officer's contact email (dpoEmail).",
          "Generate the organisation's DID (generateDataControllerDID).",
        ],
        'six of nine',
      );
      assert.equal(areaOf(details, 'breachManagement').score, 50, 'contact email, and no stale incident');

      await server.memberWithRole(controllerId, 'dpo');
      await updateController(as(owner), controllerId, { dpoEmail: 'dpo@compliance.example' });
      await mutate(as(owner), 'mutation($c: uuid!) { generateDataControllerDID(dataControllerId: $c) { status } }', {
        c: controllerId,
      });
      const governed = await scoreOf(controllerId, as(owner));
      const governance = areaOf(governed, 'dataGovernance');
      assert.equal(governance.score, 100);
      assert.deepEqual(metTexts(governance).slice(6), [
        '1 member holds the Data Protection Officer role.',
        "The Data Protection Officer's contact email is recorded.",
        "The organisation's DID has been generated.",
      ]);
      assert.equal(areaOf(governed, 'breachManagement').score, 100);
      assert.equal(
        areaOf(governed, 'accountability').score,
        100,
        'owner and DPO are accountable; the subject registration is recent processing',
      );
    });

    it('every area reaches 100 when the controller is fully configured', async () => {
      await mutate(
        as(steward),
        'mutation($o: [thirdPartyServices_insert_input!]!) { insertThirdPartyServices(objects: $o) { affected_rows } }',
        {
          o: [
            { dataControllerId: controllerId, name: 'Mailchimp', country: 'US', dpaSigned: true },
            { dataControllerId: controllerId, name: 'Hetzner', country: 'DE', dpaSigned: true },
          ],
        },
      );
      const transfers = await scoreOf(controllerId, as(owner));
      assertArea(transfers, 'internationalTransfers', 67, [
        '1 processor has no transfer mechanism for data sent outside the EEA, the UK and Switzerland: record the safeguard (SCC, BCR, adequacy decision).',
      ]);
      assert.equal(areaOf(transfers, 'thirdPartyManagement').score, 100);
      await mutate(
        as(steward),
        'mutation($c: uuid!) { updateThirdPartyServices(where: {dataControllerId: {_eq: $c}, country: {_eq: "US"}}, _set: {transferMechanism: "SCC"}) { affected_rows } }',
        {
          c: controllerId,
        },
      );

      for (const [noticeType, language] of [
        ['website', 'en'],
        ['mobileApp', 'fr'],
      ]) {
        const { insertPrivacyNotice } = await mutate(
          as(steward),
          'mutation($c: uuid!, $t: String!, $l: String!) { insertPrivacyNotice(object: {dataControllerId: $c, title: "Privacy notice", noticeType: $t, language: $l, content: "How we use your data."}) { id } }',
          { c: controllerId, t: noticeType, l: language },
        );
        await mutate(
          as(steward),
          'mutation($n: uuid!, $at: timestamptz!) { updatePrivacyNotice(pk_columns: {id: $n}, _set: {status: "published", publishedAt: $at}) { id } }',
          {
            n: insertPrivacyNotice.id,
            at: new Date().toISOString(),
          },
        );
      }
      await mutate(
        as(steward),
        'mutation($c: uuid!) { insertDataControllerFaq(object: {dataControllerId: $c, question: "Who is the DPO?", answer: "dpo@compliance.example"}) { id } }',
        {
          c: controllerId,
        },
      );
      await mutate(
        as(owner),
        'mutation($c: uuid!, $at: timestamptz!) { updateDataControllerUsers(where: {dataControllerId: {_eq: $c}}, _set: {trainingCompletedAt: $at}) { affected_rows } }',
        {
          c: controllerId,
          at: new Date().toISOString(),
        },
      );

      const full = await scoreOf(controllerId, as(owner));
      assert.deepEqual(scores(full), Object.fromEntries(AREAS.map(([key]) => [key, 100])));
      assert.equal(full.score, 100);
      for (const area of full.areas) assert.deepEqual(unmetTexts(area), [], `${area.key}: every reason met`);
      assert.deepEqual(areaOf(full, 'transparency').reasons, [
        { met: true, text: '2 privacy notices are published.' },
        { met: true, text: 'Published notices cover 2 notice types and 2 languages.' },
        { met: true, text: 'Every published notice was reviewed in the last 12 months.' },
        { met: true, text: '1 FAQ answer is published in the Help Center.' },
      ]);
      assert.deepEqual(areaOf(full, 'employeeTraining').reasons, [
        { met: true, text: 'All 3 members completed privacy training in the last 12 months.' },
      ]);
    });

    it('activity counts too: an overdue request, a late answer, a stale incident and an old notice each cost points', async () => {
      // What happened in the past is recorded through the admin secret, with the dates it had.
      const erasingId = await server.createSubject(as(steward), controllerId, { email: 'leaving@example.com' });
      const longAgo = new Date(Date.now() - 40 * 86_400_000).toISOString();
      const { insertDataSubjectsRightsRequest } = await mutate(
        admin,
        'mutation($s: uuid!, $at: timestamptz!) { insertDataSubjectsRightsRequest(object: {dataSubjectId: $s, requestType: "erasure", createdAt: $at}) { id dueAt } }',
        { s: erasingId, at: longAgo },
      );
      const overdue = await scoreOf(controllerId, as(owner));
      assertArea(overdue, 'rightsManagement', 86, [
        '1 open rights request is past the regulatory deadline: answer it now.',
      ]);
      assertArea(overdue, 'dataProtection', 80, [
        '1 erasure request is past the deadline: complete it so the data is crypto-shredded.',
      ]);

      for (const status of ['identityVerified', 'inProgress', 'completed']) {
        await mutate(
          as(steward),
          'mutation($r: uuid!, $s: String!) { updateDataSubjectsRightsRequest(pk_columns: {id: $r}, _set: {status: $s}) { id } }',
          {
            r: insertDataSubjectsRightsRequest.id,
            s: status,
          },
        );
      }
      const late = await scoreOf(controllerId, as(owner));
      assert.deepEqual(unmetTexts(areaOf(late, 'rightsManagement')), [
        '1 of 1 rights request closed in the last 12 months was answered after the deadline: answer within 30 days (GDPR) or 45 days (CCPA).',
      ]);
      assert.equal(areaOf(late, 'dataProtection').score, 100, 'the erasure was carried out and left nothing behind');

      const { insertComplianceIssue } = await mutate(
        admin,
        'mutation($c: uuid!, $at: timestamptz!) { insertComplianceIssue(object: {dataControllerId: $c, title: "Laptop stolen", priority: "high", createdAt: $at}) { id } }',
        { c: controllerId, at: new Date(Date.now() - 4 * 86_400_000).toISOString() },
      );
      const stale = await scoreOf(controllerId, as(owner));
      assertArea(stale, 'breachManagement', 75, [
        "1 high-priority compliance issue has stayed open over 72 hours, GDPR's breach-notification window: triage it (in progress or resolved).",
      ]);
      await updateIssue(as(owner), insertComplianceIssue.id, { status: 'inProgress' });
      assert.equal(areaOf(await scoreOf(controllerId, as(owner)), 'breachManagement').score, 100, 'triaged');

      const twoYearsAgo = new Date(Date.now() - 730 * 86_400_000).toISOString();
      await mutate(
        admin,
        'mutation($c: uuid!, $at: timestamptz!) { insertPrivacyNotice(object: {dataControllerId: $c, title: "Old notice", noticeType: "employee", status: "published", publishedAt: $at, updatedAt: $at}) { id } }',
        { c: controllerId, at: twoYearsAgo },
      );
      assertArea(await scoreOf(controllerId, as(owner)), 'transparency', 75, [
        '1 published notice was not updated in the last 12 months: review and republish it.',
      ]);
    });
  });

  describe('reporting compliance issues', () => {
    let controllerId: string;
    let owner: Member;
    let steward: Member;
    const report = async (caller: Caller) => await server.gqlField(REPORT, { id: controllerId }, caller);
    const issues = async (): Promise<any[]> =>
      await server.gqlField(ISSUES, { id: controllerId }, { token: owner.token });
    const assessment = async () => (await issues()).filter((issue) => issue.source === 'assessment');
    const openIssue = async (area: string) =>
      (await assessment()).find((issue) => issue.area === area && issue.status !== 'resolved');

    before(async () => {
      ({ controllerId, owner } = await server.newController('Issues Ltd'));
      steward = await server.memberWithRole(controllerId, 'dataController');
    });

    it('opens one issue per area below 100, prioritised by score and listing what to do; manual issues stay as they were', async () => {
      const { insertComplianceIssue: manual } = await mutate(
        as(owner),
        'mutation($c: uuid!) { insertComplianceIssue(object: {dataControllerId: $c, area: "rightsManagement", title: "Review the request form", priority: "low"}) { id updatedAt } }',
        { c: controllerId },
      );
      const score = await scoreOf(controllerId, as(owner));
      const answer = await report(as(owner));
      assert.equal(answer.status, 'success');
      assert.equal(answer.message, 'reportDataControllersComplianceIssues');
      assert.equal(answer.data.dataControllerId, controllerId);
      assert.equal(answer.data.score, 12);
      assert.equal(answer.data.opened, 12);
      assert.equal(answer.data.resolved, 0);
      assert.deepEqual(
        answer.data.issues.map((issue: any) => [issue.area, issue.priority, issue.status, issue.dismissed]),
        AREAS.map(([key]) => [key, key === 'dataProtection' ? 'medium' : 'high', 'open', false]),
      );
      const governance = answer.data.issues[0];
      assert.equal(governance.title, 'Data Governance needs attention');
      assert.equal(
        governance.description,
        [
          'Data Governance scores 0/100. To do:',
          ...unmetTexts(areaOf(score, 'dataGovernance')).map((t) => `- ${t}`),
        ].join('\n'),
      );

      const stored = await assessment();
      assert.deepEqual(
        stored.map((issue) => [issue.id, issue.area, issue.description]).sort(),
        answer.data.issues.map((issue: any) => [issue.id, issue.area, issue.description]).sort(),
      );
      const manualNow = (await issues()).find((issue) => issue.id === manual.id);
      assert.deepEqual(
        {
          source: manualNow.source,
          status: manualNow.status,
          priority: manualNow.priority,
          updatedAt: manualNow.updatedAt,
        },
        { source: 'manual', status: 'open', priority: 'low', updatedAt: manual.updatedAt },
      );
    });

    it('is idempotent: a second run with nothing changed writes nothing', async () => {
      const before = await issues();
      const audit = (await server.gqlField(AUDIT_COUNT, { id: controllerId }, as(owner))).aggregate.count;
      const answer = await report(as(owner));
      assert.equal(answer.data.opened, 0);
      assert.equal(answer.data.resolved, 0);
      assert.equal(answer.data.issues.length, 12);
      assert.deepEqual(await issues(), before, 'every row as it was, updatedAt included');
      assert.equal((await server.gqlField(AUDIT_COUNT, { id: controllerId }, as(owner))).aggregate.count, audit);
    });

    it('keeps open issues up to date, resolves those whose area reaches 100, and keeps a dismissal', async () => {
      const rightsIssue = await openIssue('rightsManagement');
      const governanceIssue = await openIssue('dataGovernance');
      const minimizationIssue = await openIssue('dataMinimization');
      await updateIssue(as(owner), minimizationIssue.id, { dismissed: true });

      await enableRights(as(steward), controllerId, ['access', 'rectify', 'erasure', 'export', 'object']);
      await updateController(as(owner), controllerId, {
        legalName: 'Issues Limited',
        address: '2 Quay',
        timezone: 'Europe/Paris',
        description: 'Bakery',
        operatingRegions: ['EU'],
        operatingIndustries: ['food'],
      });
      const { insertPurpose } = await mutate(
        as(steward),
        `mutation($c: uuid!, $cat: jsonb) { insertPurpose(object: {dataControllerId: $c, name: "Orders", legalBasis: "contract", description: "Take orders.",
           retentionPeriod: "6 years", usagePeriod: "1 year", dataCategories: $cat}) { id } }`,
        { c: controllerId, cat: ['contact'] },
      );
      await mapDataItem(as(steward), controllerId, insertPurpose.id, 'address');

      const answer = await report(as(owner));
      assert.equal(answer.data.opened, 0);
      assert.equal(answer.data.resolved, 3, 'rights management, lawful basis and data minimization reached 100');
      const resolvedAreas = ['lawfulBasis', 'rightsManagement', 'dataMinimization'];
      assert.deepEqual(
        answer.data.issues.map((issue: any) => [issue.area, issue.status]),
        AREAS.map(([key]) => [key, resolvedAreas.includes(key) ? 'resolved' : 'open']),
        'the open issues and those this run resolved, in area order',
      );
      assert.equal(answer.data.issues[2].id, rightsIssue.id);

      const stored = await assessment();
      const rights = stored.find((issue) => issue.id === rightsIssue.id);
      assert.equal(rights.status, 'resolved');
      assert.ok(rights.resolvedAt, 'resolvedAt is set');
      const minimization = stored.find((issue) => issue.id === minimizationIssue.id);
      assert.deepEqual(
        [minimization.status, minimization.dismissed],
        ['resolved', true],
        'resolved, and still dismissed',
      );

      const governance = stored.find((issue) => issue.id === governanceIssue.id);
      assert.equal(governance.status, 'open', 'the same issue, brought up to date');
      assert.equal(governance.priority, 'medium', 'six of nine checks: 67');
      assert.equal(
        governance.description,
        [
          'Data Governance scores 67/100. To do:',
          '- Give a member the Data Protection Officer role (dpo).',
          "- Record the Data Protection Officer's contact email (dpoEmail).",
          "- Generate the organisation's DID (generateDataControllerDID).",
        ].join('\n'),
      );
      assert.equal(stored.filter((issue) => issue.status !== 'resolved').length, 9);
    });

    it('a dismissed open issue is updated, never reopened as a second one, and keeps its flag', async () => {
      const transfers = await openIssue('internationalTransfers');
      await updateIssue(as(owner), transfers.id, { dismissed: true, status: 'inProgress' });
      await mutate(
        as(steward),
        'mutation($c: uuid!) { insertThirdPartyService(object: {dataControllerId: $c, name: "Stripe", country: "US"}) { id } }',
        { c: controllerId },
      );
      const answer = await report(as(owner));
      assert.equal(answer.data.opened, 0);
      const now = (await assessment()).filter((issue) => issue.area === 'internationalTransfers');
      assert.equal(now.length, 1);
      assert.deepEqual(
        [now[0].id, now[0].status, now[0].dismissed, now[0].priority],
        [transfers.id, 'inProgress', true, 'medium'],
      );
      assert.match(
        now[0].description,
        /^International Transfers scores 67\/100\. To do:\n- 1 processor has no transfer mechanism/,
      );
    });

    it('an area that falls below 100 again gets a new issue; the resolved one stays resolved', async () => {
      const resolved = (await assessment()).find((issue) => issue.area === 'rightsManagement')!;
      await mutate(
        as(steward),
        'mutation($c: uuid!) { updateRightsServices(where: {dataControllerId: {_eq: $c}, requestType: {_eq: "object"}}, _set: {enabled: false}) { affected_rows } }',
        {
          c: controllerId,
        },
      );
      const answer = await report(as(owner));
      assert.equal(answer.data.opened, 1);
      const rights = (await assessment()).filter((issue) => issue.area === 'rightsManagement');
      assert.equal(rights.length, 2);
      const reopened = rights.find((issue) => issue.id !== resolved.id)!;
      assert.equal(rights.find((issue) => issue.id === resolved.id)!.status, 'resolved');
      assert.deepEqual([reopened.status, reopened.priority], ['open', 'low']);
      assert.ok(answer.data.issues.some((issue: any) => issue.id === reopened.id));
      assert.match(reopened.description, /- Enable the right to object service \(object\) in rights management\.$/);
    });
  });

  describe('who may read the score and report issues', () => {
    let controllerId: string;
    let owner: Member;
    const refused = (field: string) =>
      graphqlError('data controller not found', 'not-found', `$.selectionSet.${field}`);
    const snapshot = async () => ({
      issues: await server.gqlField(ISSUES, { id: controllerId }, as(owner)),
      audit: (await server.gqlField(AUDIT_COUNT, { id: controllerId }, as(owner))).aggregate.count,
    });

    before(async () => {
      ({ controllerId, owner } = await server.newController('Roles Ltd'));
    });

    it('the roles that may view compliance read the same score; only the accountable ones may report', async () => {
      const members = new Map<string, Member>();
      for (const role of ['auditor', 'member', 'dataController', 'agency', 'dpo', 'admin', 'businessOwner'])
        members.set(role, await server.memberWithRole(controllerId, role));
      const ownerView = await scoreOf(controllerId, as(owner));
      for (const [role, member] of members) assert.deepEqual(await scoreOf(controllerId, as(member)), ownerView, role);

      for (const role of ['auditor', 'member', 'dataController', 'agency']) {
        const before = await snapshot();
        const response = await server.gql(REPORT, { id: controllerId }, as(members.get(role)!));
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, refused('reportDataControllersComplianceIssues'), role);
        assert.deepEqual(await snapshot(), before, `${role}: nothing written`);
      }
      assert.deepEqual(await snapshot().then((s) => s.issues), [], 'no issue exists yet');
      const answer = await server.gqlField(REPORT, { id: controllerId }, as(members.get('dpo')!));
      assert.equal(answer.status, 'success', 'a DPO manages compliance');
      assert.equal(answer.data.score, ownerView.score);
      assert.equal(answer.data.opened, ownerView.areas.filter((area) => area.score < 100).length);
    });

    it('a developer cannot read the score', async () => {
      const developer = await server.memberWithRole(controllerId, 'developer');
      const response = await server.gql(SCORE, { id: controllerId }, as(developer));
      assert.deepEqual(response.body, refused('dataControllerComplianceScore'));
    });

    it("another tenant's owner gets not-found for both, and nothing is written", async () => {
      const other = await server.newController('Other tenant');
      assert.deepEqual(
        (await server.gql(SCORE, { id: controllerId }, as(other.owner))).body,
        refused('dataControllerComplianceScore'),
      );
      const before = await snapshot();
      assert.deepEqual(
        (await server.gql(REPORT, { id: controllerId }, as(other.owner))).body,
        refused('reportDataControllersComplianceIssues'),
      );
      assert.deepEqual(await snapshot(), before);
      // Its own controller is assessed as usual, from its own facts only.
      assert.equal((await scoreOf(other.controllerId, as(other.owner))).score, 12);
    });

    it('an unknown controller is not found, a malformed id is a clear error, and anonymous callers have no such field', async () => {
      const unknown = await server.gql(SCORE, { id: '00000000-0000-4000-8000-000000000000' }, as(owner));
      assert.deepEqual(unknown.body, refused('dataControllerComplianceScore'));
      const malformed = await server.gql(SCORE, { id: 'not-a-uuid' }, as(owner));
      assert.equal(malformed.status, 200);
      assert.equal(malformed.body.errors[0].extensions.code, 'data-exception');
      const anonymous = await server.gql(SCORE, { id: controllerId });
      assert.equal(anonymous.body.errors[0].extensions.code, 'validation-failed');
    });
  });
});
