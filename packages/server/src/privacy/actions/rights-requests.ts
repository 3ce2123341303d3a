import type { Queryable } from '../../db/database.js';
import { ActionError } from '../../graphql/errors.js';
import type { ActionContext, ActionModel } from '../../graphql/model.js';
import { type ControllerAccess, controllerAccess, publicControllerAccess } from '../access.js';
import { jurisdictionOf, normaliseIdentifier } from '../identifiers.js';
import { ingestDataSubject } from '../ingestion.js';
import type { PrivacyServices } from '../services.js';
import { envelopedAction } from './result.js';
import { controllerAction } from './scoped.js';

/**
 * Rights requests (docs/contracts.md §6.6): submission from a Transparency Center or an
 * embedded form, and the dashboard's report. The workflow, the deadline and the audit trail are
 * the database's (triggers of migration 0008): a request starts `submitted`, its due date comes
 * from the jurisdiction, and every transition is recorded. Times are the server's clock, read in
 * SQL as pavise.now() (migration 0010), which the engine sets for the transaction.
 */

export const REQUEST_TYPES = [
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
] as const;
export const REQUEST_STATUSES = ['submitted', 'identityVerified', 'inProgress', 'completed', 'rejected'] as const;

const MAX_DISPLAY_NAME = 200;
const MAX_NOTES = 5000;

interface Submission {
  dataControllerId: string;
  requestType: (typeof REQUEST_TYPES)[number];
  email?: string;
  phone?: string;
  displayName?: string;
  country?: string;
  notes?: string;
}

/**
 * submitDataSubjectsRightsRequest: write-only. Whoever submits learns the request's id, status
 * and due date, nothing about the subject it was filed for (which may be one the controller
 * already knew under the same email).
 */
export function submitDataSubjectsRightsRequest({ keys }: PrivacyServices): ActionModel {
  return envelopedAction({
    name: 'submitDataSubjectsRightsRequest',
    kind: 'mutation',
    types: `
input SubmitDataSubjectsRightsRequestInput { dataControllerId: uuid! requestType: String! email: String phone: String displayName: String country: String notes: String }`,
    data: { fields: 'requestId: uuid! status: String! dueAt: timestamptz!' },
    arguments: '(input: SubmitDataSubjectsRightsRequestInput!)',
    roles: ['anonymous', 'user', 'dataSubject'],
    async handler({ input, session, db }) {
      const submission = validateSubmission(input.input as Record<string, unknown>, session.role === 'dataSubject');
      const controller =
        session.role === 'anonymous' || session.role === 'dataSubject'
          ? await publicControllerAccess(db, submission.dataControllerId)
          : await controllerAccess(db, session, submission.dataControllerId, 'managePrivacy');
      await refuseDisabledType(db, controller.controllerId, submission.requestType);

      // A signed-in subject is who its session says; identifiers it sends are checked, not needed.
      const subjectId =
        session.role === 'dataSubject'
          ? await signedInSubject(db, session, controller.controllerId)
          : (
              await ingestDataSubject(db, keys, controller, {
                event: 'rightsRequest.submitted',
                payload: personalData(submission),
                source: 'form',
              })
            ).dataSubjectId;

      // dueAt rendered as the GraphQL tables render timestamptz, so it compares equal to a later read.
      const [request] = await db.query<{ id: string; status: string; due_at: string }>(
        `INSERT INTO public.data_subject_rights_requests (data_controller_id, data_subject_id, request_type, jurisdiction, channel, notes)
         VALUES ($1, $2, $3, $4, 'form', $5)
         RETURNING id, status, to_json(due_at) #>> '{}' AS due_at`,
        [
          controller.controllerId,
          subjectId,
          submission.requestType,
          await requestJurisdiction(db, session, controller, submission),
          submission.notes ?? null,
        ],
      );
      return { requestId: request!.id, status: request!.status, dueAt: request!.due_at };
    },
  });
}

function validateSubmission(raw: Record<string, unknown>, signedIn: boolean): Submission {
  const requestType = raw.requestType;
  if (typeof requestType !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(requestType)) {
    throw new ActionError(`requestType must be one of ${REQUEST_TYPES.join(', ')}`, 'validation-failed');
  }
  const submission: Submission = {
    dataControllerId: raw.dataControllerId as string,
    requestType: requestType as Submission['requestType'],
  };
  for (const kind of ['email', 'phone'] as const) {
    if (raw[kind] === undefined || raw[kind] === null) continue;
    const normalised = normaliseIdentifier(kind, raw[kind]);
    if ('error' in normalised) throw new ActionError(normalised.error, 'validation-failed');
    submission[kind] = (raw[kind] as string).trim();
  }
  if (!signedIn && submission.email === undefined && submission.phone === undefined) {
    throw new ActionError(
      'give an email or a phone number: the data controller needs one to identify you and to answer',
      'validation-failed',
    );
  }
  const displayName = optionalText(raw.displayName);
  if (displayName !== undefined) {
    if (displayName.length > MAX_DISPLAY_NAME)
      throw new ActionError(`displayName must be at most ${MAX_DISPLAY_NAME} characters`, 'validation-failed');
    submission.displayName = displayName;
  }
  const country = optionalText(raw.country);
  if (country !== undefined) {
    if (!/^[A-Za-z]{2,3}$/.test(country))
      throw new ActionError('country must be an ISO 3166 country code, e.g. DE or US', 'validation-failed');
    submission.country = country.toUpperCase();
  }
  const notes = optionalText(raw.notes);
  if (notes !== undefined) {
    if (notes.length > MAX_NOTES)
      throw new ActionError(`notes must be at most ${MAX_NOTES} characters`, 'validation-failed');
    submission.notes = notes;
  }
  return submission;
}

