import type { Queryable } from '../../db/database.js';
import { ActionError } from '../../graphql/errors.js';
import type { ActionContext, ActionModel } from '../../graphql/model.js';
import { type ControllerAccess, controllerAccess, publicControllerAccess, subjectAccess } from '../access.js';
import { IDENTIFIER_KINDS } from '../identifiers.js';
import { ingestDataSubject } from '../ingestion.js';
import type { PrivacyServices } from '../services.js';
import { envelopedAction } from './result.js';

/**
 * captureConsent: what a consent banner or the Transparency Center sends when a person answers a
 * consent form. Write-only: the answer says how many choices were recorded and nothing about the
 * subject (an anonymous caller must not learn whether an email address is already known).
 *
 * - anonymous (a banner) and user (a member that may managePrivacy, e.g. the controller's
 *   backend): the person is named by email, phone and/or externalId and resolved, or created,
 *   through the ingestion pipeline like createDataSubject;
 * - dataSubject: its own subject; it names no identifier (one could resolve to someone else).
 *
 * Each choice is upserted into data_subject_consent_form_values; the table's triggers write the
 * history row and the processing activity and stamp the form's version.
 */
const VALUES = ['granted', 'denied', 'withdrawn'] as const;
type ConsentValue = (typeof VALUES)[number];
const MAX_CHOICES = 100;
const NO_PURPOSE = '00000000-0000-0000-0000-000000000000';

interface Choice {
  purposeId: string | null;
  value: ConsentValue;
}

interface CaptureInput {
  dataControllerId: string;
  consentFormId: string;
  choices: Choice[];
  identifiers: Partial<Record<(typeof IDENTIFIER_KINDS)[number], string>>;
  gpc: boolean;
}

/** The form, if published by the controller, with what the GPC rule needs. */
interface PublishedForm {
  name: string;
  category: string | null;
  honourGpc: boolean;
  purposes: Array<{ id: string; name: string; category: string | null }>;
}

export function captureConsent({ keys }: PrivacyServices): ActionModel {
  return envelopedAction({
    name: 'captureConsent',
    kind: 'mutation',
    types: `
input ConsentChoice { purposeId: uuid value: String! }
input CaptureConsentInput { dataControllerId: uuid! consentFormId: uuid! choices: [ConsentChoice!]! email: String phone: String externalId: String gpc: Boolean }`,
    data: { fields: 'recorded: Int!' },
    message: 'Consent recorded',
    arguments: '(input: CaptureConsentInput!)',
    roles: ['anonymous', 'user', 'dataSubject'],
    async handler({ input, session, db }) {
      const capture = parse(input.input as Record<string, unknown>);
      const source = sourceOf(session.role);
      let subjectId: string;
      let form: PublishedForm;
      if (session.role === 'dataSubject') {
        if (Object.keys(capture.identifiers).length > 0) {
          throw new ActionError(
            'a signed-in data subject records its own consent: leave out email, phone and externalId',
            'validation-failed',
          );
        }
        const own = session.variables['x-hasura-data-subject-id'];
        if (!own) throw new ActionError('data controller not found', 'not-found');
        const access = await subjectAccess(db, session, own, 'managePrivacy', true);
        // Its own controller only; an erased subject has nobody left to consent.
        if (access.controllerId !== capture.dataControllerId || access.erasedAt)
          throw new ActionError('data controller not found', 'not-found');
        form = await publishedForm(db, capture);
        subjectId = access.subjectId;
      } else {
        const controller: ControllerAccess =
          session.role === 'anonymous'
            ? await publicControllerAccess(db, capture.dataControllerId)
            : await controllerAccess(db, session, capture.dataControllerId, 'managePrivacy');
        // The form is checked before anyone is ingested, so a refused capture creates nobody.
        form = await publishedForm(db, capture);
        ({ dataSubjectId: subjectId } = await ingestDataSubject(db, keys, controller, {
          event: 'consent.captured',
          payload: capture.identifiers,
          source,
        }));
      }

      const honourGpc = capture.gpc && form.honourGpc;
      const rows = capture.choices.map((choice) => {
        const subject =
          choice.purposeId === null ? form : form.purposes.find((purpose) => purpose.id === choice.purposeId)!;
        return honourGpc && choice.value === 'granted' && isSaleOrSharing(subject)
          ? { purposeId: choice.purposeId, value: 'denied', source: 'gpc' }
          : { purposeId: choice.purposeId, value: choice.value, source };
      });
      // Always SET value (even unchanged): the BEFORE UPDATE OF value trigger then stamps the form's
      // current version on a re-confirmed answer; the history trigger ignores unchanged values.
      await db.query(
        `INSERT INTO public.data_subject_consent_form_values (data_controller_id, data_subject_id, consent_form_id, purpose_id, value, source)
         SELECT $1, $2, $3, c.purpose_id, c.value, c.source FROM unnest($4::uuid[], $5::text[], $6::text[]) AS c(purpose_id, value, source)
         ON CONFLICT (data_controller_id, data_subject_id, consent_form_id, coalesce(purpose_id, '${NO_PURPOSE}'::uuid))
         DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source`,
        [
          capture.dataControllerId,
          subjectId,
          capture.consentFormId,
          rows.map((r) => r.purposeId),
          rows.map((r) => r.value),
          rows.map((r) => r.source),
        ],
      );
      return { recorded: rows.length };
    },
  });
}

