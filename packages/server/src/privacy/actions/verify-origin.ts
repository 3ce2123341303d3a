import type { Queryable } from '../../db/database.js';
import { ActionError } from '../../graphql/errors.js';
import type { ActionContext, ActionModel } from '../../graphql/model.js';
import { controllerAccess } from '../access.js';
import type { VerificationMethod } from '../origins/origin-verifier.js';
import { OriginProofError } from '../origins/proof-error.js';
import type { PrivacyServices } from '../services.js';
import { envelopedAction } from './result.js';

interface OriginRow {
  id: string;
  dataControllerId: string;
  origin: string;
  method: VerificationMethod;
  token: string;
}

interface Verified {
  id: string;
  dataControllerId: string;
  origin: string;
  method: VerificationMethod;
  verifiedAt: string;
}

const NOT_FOUND = 'data controller origin not found';

/**
 * The origin row `id`, if the caller may update its controller's organisation (docs/contracts.md
 * §6.2); otherwise, or if there is none, "not found" (existence is not disclosed).
 */
async function originToVerify(db: Queryable, session: ActionContext['session'], id: string): Promise<OriginRow> {
  const [row] = await db.query<OriginRow>(
    `SELECT id, data_controller_id AS "dataControllerId", origin, method, token
     FROM public.data_controller_origins WHERE id = $1`,
    [id],
  );
  if (!row) throw new ActionError(NOT_FOUND, 'not-found');
  try {
    await controllerAccess(db, session, row.dataControllerId, 'updateOrganisation');
  } catch (error) {
    if (error instanceof ActionError) throw new ActionError(NOT_FOUND, 'not-found');
    throw error;
  }
  return row;
}

/**
 * verifyDataControllerOrigin(id: uuid!) ✱: looks for the origin's token where its method says (a
 * file on the origin, or a DNS TXT record: privacy/origins/) and, once found, marks the origin
 * verified (docs/contracts.md §6.10). The search runs before the request's transaction (it waits
 * on the network; `prepare` in graphql/model.ts); a failed search is `verification-failed` and
 * changes nothing. Verifying again renews verifiedAt.
 */
export function verifyDataControllerOrigin({ originVerifier }: PrivacyServices): ActionModel {
  return envelopedAction<Verified>({
    name: 'verifyDataControllerOrigin',
    kind: 'mutation',
    arguments: '(id: uuid!)',
    roles: ['user'],
    data: { fields: 'id: uuid! dataControllerId: uuid! origin: String! method: String! verifiedAt: timestamptz!' },
    message: ({ origin, method }) =>
      `${origin} is verified by its ${method === 'dns' ? 'DNS TXT record' : 'verification file'}`,
    async prepare({ db, session, input }) {
      const row = await originToVerify(db, session, input.id as string);
      try {
        await originVerifier.prove(row.origin, row.method, row.token);
      } catch (error) {
        if (error instanceof OriginProofError)
          throw new ActionError(`${row.origin} could not be verified: ${error.message}`, 'verification-failed');
        throw error;
      }
      return row;
    },
    async handler({ db, session, prepared }) {
      const proven = prepared as OriginRow;
      // In the transaction: still the caller's to update, and still the row whose token was found
      // (not removed, nor removed and added again with a new token, while the proof was sought).
      await originToVerify(db, session, proven.id);
      // verifiedAt rendered as the GraphQL tables render timestamptz, so it equals a later read.
      const [verified] = await db.query<Verified>(
        `UPDATE public.data_controller_origins SET verified_at = pavise.now()
         WHERE id = $1 AND token = $2
         RETURNING id, data_controller_id AS "dataControllerId", origin, method, to_json(verified_at) #>> '{}' AS "verifiedAt"`,
        [proven.id, proven.token],
      );
      if (!verified) throw new ActionError(NOT_FOUND, 'not-found');
      return verified;
    },
  });
}
