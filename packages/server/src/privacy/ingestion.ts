import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { ActionError } from '../graphql/errors.js';
import type { ControllerAccess } from './access.js';
import { didFor } from './did.js';
import { IDENTIFIER_KINDS, jurisdictionOf, normaliseIdentifier } from './identifiers.js';
import {
  type ControllerKeys,
  identifierHash,
  newSubjectKey,
  type PrivacyKeys,
  sealPersonalData,
  unwrapSubjectKey,
} from './keys.js';

/**
 * The ingestion pipeline, shared by createDataSubject and (later) the webhook receiver:
 * normalise the identifiers, hash them with the controller's key, resolve them to one data
 * subject (creating it the first time), seal what was received under the subject's key, and
 * record a processing activity. No personal data is stored or logged in clear.
 */
export interface Ingestion {
  event: unknown;
  payload: unknown;
  /** Where it came from: api, webhook, form, ... (recorded on the processing activity). */
  source: string;
}

/**
 * The controller to ingest into: either checked already (controllerAccess), or — the hot path of
 * createDataSubject once the controller's keys are known — checked by the ingest statement itself
 * (the caller must be a member with one of `roles`; otherwise SQLSTATE PV404, nothing written).
 */
export type IngestionTarget =
  | ControllerAccess
  | { controllerId: string; keys: ControllerKeys; member: { userId: string | null; roles: readonly string[] } };

/** What the ingest statement raises when the caller is not a member with a required role. */
export const NOT_A_MEMBER_SQLSTATE = 'PV404';
/** ...and when the caller is a member the two-factor rule does not count (docs/contracts.md §6.2). */
export const AWAITING_TWO_FACTOR_SQLSTATE = 'PV403';

export interface Ingested {
  dataSubjectId: string;
  created: boolean;
}

const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_EVENT_LENGTH = 100;
const EVENT_NAME = new RegExp(`^[A-Za-z][A-Za-z0-9_.:-]{0,${MAX_EVENT_LENGTH - 1}}$`);
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export async function ingestDataSubject(
  db: Queryable,
  keys: PrivacyKeys,
  controller: IngestionTarget,
  ingestion: Ingestion,
): Promise<Ingested> {
  const { event, payload } = validate(ingestion);
  const identifiers = IDENTIFIER_KINDS.flatMap((kind) => {
    if (payload[kind] === undefined || payload[kind] === null) return [];
    const normalised = normaliseIdentifier(kind, payload[kind]);
    if ('error' in normalised) throw new ActionError(`payload.${kind}: ${normalised.error}`, 'validation-failed');
    return [{ kind, value: normalised.value }];
  });
  if (identifiers.length === 0)
    throw new ActionError('payload needs at least one identifier: email, phone or externalId', 'validation-failed');

  const controllerKeys =
    'keys' in controller
      ? controller.keys
      : await keys.forController(db, controller.controllerId, controller.controllerKey, controller.controllerKeyIsNew);
  const member = 'member' in controller ? controller.member : undefined;
  const hashes = identifiers.map(({ kind, value }) => identifierHash(controllerKeys, kind, value).toString('hex'));
  const newId = randomUUID();
  const subjectKey = newSubjectKey(controllerKeys, newId);
  const [row] = await db.query<{ subject_id: string; is_new: boolean; existing_wrapped_key: Buffer | null }>(
    'SELECT subject_id, is_new, existing_wrapped_key FROM privacy.ingest_data_subject($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
    [
      controller.controllerId,
      newId,
      didFor(newId),
      identifiers.map((identifier) => identifier.kind),
      hashes,
      jurisdictionOf(payload.country) ?? null,
      subjectKey.wrapped,
      sealPersonalData(subjectKey.key, newId, payload),
      event,
      JSON.stringify(Object.keys(payload).sort()),
      ingestion.source,
      member?.userId ?? null,
      member ? [...member.roles] : null,
    ],
    { name: 'privacy.ingest-data-subject' },
  );
  const { subject_id: subjectId, is_new: created, existing_wrapped_key: existingKey } = row!;
  if (!created) {
    // A returning subject: what was received now is sealed under its own key.
    let key: Buffer;
    if (existingKey) {
      key = unwrapSubjectKey(controllerKeys, subjectId, existingKey);
    } else {
      const made = newSubjectKey(controllerKeys, subjectId);
      await db.query(
        'INSERT INTO privacy.data_subject_keys (data_subject_id, data_controller_id, wrapped_key) VALUES ($1, $2, $3)',
        [subjectId, controller.controllerId, made.wrapped],
      );
      key = made.key;
    }
    await db.query(
      'INSERT INTO privacy.personal_data (data_controller_id, data_subject_id, event, sealed) VALUES ($1, $2, $3, $4)',
      [controller.controllerId, subjectId, event, sealPersonalData(key, subjectId, payload)],
    );
  }
  return { dataSubjectId: subjectId, created };
}

function validate(ingestion: Ingestion): { event: string; payload: Record<string, unknown> } {
  const { event, payload } = ingestion;
  // The event and the payload's field names are stored in clear (the processing log): they must
  // be names, not free text that could carry personal data.
  if (typeof event !== 'string' || !EVENT_NAME.test(event.trim())) {
    throw new ActionError(
      `event must be a name of at most ${MAX_EVENT_LENGTH} characters (letters, digits, . _ : -), e.g. "signup"`,
      'validation-failed',
    );
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new ActionError(
      'payload must be an object, e.g. {"email": "...", "displayName": "...", "country": "US"}',
      'validation-failed',
    );
  }
  const badField = Object.keys(payload).find((field) => !FIELD_NAME.test(field));
  if (badField !== undefined)
    throw new ActionError(
      'payload field names must be identifiers (letters, digits and _, at most 64 characters)',
      'validation-failed',
    );
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
    throw new ActionError(`payload must be at most ${MAX_PAYLOAD_BYTES} bytes`, 'validation-failed');
  return { event: event.trim(), payload: payload as Record<string, unknown> };
}
