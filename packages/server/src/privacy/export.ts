import type { Queryable } from '../db/database.js';
import type { SubjectAccess } from './access.js';
import { openPersonalData, type PrivacyKeys, unwrapSubjectKey } from './keys.js';

/**
 * The data package an access or portability request returns: everything held about one subject,
 * its personal data decrypted with the subject's key. After an erasure the key is gone, and so is
 * the personal data: the package then says when the subject was erased and holds none.
 */
export interface DataPackage {
  generatedAt: string;
  dataSubject: {
    id: string;
    did: string | null;
    dataControllerId: string;
    jurisdiction: string;
    createdAt: string;
    erasedAt: string | null;
  };
  personalData: Array<{ event: string; receivedAt: string; data: Record<string, unknown> }>;
  identifiers: Array<{ kind: string; createdAt: string }>;
  consents: Array<Record<string, unknown>>;
  consentHistory: Array<Record<string, unknown>>;
  preferences: Array<Record<string, unknown>>;
  rightsRequests: Array<Record<string, unknown>>;
  processingActivities: Array<Record<string, unknown>>;
  notifications: Array<Record<string, unknown>>;
}

export async function buildDataPackage(db: Queryable, keys: PrivacyKeys, access: SubjectAccess): Promise<DataPackage> {
  const [row] = await db.query<{
    package: Omit<DataPackage, 'personalData'>;
    wrapped_key: Buffer | null;
    sealed: Array<{ event: string; receivedAt: string; sealed: string }>;
  }>(
    `SELECT json_build_object(
       'generatedAt', pavise.now(),
       'dataSubject', json_build_object('id', s.id, 'did', s.did, 'dataControllerId', s.data_controller_id, 'jurisdiction', s.jurisdiction,
                                        'createdAt', s.created_at, 'erasedAt', s.erased_at),
       'identifiers', coalesce((SELECT json_agg(json_build_object('kind', i.kind, 'createdAt', i.created_at) ORDER BY i.created_at)
                                FROM public.data_subject_identifiers i WHERE i.data_subject_id = s.id), '[]'),
       'consents', coalesce((SELECT json_agg(json_build_object('consentFormId', v.consent_form_id, 'consentForm', f.name, 'purposeId', v.purpose_id,
                                'purpose', p.name, 'value', v.value, 'formVersion', v.form_version, 'updatedAt', v.updated_at) ORDER BY v.created_at)
                             FROM public.data_subject_consent_form_values v
                             JOIN public.consent_forms f ON f.id = v.consent_form_id
                             LEFT JOIN public.purposes p ON p.id = v.purpose_id
                             WHERE v.data_subject_id = s.id), '[]'),
       'consentHistory', coalesce((SELECT json_agg(json_build_object('consentFormId', h.consent_form_id, 'purposeId', h.purpose_id, 'action', h.action,
                                'oldValue', h.old_value, 'newValue', h.new_value, 'formVersion', h.form_version, 'at', h.created_at) ORDER BY h.created_at)
                             FROM public.data_subject_consent_form_value_history h WHERE h.data_subject_id = s.id), '[]'),
       'preferences', coalesce((SELECT json_agg(json_build_object('preference', pv.preference, 'value', pv.value, 'updatedAt', pv.updated_at) ORDER BY pv.preference)
                             FROM public.data_subject_preference_values pv WHERE pv.data_subject_id = s.id), '[]'),
       'rightsRequests', coalesce((SELECT json_agg(json_build_object('id', r.id, 'requestType', r.request_type, 'status', r.status,
                                'jurisdiction', r.jurisdiction, 'dueAt', r.due_at, 'completedAt', r.completed_at, 'createdAt', r.created_at) ORDER BY r.created_at)
                             FROM public.data_subject_rights_requests r WHERE r.data_subject_id = s.id), '[]'),
       'processingActivities', coalesce((SELECT json_agg(json_build_object('activityType', a.activity_type, 'event', a.event, 'dataFields', a.data_fields,
                                'processor', t.name, 'purpose', p.name, 'source', a.source, 'at', a.created_at) ORDER BY a.created_at)
                             FROM public.data_processing_activities a
                             LEFT JOIN public.third_party_services t ON t.id = a.third_party_service_id
                             LEFT JOIN public.purposes p ON p.id = a.purpose_id
                             WHERE a.data_subject_id = s.id), '[]'),
       'notifications', coalesce((SELECT json_agg(json_build_object('kind', n.kind, 'title', n.title, 'body', n.body, 'at', n.created_at) ORDER BY n.created_at)
                             FROM public.notification_messages n WHERE n.data_subject_id = s.id), '[]')
     ) AS package,
     k.wrapped_key,
     coalesce((SELECT json_agg(json_build_object('event', d.event, 'receivedAt', d.created_at, 'sealed', encode(d.sealed, 'base64')) ORDER BY d.created_at, d.id)
               FROM privacy.personal_data d WHERE d.data_subject_id = s.id), '[]') AS sealed
     FROM public.data_subjects s
     LEFT JOIN privacy.data_subject_keys k ON k.data_subject_id = s.id
     WHERE s.id = $1`,
    [access.subjectId],
  );
  const personalData: DataPackage['personalData'] = [];
  if (row!.wrapped_key && row!.sealed.length > 0) {
    const controllerKeys = await keys.forController(
      db,
      access.controllerId,
      access.controllerKey,
      access.controllerKeyIsNew,
    );
    const subjectKey = unwrapSubjectKey(controllerKeys, access.subjectId, row!.wrapped_key);
    for (const entry of row!.sealed) {
      personalData.push({
        event: entry.event,
        receivedAt: entry.receivedAt,
        data: openPersonalData(subjectKey, access.subjectId, Buffer.from(entry.sealed, 'base64')),
      });
    }
  }
  return { ...row!.package, personalData };
}

/** The package as CSV: one row per value, `section,index,field,value`, for spreadsheets. */
export function dataPackageCsv(data: DataPackage): string {
  const rows: string[][] = [['section', 'index', 'field', 'value']];
  const add = (section: string, index: number, record: Record<string, unknown>, prefix = '') => {
    for (const [field, value] of Object.entries(record)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        add(section, index, value as Record<string, unknown>, `${prefix}${field}.`);
      else
        rows.push([
          section,
          String(index),
          `${prefix}${field}`,
          value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value),
        ]);
    }
  };
  add('dataSubject', 0, data.dataSubject);
  for (const [index, entry] of data.personalData.entries()) add('personalData', index, entry);
  for (const section of [
    'identifiers',
    'consents',
    'consentHistory',
    'preferences',
    'rightsRequests',
    'processingActivities',
    'notifications',
  ] as const) {
    for (const [index, entry] of data[section].entries()) add(section, index, entry);
  }
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function csvCell(value: string): string {
  // Quote when needed; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
