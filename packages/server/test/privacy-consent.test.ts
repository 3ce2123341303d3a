import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { graphqlError } from './helpers/http.js';
import { asSubject, type Caller, type Member, startPrivacyServer } from './helpers/privacy.js';
import { forSuite } from './helpers/suite.js';

/**
 * Consent capture (captureConsent) from a banner, a member's backend and the Transparency Center;
 * later changes through the documented updateDataSubjectConsentFormValue; the GPC rule; and the
 * Help Center's answerFAQ.
 */

const CAPTURE =
  'mutation($input: CaptureConsentInput!) { captureConsent(input: $input) { status message data { recorded } } }';
const UPDATE_VALUE =
  'mutation($id: uuid!, $v: String!) { updateDataSubjectConsentFormValue(pk_columns: {id: $id}, _set: {value: $v}) { id value source } }';
const ANSWER =
  'query($c: uuid!, $q: String!) { answerFAQ(dataControllerId: $c, question: $q) { status message data { question answer faqId confidence matchedQuestion } } }';

const recorded = (n: number) => ({
  data: { captureConsent: { status: 'success', message: 'Consent recorded', data: { recorded: n } } },
});

describe('privacy: consent capture and FAQ answers', () => {
  const server = forSuite(() => startPrivacyServer());
  let owner: Member;
  let controllerId: string;
  /** Purposes of `form`: analytics (not sale/sharing), marketing and sale (sale/sharing); `offForm` is not on it. */
  const purpose: Record<'analytics' | 'marketing' | 'sale' | 'offForm', string> = {} as never;
  let formId: string;
  let draftFormId: string;
  /** A published form without purposes whose name marks it as marketing (form-level choices). */
  let newsletterFormId: string;
  let other: { controllerId: string; owner: Member; formId: string };

  const capture = (input: Record<string, unknown>, caller: Caller = {}) => server.gql(CAPTURE, { input }, caller);
  const asOwner = (): Caller => ({ token: owner.token });

  const insertPurpose = (token: string, controller: string, name: string, category: string) =>
    server.insertPurpose({ token }, { dataControllerId: controller, name, category });
  const insertForm = (
    token: string,
    controller: string,
    name: string,
    status: string,
    purposeIds: string[],
    category: string | null = null,
  ) => server.insertConsentForm({ token }, { dataControllerId: controller, name, status, category }, purposeIds);

  /** The subject's current values, history and consent activities, as a member reads them. */
  async function consentOf(subjectId: string) {
    const data = await server.gqlData(
      `query($s: uuid!) {
        values: dataSubjectConsentFormValues(where: {dataSubjectId: {_eq: $s}}, order_by: {createdAt: asc}) { id consentFormId purposeId value source formVersion }
        history: dataSubjectConsentHistory(where: {dataSubjectId: {_eq: $s}}, order_by: {createdAt: asc}) { consentFormValueId purposeId action oldValue newValue source actorRole actorUserId }
        activities: dataProcessingActivities(where: {dataSubjectId: {_eq: $s}}, order_by: {createdAt: asc}) { activityType event dataFields purposeId source }
      }`,
      { s: subjectId },
      asOwner(),
    );
    return data as { values: any[]; history: any[]; activities: any[] };
  }

  /**
   * History rows as [about, action, oldValue, newValue, source, actorRole, actorUserId], `about`
   * being the row's purposeId or consentFormValueId: every column a change records, one row a line.
   */
  const historyRows = (history: any[], about: 'purposeId' | 'consentFormValueId') =>
    history.map((h) => [h[about], h.action, h.oldValue, h.newValue, h.source, h.actorRole, h.actorUserId]);

  /** The subjects a value was recorded for on `form` (members read them; the capture's answer never names them). */
  async function subjectsOn(form: string): Promise<string[]> {
    const rows = await server.pavise.db.query<{ data_subject_id: string }>(
      'SELECT DISTINCT data_subject_id FROM public.data_subject_consent_form_values WHERE consent_form_id = $1 ORDER BY 1',
      [form],
    );
    return rows.map((row) => row.data_subject_id);
  }

  /** Row counts of everything a capture could write (direct SQL: the API shows none of the privacy schema). */
  async function counts(): Promise<Record<string, number>> {
    const [row] = await server.pavise.db.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM public.data_subjects) AS subjects,
              (SELECT count(*)::int FROM public.data_subject_identifiers) AS identifiers,
              (SELECT count(*)::int FROM privacy.personal_data) AS personal_data,
              (SELECT count(*)::int FROM privacy.data_subject_keys) AS subject_keys,
              (SELECT count(*)::int FROM public.data_subject_consent_form_values) AS consent_values,
              (SELECT count(*)::int FROM public.data_subject_consent_form_value_history) AS consent_history,
              (SELECT count(*)::int FROM public.data_processing_activities) AS activities`,
    );
    return row!;
  }

  before(async () => {
    ({ controllerId, owner } = await server.newController('Consent Co'));
    purpose.analytics = await insertPurpose(owner.token, controllerId, 'Site analytics', 'analytics');
    purpose.marketing = await insertPurpose(owner.token, controllerId, 'Email newsletters', 'marketing');
    purpose.sale = await insertPurpose(
      owner.token,
      controllerId,
      'Sale of personal information to partners',
      'commercial',
    );
    purpose.offForm = await insertPurpose(owner.token, controllerId, 'Fraud prevention', 'security');
    formId = await insertForm(owner.token, controllerId, 'Cookie banner', 'approved', [
      purpose.analytics,
      purpose.marketing,
      purpose.sale,
    ]);
    draftFormId = await insertForm(owner.token, controllerId, 'Next banner', 'draft', [purpose.analytics]);
    newsletterFormId = await insertForm(owner.token, controllerId, 'Newsletter', 'required', [], 'Marketing');
    const b = await server.newController('Other Co');
    const bPurpose = await insertPurpose(b.owner.token, b.controllerId, 'Analytics', 'analytics');
    other = { ...b, formId: await insertForm(b.owner.token, b.controllerId, 'Their banner', 'approved', [bPurpose]) };
  });

  describe('captureConsent', () => {
    /** One choice: for a purpose of the form or, without one, for the whole form. */
    const choice = (value: string, purposeId?: string) => (purposeId ? { purposeId, value } : { value });
    /** The answer refusing a capture with `code` and a message. */
    const refused = (code: string) => (message: string) => graphqlError(message, code, '$.selectionSet.captureConsent');
    const notFound = refused('not-found');
    const invalid = refused('validation-failed');

    it('records an anonymous banner capture: values, history and processing activities, and answers nothing about the subject', async () => {
      const response = await capture({
        dataControllerId: controllerId,
        consentFormId: formId,
        email: ' Banner.Visitor@Example.com ',
        choices: [choice('granted', purpose.analytics), choice('denied', purpose.marketing)],
      });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, recorded(2));

      const [subjectId] = await subjectsOn(formId);
      assert.ok(subjectId);
      const { values, history, activities } = await consentOf(subjectId);
      const byPurpose = (a: { purposeId: string }, b: { purposeId: string }) => a.purposeId.localeCompare(b.purposeId);
      assert.deepEqual(
        values
          .map(({ purposeId, value, source, formVersion, consentFormId }) => ({
            purposeId,
            value,
            source,
            formVersion,
            consentFormId,
          }))
          .sort(byPurpose),
        [
          { purposeId: purpose.analytics, value: 'granted', source: 'banner', formVersion: 1, consentFormId: formId },
          { purposeId: purpose.marketing, value: 'denied', source: 'banner', formVersion: 1, consentFormId: formId },
        ].sort(byPurpose),
      );
      const byFirst = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
      assert.deepEqual(
        historyRows(history, 'purposeId').sort(byFirst),
        [
          [purpose.analytics, 'grant', null, 'granted', 'banner', 'anonymous', null],
          [purpose.marketing, 'deny', null, 'denied', 'banner', 'anonymous', null],
        ].sort(byFirst),
      );
      // The ingestion (a new subject from the banner) and one consent change per choice, all in
      // one transaction (the same createdAt, so compared as a set).
      const activity = (a: any) =>
        `${a.activityType} ${a.event} ${JSON.stringify(a.dataFields)} ${a.source} ${a.purposeId}`;
      assert.deepEqual(
        activities.map(activity).sort(),
        [
          'collection consent.captured ["email"] banner null',
          `consentChange consent.grant ["consent"] banner ${purpose.analytics}`,
          `consentChange consent.deny ["consent"] banner ${purpose.marketing}`,
        ].sort(),
      );

      // The same visitor again (the address written differently): the same subject, one value per purpose.
      const again = await capture({
        dataControllerId: controllerId,
        consentFormId: formId,
        email: 'banner.visitor@example.COM',
        choices: [choice('granted', purpose.marketing)],
      });
      assert.deepEqual(again.body, recorded(1));
      assert.deepEqual(await subjectsOn(formId), [subjectId]);
      const later = await consentOf(subjectId);
      assert.equal(later.values.length, 2);
      assert.equal(later.values.find((v) => v.purposeId === purpose.marketing).value, 'granted');
      assert.deepEqual(
        later.history.slice(2).map(({ action, oldValue, newValue }) => ({ action, oldValue, newValue })),
        [{ action: 'change', oldValue: 'denied', newValue: 'granted' }],
      );
      assert.deepEqual(later.activities.slice(3).map(activity).sort(), [
        `consentChange consent.change ["consent"] banner ${purpose.marketing}`,
        'profileUpdate consent.captured ["email"] banner null',
      ]);
    });

    it('a change through updateDataSubjectConsentFormValue (a member, then the subject) appends history in order', async () => {
      assert.deepEqual(
        (
          await capture({
            dataControllerId: controllerId,
            consentFormId: formId,
            phone: '+44 20 7946 0001',
            choices: [choice('granted', purpose.analytics)],
          })
        ).body,
        recorded(1),
      );
      const [row] = await server.pavise.db.query<{ id: string; data_subject_id: string }>(
        `SELECT v.id, v.data_subject_id FROM public.data_subject_consent_form_values v
         JOIN public.data_subject_identifiers i ON i.data_subject_id = v.data_subject_id AND i.kind = 'phone'
         WHERE v.consent_form_id = $1`,
        [formId],
      );
      assert.ok(row);
      const valueId = row.id;

      const dpo = await server.memberWithRole(controllerId, 'dpo');
      const byMember = await server.gql(UPDATE_VALUE, { id: valueId, v: 'withdrawn' }, { token: dpo.token });
      assert.deepEqual(byMember.body, {
        data: { updateDataSubjectConsentFormValue: { id: valueId, value: 'withdrawn', source: 'banner' } },
      });
      const bySubject = await server.gql(UPDATE_VALUE, { id: valueId, v: 'granted' }, asSubject(row.data_subject_id));
      assert.deepEqual(bySubject.body, {
        data: { updateDataSubjectConsentFormValue: { id: valueId, value: 'granted', source: 'transparencyCenter' } },
      });
      // The same value again is no change: no history row.
      await server.gqlData(UPDATE_VALUE, { id: valueId, v: 'granted' }, asSubject(row.data_subject_id));

      const { history, activities } = await consentOf(row.data_subject_id);
      assert.deepEqual(historyRows(history, 'consentFormValueId'), [
        [valueId, 'grant', null, 'granted', 'banner', 'anonymous', null],
        [valueId, 'withdrawal', 'granted', 'withdrawn', 'banner', 'user', dpo.userId],
        [valueId, 'change', 'withdrawn', 'granted', 'transparencyCenter', 'dataSubject', null],
      ]);
      // The first two were written by the capture's transaction (the same createdAt).
      const described = activities.map((a) => `${a.activityType} ${a.event} ${a.source}`);
      assert.deepEqual(
        [...described.slice(0, 2).sort(), ...described.slice(2)],
        [
          'collection consent.captured banner',
          'consentChange consent.grant banner',
          'consentChange consent.withdrawal banner',
          'consentChange consent.change transparencyCenter',
        ],
      );

      // An auditor only reads: the update matches no row and changes nothing.
      const auditor = await server.memberWithRole(controllerId, 'auditor');
      const refused = await server.gql(UPDATE_VALUE, { id: valueId, v: 'denied' }, { token: auditor.token });
      assert.deepEqual(refused.body, { data: { updateDataSubjectConsentFormValue: null } });
      assert.equal((await consentOf(row.data_subject_id)).history.length, 3);
    });

    it('a member that may manage privacy captures for a person it names; the dataSubject role for itself only', async () => {
      const agency = await server.memberWithRole(controllerId, 'agency');
      const before = new Set(await subjectsOn(formId));
      assert.deepEqual(
        (
          await capture(
            {
              dataControllerId: controllerId,
              consentFormId: formId,
              externalId: 'crm-7781',
              choices: [choice('denied', purpose.sale)],
            },
            { token: agency.token },
          )
        ).body,
        recorded(1),
      );
      const subjectId = (await subjectsOn(formId)).find((id) => !before.has(id))!;
      assert.ok(subjectId);
      assert.deepEqual(
        (await consentOf(subjectId)).values.map(({ value, source }) => ({ value, source })),
        [{ value: 'denied', source: 'api' }],
      );

      // The subject itself, no identifier: its own answers, source transparencyCenter.
      assert.deepEqual(
        (
          await capture(
            {
              dataControllerId: controllerId,
              consentFormId: formId,
              choices: [choice('granted', purpose.sale), choice('denied', purpose.analytics)],
            },
            asSubject(subjectId),
          )
        ).body,
        recorded(2),
      );
      const mine = await consentOf(subjectId);
      assert.deepEqual(
        mine.values
          .map(({ purposeId, value, source }) => ({ purposeId, value, source }))
          .sort((a, b) => a.purposeId.localeCompare(b.purposeId)),
        [
          { purposeId: purpose.sale, value: 'granted', source: 'transparencyCenter' },
          { purposeId: purpose.analytics, value: 'denied', source: 'transparencyCenter' },
        ].sort((a, b) => a.purposeId.localeCompare(b.purposeId)),
      );
      assert.deepEqual(
        mine.history.map((h) => h.actorRole),
        ['user', 'dataSubject', 'dataSubject'],
      );
      assert.equal(
        mine.activities.filter((a) => a.activityType === 'collection').length,
        1,
        'the subject role ingests nobody',
      );

      const start = await counts();
      // The subject cannot name someone (an identifier could resolve to another person) ...
      const named = await capture(
        {
          dataControllerId: controllerId,
          consentFormId: formId,
          email: 'someone@example.com',
          choices: [choice('denied', purpose.sale)],
        },
        asSubject(subjectId),
      );
      assert.deepEqual(
        named.body,
        invalid('a signed-in data subject records its own consent: leave out email, phone and externalId'),
      );
      // ... nor answer another controller's form; a read-only member (auditor) cannot capture.
      const elsewhere = await capture(
        { dataControllerId: other.controllerId, consentFormId: other.formId, choices: [choice('granted')] },
        asSubject(subjectId),
      );
      assert.deepEqual(elsewhere.body, notFound('data controller not found'));
      const auditor = await server.memberWithRole(controllerId, 'auditor');
      const readOnly = await capture(
        {
          dataControllerId: controllerId,
          consentFormId: formId,
          email: 'x@example.com',
          choices: [choice('granted')],
        },
        { token: auditor.token },
      );
      assert.deepEqual(readOnly.body, notFound('data controller not found'));
      const outsider = await capture(
        {
          dataControllerId: other.controllerId,
          consentFormId: other.formId,
          email: 'x@example.com',
          choices: [choice('granted')],
        },
        { token: owner.token },
      );
      assert.deepEqual(outsider.body, notFound('data controller not found'));
      assert.deepEqual(await counts(), start);
    });

    it('GPC: with gpc true and a controller that honours it, a granted sale/sharing/marketing purpose is recorded as denied (source gpc)', async () => {
      const choices = [
        choice('granted', purpose.analytics),
        choice('granted', purpose.marketing),
        choice('granted', purpose.sale),
      ];
      const valuesOf = async (email: string, form = formId, extra: Record<string, unknown> = {}) => {
        const before = new Set(await subjectsOn(form));
        const response = await capture({ dataControllerId: controllerId, consentFormId: form, email, ...extra });
        assert.equal(response.body.errors, undefined, response.text);
        const subjectId = (await subjectsOn(form)).find((id) => !before.has(id))!;
        const { values, history } = await consentOf(subjectId);
        const name = (id: string | null) =>
          id === null ? 'form' : Object.entries(purpose).find(([, pid]) => pid === id)![0];
        return {
          values: Object.fromEntries(values.map((v) => [name(v.purposeId), `${v.value}/${v.source}`])),
          history: history.map((h) => `${name(h.purposeId)} ${h.action} ${h.newValue} ${h.source}`).sort(),
        };
      };

      const withGpc = await valuesOf('gpc-1@example.com', formId, { choices, gpc: true });
      assert.deepEqual(withGpc.values, { analytics: 'granted/banner', marketing: 'denied/gpc', sale: 'denied/gpc' });
      assert.deepEqual(withGpc.history, [
        'analytics grant granted banner',
        'marketing deny denied gpc',
        'sale deny denied gpc',
      ]);
      // Without the signal, the same choices are recorded as sent.
      assert.deepEqual((await valuesOf('gpc-2@example.com', formId, { choices, gpc: false })).values, {
        analytics: 'granted/banner',
        marketing: 'granted/banner',
        sale: 'granted/banner',
      });
      // A choice without purpose answers the whole form: the form's category (Marketing) decides.
      assert.deepEqual(
        (await valuesOf('gpc-3@example.com', newsletterFormId, { choices: [choice('granted')], gpc: true })).values,
        { form: 'denied/gpc' },
      );
      // Denials and withdrawals are not touched.
      assert.deepEqual(
        (
          await valuesOf('gpc-4@example.com', formId, {
            choices: [choice('withdrawn', purpose.sale), choice('denied', purpose.marketing)],
            gpc: true,
          })
        ).values,
        { sale: 'withdrawn/banner', marketing: 'denied/banner' },
      );

      // A controller that does not honour GPC records what was chosen.
      await server.gqlData(
        'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {honourGpc: false}) { id } }',
        { id: controllerId },
        asOwner(),
      );
      try {
        assert.deepEqual((await valuesOf('gpc-5@example.com', formId, { choices, gpc: true })).values, {
          analytics: 'granted/banner',
          marketing: 'granted/banner',
          sale: 'granted/banner',
        });
      } finally {
        await server.gqlData(
          'mutation($id: uuid!) { updateDataController(pk_columns: {id: $id}, _set: {honourGpc: true}) { id } }',
          { id: controllerId },
          asOwner(),
        );
      }
    });

    it('refuses a draft form, another controller’s form, a purpose not on the form, a bad value and an unknown controller, writing nothing', async () => {
      const base = { dataControllerId: controllerId, consentFormId: formId, email: 'refused@example.com' };
      const noSuchForm = notFound('consent form not found among the published consent forms of this data controller');
      const cases: [string, Record<string, unknown>, unknown][] = [
        [
          'draft form',
          { ...base, consentFormId: draftFormId, choices: [choice('granted', purpose.analytics)] },
          noSuchForm,
        ],
        [
          "another controller's form",
          { ...base, consentFormId: other.formId, choices: [choice('granted')] },
          noSuchForm,
        ],
        [
          'unknown form',
          { ...base, consentFormId: '00000000-0000-4000-8000-000000000000', choices: [choice('granted')] },
          noSuchForm,
        ],
        [
          'purpose not on the form',
          { ...base, choices: [choice('granted', purpose.analytics), choice('granted', purpose.offForm)] },
          invalid('choices[1].purposeId is not a purpose of this consent form'),
        ],
        [
          'bad value',
          { ...base, choices: [choice('yes', purpose.analytics)] },
          invalid('choices[0].value must be one of granted, denied, withdrawn'),
        ],
        ['no choice', { ...base, choices: [] }, invalid('choices must hold at least one choice')],
        [
          'the same purpose twice',
          { ...base, choices: [choice('granted', purpose.analytics), choice('denied', purpose.analytics)] },
          invalid('choices[1]: this purposeId is given twice'),
        ],
        [
          'unknown controller',
          { ...base, dataControllerId: '00000000-0000-4000-8000-000000000001', choices: [choice('granted')] },
          notFound('data controller not found'),
        ],
        [
          'no identifier',
          { dataControllerId: controllerId, consentFormId: formId, choices: [choice('granted')] },
          invalid('payload needs at least one identifier: email, phone or externalId'),
        ],
        [
          'bad email',
          { ...base, email: 'not an email', choices: [choice('granted')] },
          invalid('payload.email: email is not an email address'),
        ],
      ];
      const start = await counts();
      for (const [label, input, expected] of cases) {
        const response = await capture(input);
        assert.equal(response.status, 200, label);
        assert.deepEqual(response.body, expected, label);
      }
      const badId = await capture({ ...base, consentFormId: 'not-a-uuid', choices: [choice('granted')] });
      assert.equal(badId.status, 200);
      assert.equal(badId.body.errors[0].extensions.code, 'data-exception');
      assert.deepEqual(await counts(), start);
    });
  });

  describe('answerFAQ', () => {
    let faq: Record<'delete' | 'cookies' | 'dpo' | 'hidden' | 'sell', string>;

    before(async () => {
      const insert = async (question: string, answer: string, published = true, position = 0) =>
        (
          await server.gqlField(
            'mutation($o: dataControllerFaqs_insert_input!) { insertDataControllerFaq(object: $o) { id } }',
            { o: { dataControllerId: controllerId, question, answer, published, position } },
            asOwner(),
          )
        ).id as string;
      faq = {
        delete: await insert(
          'How do I delete my data?',
          'Send an erasure request from the Transparency Center.',
          true,
          1,
        ),
        cookies: await insert('What cookies do you use?', 'Only the analytics cookies listed in the banner.', true, 2),
        dpo: await insert(
          'Who is your data protection officer?',
          'Our DPO is reachable at dpo@consent.example.',
          true,
          3,
        ),
        sell: await insert('Do you sell my data?', 'No. We never sell personal data.', true, 4),
        hidden: await insert('What is the internal escalation runbook?', 'Draft, not for the public.', false, 5),
      };
    });

    const ask = (question: string, caller: Caller = {}, controller = controllerId) =>
      server.gql(ANSWER, { c: controller, q: question }, caller);
    const answered = (question: string, id: string, answer: string, matchedQuestion: string, confidence: number) => ({
      data: {
        answerFAQ: {
          status: 'success',
          message: 'answerFAQ',
          data: { question, answer, faqId: id, confidence, matchedQuestion },
        },
      },
    });
    const unanswered = (question: string) => ({
      data: {
        answerFAQ: {
          status: 'success',
          message: 'No published FAQ matches the question',
          data: { question, answer: null, faqId: null, confidence: 0, matchedQuestion: null },
        },
      },
    });

    it('picks the published FAQ sharing the most significant words, with a confidence from 0 to 1', async () => {
      // The FAQ "How do I delete my data?" answers both; the answer repeats the question trimmed.
      const byDeleteFaq = (question: string, confidence: number) =>
        answered(
          question,
          faq.delete,
          'Send an erasure request from the Transparency Center.',
          'How do I delete my data?',
          confidence,
        );
      // {personal, data, delete} against {delete, data}: 2·2 / (3+2) = 0.8. Stop words and word forms do not count.
      const question = 'How can I get my personal data deleted?';
      assert.deepEqual((await ask(question)).body, byDeleteFaq(question, 0.8));
      assert.deepEqual((await ask('  DELETE data  ')).body, byDeleteFaq('DELETE data', 1));
      assert.deepEqual((await ask('which cookie is used')).body.data.answerFAQ.data.faqId, faq.cookies);
      assert.deepEqual((await ask('Who is the Data Protection Officer')).body.data.answerFAQ.data.confidence, 1);
      assert.deepEqual((await ask('is my data sold or shared?')).body.data.answerFAQ.data.faqId, faq.sell);
      // Deterministic: the same question always gets the same answer.
      const again = await Promise.all(Array.from({ length: 5 }, () => ask(question)));
      assert.equal(new Set(again.map((r) => r.text)).size, 1);
    });

    it('answers null when nothing matches, and never from an unpublished FAQ', async () => {
      assert.deepEqual(
        (await ask('What is the weather like today?')).body,
        unanswered('What is the weather like today?'),
      );
      assert.deepEqual((await ask('what is it?')).body, unanswered('what is it?'));
      assert.deepEqual((await ask('internal escalation runbook')).body, unanswered('internal escalation runbook'));
    });

    it('anyone may ask about an existing controller; members and subjects only about their own', async () => {
      const question = 'delete my data';
      assert.equal((await ask(question, asOwner())).body.data.answerFAQ.data.faqId, faq.delete);
      const auditor = await server.memberWithRole(controllerId, 'auditor');
      assert.equal((await ask(question, { token: auditor.token })).body.data.answerFAQ.data.faqId, faq.delete);
      const [subjectId] = await subjectsOn(formId);
      assert.equal((await ask(question, asSubject(subjectId!))).body.data.answerFAQ.data.faqId, faq.delete);

      const notFound = graphqlError('data controller not found', 'not-found', '$.selectionSet.answerFAQ');
      const { errors: unknown } = (await ask(question, {}, '00000000-0000-4000-8000-000000000002')).body;
      assert.deepEqual({ errors: unknown }, notFound);
      assert.deepEqual({ errors: (await ask(question, { token: other.owner.token })).body.errors }, notFound);
      assert.deepEqual(
        { errors: (await ask(question, asSubject(subjectId!), other.controllerId)).body.errors },
        notFound,
      );
      // The other controller has no FAQ: its visitors get no answer from this one's.
      assert.deepEqual((await ask(question, {}, other.controllerId)).body, unanswered(question));
    });

    it('refuses an empty or oversized question', async () => {
      for (const question of ['   ', 'x'.repeat(1001)]) {
        const response = await ask(question);
        assert.equal(response.status, 200);
        assert.deepEqual(
          response.body,
          graphqlError('question must be 1 to 1000 characters', 'validation-failed', '$.selectionSet.answerFAQ'),
        );
      }
    });
  });
});