/** The value's source column: where the answer came from. */
function sourceOf(role: ActionContext['session']['role']): 'banner' | 'transparencyCenter' | 'api' {
  if (role === 'anonymous') return 'banner';
  if (role === 'dataSubject') return 'transparencyCenter';
  return 'api';
}

function parse(raw: Record<string, unknown>): CaptureInput {
  const choices = raw.choices as Array<{ purposeId?: string | null; value: string }>;
  if (choices.length === 0) throw new ActionError('choices must hold at least one choice', 'validation-failed');
  if (choices.length > MAX_CHOICES)
    throw new ActionError(`choices must hold at most ${MAX_CHOICES} choices`, 'validation-failed');
  const seen = new Set<string>();
  const parsed = choices.map((choice, index) => {
    if (!(VALUES as readonly string[]).includes(choice.value)) {
      throw new ActionError(`choices[${index}].value must be one of ${VALUES.join(', ')}`, 'validation-failed');
    }
    const purposeId = choice.purposeId ?? null;
    // One answer per purpose (per form, for a choice without purpose): two would contradict each other.
    const key = purposeId ?? NO_PURPOSE;
    if (seen.has(key))
      throw new ActionError(
        `choices[${index}]: ${purposeId ? 'this purposeId' : 'a choice without purposeId'} is given twice`,
        'validation-failed',
      );
    seen.add(key);
    return { purposeId, value: choice.value as ConsentValue };
  });
  const identifiers: CaptureInput['identifiers'] = {};
  for (const kind of IDENTIFIER_KINDS) {
    if (raw[kind] !== undefined && raw[kind] !== null) identifiers[kind] = raw[kind] as string;
  }
  return {
    dataControllerId: raw.dataControllerId as string,
    consentFormId: raw.consentFormId as string,
    choices: parsed,
    identifiers,
    gpc: raw.gpc === true,
  };
}

/** The consent form if it is the controller's and published (approved or required), else not found. */
async function publishedForm(db: Queryable, capture: CaptureInput): Promise<PublishedForm> {
  const [row] = await db.query<{
    name: string;
    category: string | null;
    honour_gpc: boolean;
    purposes: PublishedForm['purposes'];
  }>(
    `SELECT f.name, f.category, c.honour_gpc,
            coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.name, 'category', p.category))
                      FROM public.consent_form_purposes fp JOIN public.purposes p ON p.id = fp.purpose_id
                      WHERE fp.consent_form_id = f.id), '[]') AS purposes
     FROM public.consent_forms f JOIN public.data_controllers c ON c.id = f.data_controller_id
     WHERE f.id = $1 AND f.data_controller_id = $2 AND f.status IN ('approved', 'required')`,
    [capture.consentFormId, capture.dataControllerId],
  );
  // A draft, another controller's form and no form at all look the same to the caller.
  if (!row)
    throw new ActionError(
      'consent form not found among the published consent forms of this data controller',
      'not-found',
    );
  capture.choices.forEach((choice, index) => {
    if (choice.purposeId !== null && !row.purposes.some((purpose) => purpose.id === choice.purposeId)) {
      throw new ActionError(`choices[${index}].purposeId is not a purpose of this consent form`, 'validation-failed');
    }
  });
  return { name: row.name, category: row.category, honourGpc: row.honour_gpc, purposes: row.purposes };
}

/**
 * The GPC rule. A Global Privacy Control signal (the browser's Sec-GPC: 1, sent here as gpc: true)
 * is a valid opt-out of the sale and sharing of personal information (CCPA regulations §7025; the
 * dashboard's "Detect Global Privacy Control" = data_controllers.honour_gpc). So when the capture
 * carries gpc: true and the controller honours GPC, a choice that GRANTS a sale/sharing purpose is
 * recorded as DENIED, with source 'gpc' (the history shows why). A purpose is of that kind when
 * its category or its name contains, as a whole word (case-insensitive), one of SALE_OR_SHARING
 * below: selling, sharing (incl. cross-context behavioural advertising) and targeting/marketing.
 * A choice without purposeId answers the whole form: the form's category and name are used.
 * Denied and withdrawn choices, and every other purpose, are recorded as sent.
 */
const SALE_OR_SHARING = new Set([
  'sale',
  'sales',
  'sell',
  'selling',
  'sold',
  'share',
  'sharing',
  'shared',
  'targeting',
  'targeted',
  'marketing',
  'advertising',
  'ads',
]);

function isSaleOrSharing(subject: { name: string; category: string | null }): boolean {
  const words = `${subject.category ?? ''} ${subject.name}`.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  return words.some((word) => SALE_OR_SHARING.has(word));
}
