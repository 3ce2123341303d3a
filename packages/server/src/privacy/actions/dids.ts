import { ActionError } from '../graphql/errors.js';
import type { ActionModel } from '../graphql/model.js';
import { didFor } from './did.js';

/**
 * generateDataControllerDID: (re)derives a controller's DID, did:dep: + SHA3-256 of its id, and
 * answers with the documented {status, message, data} wrapper. A user may do it only for a
 * controller they are a member of.
 */
export const generateDataControllerDID: ActionModel = {
  name: 'generateDataControllerDID',
  kind: 'mutation',
  types: `
type GenerateDataControllerDIDData { dataControllerId: uuid! did: String! }
type GenerateDataControllerDIDOutput { status: String! message: String! data: GenerateDataControllerDIDData }`,
  arguments: '(dataControllerId: uuid!)',
  output: 'GenerateDataControllerDIDOutput!',
  roles: ['user'],
  async handler({ input, session, db }) {
    const id = input.dataControllerId as string;
    const found =
      session.role === 'admin'
        ? await db.query('SELECT id FROM public.data_controllers WHERE id = $1', [id])
        : await db.query(
            `SELECT c.id FROM public.data_controllers c
             JOIN public.data_controller_users m ON m.data_controller_id = c.id
             WHERE c.id = $1 AND m.user_id = $2`,
            [id, session.variables['x-hasura-user-id'] ?? null],
          );
    // The same answer for "no such controller" and "not yours": existence is not disclosed.
    if (found.length === 0) throw new ActionError('data controller not found', 'not-found');
    const did = didFor(id);
    await db.query('UPDATE public.data_controllers SET did = $2, updated_at = now() WHERE id = $1', [id, did]);
    return { status: 'success', message: 'generateDataControllerDID', data: { dataControllerId: id, did } };
  },
};
