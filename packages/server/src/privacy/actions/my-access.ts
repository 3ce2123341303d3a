import type { ActionModel } from '../../graphql/model.js';
import { controllerAccess } from '../access.js';
import { type Capability, MAY } from '../permissions.js';
import { envelopedAction } from './result.js';

interface Access {
  dataControllerId: string;
  /** Null for the admin role (the admin secret), which may do everything and is no member. */
  role: string | null;
  capabilities: Capability[];
}

/**
 * dataControllerAccess(dataControllerId) ✱: the caller's dashboard role in a controller and what
 * it may do there (the capabilities of docs/contracts.md §6.2), so that a client — the console —
 * shows only what the member may use without keeping a copy of the matrix. Not a member (or a
 * member the two-factor rule does not count) is refused as every action refuses it.
 */
export const dataControllerAccess: ActionModel = envelopedAction<Access>({
  name: 'dataControllerAccess',
  kind: 'query',
  arguments: '(dataControllerId: uuid!)',
  roles: ['user'],
  data: { fields: 'dataControllerId: uuid! role: String capabilities: [String!]!' },
  readsSessionInSql: false,
  async handler({ db, session, input }) {
    const access = await controllerAccess(db, session, input.dataControllerId as string, 'viewOrganisation');
    const role = access.memberRole;
    const capabilities = (Object.keys(MAY) as Capability[]).filter(
      (capability) => role === null || (MAY[capability] as readonly string[]).includes(role),
    );
    return { dataControllerId: access.controllerId, role, capabilities };
  },
});
