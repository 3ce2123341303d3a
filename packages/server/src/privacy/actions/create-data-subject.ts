import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';
import { controllerAccess, sessionUserId } from '../access.js';
import {
  AWAITING_TWO_FACTOR_SQLSTATE,
  type IngestionTarget,
  ingestDataSubject,
  NOT_A_MEMBER_SQLSTATE,
} from '../ingestion.js';
import { TWO_FACTOR_REQUIRED } from '../membership.js';
import { MAY } from '../permissions.js';
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
    // Its statements write tables without session-reading triggers (subjects, identifiers, keys,
    // sealed data, the processing log): no need to publish the session.
    readsSessionInSql: false,
    async handler({ input, session, db }) {
      const { event, dataControllerId, payload } = input.input as {
        event: string;
        dataControllerId: string;
        payload?: unknown;
      };
      // Hot path: with the controller's keys known, the membership check rides on the ingest
      // statement (one round trip fewer); otherwise check first and load the keys.
      const known = session.role === 'user' ? keys.known(dataControllerId) : undefined;
      const target: IngestionTarget = known
        ? {
            controllerId: dataControllerId,
            keys: known,
            member: { userId: sessionUserId(session), roles: MAY.managePrivacy },
          }
        : await controllerAccess(db, session, dataControllerId, 'managePrivacy');
      let ingested: Awaited<ReturnType<typeof ingestDataSubject>>;
      try {
        ingested = await ingestDataSubject(db, keys, target, { event, payload, source: 'api' });
      } catch (error) {
        if ((error as { code?: string }).code === NOT_A_MEMBER_SQLSTATE)
          throw new ActionError('data controller not found', 'not-found');
        if ((error as { code?: string }).code === AWAITING_TWO_FACTOR_SQLSTATE)
          throw new ActionError(TWO_FACTOR_REQUIRED, 'two-factor-required');
        throw error;
      }
      const { dataSubjectId, created } = ingested;
      return {
        dataSubjectId,
        message: created ? 'Data subject created' : 'Data subject already registered: the new data was added to it',
      };
    },
  };
}