/** A trimmed text, or undefined for nothing, null or only blanks. */
function optionalText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text.length === 0 ? undefined : text;
}

/** What the form said about the person: sealed under the subject's key by the ingestion. */
function personalData(submission: Submission): Record<string, string> {
  const data: Record<string, string> = {};
  for (const field of ['email', 'phone', 'displayName', 'country'] as const)
    if (submission[field] !== undefined) data[field] = submission[field];
  return data;
}

async function refuseDisabledType(db: Queryable, controllerId: string, requestType: string): Promise<void> {
  const [row] = await db.query<{ accepted: boolean; enabled: string[] }>(
    `SELECT public.rights_request_type_accepted($1, $2) AS accepted,
            coalesce((SELECT array_agg(request_type ORDER BY request_type) FROM public.rights_services WHERE data_controller_id = $1 AND enabled), '{}') AS enabled`,
    [controllerId, requestType],
  );
  if (!row!.accepted) {
    const offered =
      row!.enabled.length > 0 ? `it accepts ${row!.enabled.join(', ')}` : 'it accepts no requests through this form';
    throw new ActionError(
      `this data controller does not accept ${requestType} requests: ${offered}`,
      'validation-failed',
    );
  }
}

/** The dataSubject role files for itself: the subject of its session, which must be the controller's and not erased. */
async function signedInSubject(
  db: Queryable,
  session: ActionContext['session'],
  controllerId: string,
): Promise<string> {
  const subjectId = session.variables['x-hasura-data-subject-id'];
  const [row] = subjectId
    ? await db.query<{ erased_at: Date | null }>(
        'SELECT erased_at FROM public.data_subjects WHERE id = $1 AND data_controller_id = $2',
        [subjectId, controllerId],
      )
    : [];
  if (!row)
    throw new ActionError('the signed-in data subject is not a data subject of this data controller', 'not-found');
  if (row.erased_at) throw new ActionError('the signed-in data subject has been erased', 'validation-failed');
  return subjectId!;
}

/**
 * The regulation the request's deadline follows: where the requester says they live, when that
 * names one. Otherwise the subject's own (the insert trigger's default) — except for an
 * anonymous caller, who gets the controller's default: the due date answered must not tell a
 * stranger the jurisdiction of a subject the controller already knew under that email.
 */
async function requestJurisdiction(
  db: Queryable,
  session: ActionContext['session'],
  controller: ControllerAccess,
  submission: Submission,
): Promise<string | null> {
  const stated = jurisdictionOf(submission.country);
  if (stated) return stated;
  if (session.role !== 'anonymous') return null;
  const [row] = await db.query<{ default_jurisdiction: string }>(
    'SELECT default_jurisdiction FROM public.data_controllers WHERE id = $1',
    [controller.controllerId],
  );
  return row!.default_jurisdiction;
}

/**
 * The dashboard's tiles for a controller's rights requests: totals by status and type, open,
 * overdue, due within a week, completed in the last 30 days. Every status and type is listed,
 * with 0 when there are none: a dashboard needs no guessing.
 */
async function rightsRequestsReport(db: Queryable, controllerId: string): Promise<Record<string, unknown>> {
  const [row] = await db.query<{ report: Record<string, unknown> }>(
    `WITH requests AS (
       SELECT status, request_type, due_at, completed_at, status IN ('submitted', 'identityVerified', 'inProgress') AS open
       FROM public.data_subject_rights_requests WHERE data_controller_id = $1
     )
     SELECT json_build_object(
       'total', (SELECT count(*) FROM requests),
       'byStatus', (SELECT json_object_agg(s.status, (SELECT count(*) FROM requests r WHERE r.status = s.status) ORDER BY s.ord)
                    FROM unnest($2::text[]) WITH ORDINALITY AS s(status, ord)),
       'byType', (SELECT json_object_agg(t.type, (SELECT count(*) FROM requests r WHERE r.request_type = t.type) ORDER BY t.ord)
                  FROM unnest($3::text[]) WITH ORDINALITY AS t(type, ord)),
       'open', (SELECT count(*) FROM requests WHERE open),
       'overdue', (SELECT count(*) FROM requests WHERE open AND due_at < pavise.now()),
       'dueWithin7Days', (SELECT count(*) FROM requests WHERE open AND due_at >= pavise.now() AND due_at < pavise.now() + interval '7 days'),
       'completedLast30Days', (SELECT count(*) FROM requests WHERE status = 'completed' AND completed_at >= pavise.now() - interval '30 days')
     ) AS report`,
    [controllerId, REQUEST_STATUSES, REQUEST_TYPES],
  );
  return row!.report;
}

/** reportDataSubjectsRightsRequests(dataControllerId): the report, for a member who may view privacy operations. */
export const reportDataSubjectsRightsRequests: ActionModel = controllerAction({
  name: 'reportDataSubjectsRightsRequests',
  kind: 'query',
  data: { type: 'jsonb' },
  may: 'viewPrivacy',
  handler: ({ controllerId }, { db }) => rightsRequestsReport(db, controllerId),
});
