import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';
import { subjectAccess } from '../access.js';
import { buildDataPackage, dataPackageCsv } from '../export.js';
import type { PrivacyServices } from '../services.js';
import { envelopedAction } from './result.js';
import { subjectAction } from './scoped.js';

/**
 * Access/portability (exportDataSubjectData) and erasure (eraseDataSubject) of one subject.
 * Export is a mutation because it records a processing activity (the access is itself processing).
 */
export function exportDataSubjectData({ keys }: PrivacyServices): ActionModel {
  return envelopedAction({
    name: 'exportDataSubjectData',
    kind: 'mutation',
    data: { fields: 'dataSubjectId: uuid! format: String! contentType: String! content: String!' },
    arguments: '(dataSubjectId: uuid!, format: String = "json")',
    roles: ['user', 'dataSubject'],
    async handler({ input, session, db }) {
      const format = input.format;
      if (format !== 'json' && format !== 'csv')
        throw new ActionError('format must be "json" or "csv"', 'validation-failed');
      const access = await subjectAccess(db, session, input.dataSubjectId as string, 'managePrivacy', true);
      const data = await buildDataPackage(db, keys, access);
      await db.query(
        `INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, activity_type, event, source)
         VALUES ($1, $2, 'access', $3, $4)`,
        [
          access.controllerId,
          access.subjectId,
          `dataSubject.exported.${format}`,
          session.role === 'dataSubject' ? 'transparencyCenter' : 'api',
        ],
      );
      return format === 'json'
        ? { dataSubjectId: access.subjectId, format, contentType: 'application/json', content: JSON.stringify(data) }
        : { dataSubjectId: access.subjectId, format, contentType: 'text/csv', content: dataPackageCsv(data) };
    },
  });
}

export const eraseDataSubject: ActionModel = subjectAction({
  name: 'eraseDataSubject',
  kind: 'mutation',
  data: { fields: 'dataSubjectId: uuid! erasedAt: timestamptz!' },
  may: 'managePrivacy',
  async handler(access, { db }) {
    const [row] = await db.query<{ erased_at: Date }>('SELECT privacy.erase_data_subject($1) AS erased_at', [
      access.subjectId,
    ]);
    return { dataSubjectId: access.subjectId, erasedAt: row!.erased_at.toISOString() };
  },
});
