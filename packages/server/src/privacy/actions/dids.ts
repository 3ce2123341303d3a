import type { ActionModel } from '../../graphql/model.js';
import { controllerAccess } from '../access.js';
import { didFor } from '../did.js';
import { controllerAction, subjectAction } from './scoped.js';

/**
 * generateDataControllerDID and generateDataSubjectDID: (re)derive a record's DID, did:dep: +
 * SHA3-256 of its id, and answer with the documented {status, message, data} wrapper.
 */
export const generateDataControllerDID: ActionModel = controllerAction({
  name: 'generateDataControllerDID',
  kind: 'mutation',
  data: { fields: 'dataControllerId: uuid! did: String!' },
  // Every member may read the DID; writing it is an update of the organisation.
  may: 'viewOrganisation',
  async handler({ controllerId }, { session, db }) {
    const did = didFor(controllerId);
    const [stored] = await db.query<{ did: string | null }>('SELECT did FROM public.data_controllers WHERE id = $1', [
      controllerId,
    ]);
    if (stored?.did !== did) {
      await controllerAccess(db, session, controllerId, 'updateOrganisation');
      await db.query('UPDATE public.data_controllers SET did = $2 WHERE id = $1', [controllerId, did]);
    }
    return { dataControllerId: controllerId, did };
  },
});

export const generateDataSubjectDID: ActionModel = subjectAction({
  name: 'generateDataSubjectDID',
  kind: 'mutation',
  data: { fields: 'dataSubjectId: uuid! did: String!' },
  may: 'managePrivacy',
  async handler({ subjectId }, { db }) {
    const did = didFor(subjectId);
    await db.query(
      'UPDATE public.data_subjects SET did = $2, updated_at = pavise.now() WHERE id = $1 AND did IS DISTINCT FROM $2',
      [subjectId, did],
    );
    return { dataSubjectId: subjectId, did };
  },
});
