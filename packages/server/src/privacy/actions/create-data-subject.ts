import type { ActionModel } from '../../graphql/model.js';
import { controllerAccess } from '../access.js';
import { ingestDataSubject } from '../ingestion.js';
import type { PrivacyServices } from '../services.js';

/**
 * createDataSubject(input: CreateDataSubjectInput!) { dataSubjectId message } — the documented
 * way to register a data subject (seed 001). The same person sent twice resolves to one subject.
 */
export function createDataSubject({ keys }: PrivacyServices): ActionModel {
  return {
    name: 'createDataSubject',
    kind: 'mutation',
    types: `
input CreateDataSubjectInput { event: String! dataControllerId: uuid! payload: jsonb }
type CreateDataSubjectOutput { dataSubjectId: uuid! message: String! }`,
    arguments: '(input: CreateDataSubjectInput!)',
    output: 'CreateDataSubjectOutput!',
    roles: ['user'],
    async handler({ input, session, db }) {
      const { event, dataControllerId, payload } = input.input as { event: string; dataControllerId: string; payload?: unknown };
      const controller = await controllerAccess(db, session, dataControllerId, 'managePrivacy');
      const { dataSubjectId, created } = await ingestDataSubject(db, keys, controller, { event, payload, source: 'api' });
      return {
        dataSubjectId,
        message: created ? 'Data subject created' : 'Data subject already registered: the new data was added to it',
      };
    },
  };
}
