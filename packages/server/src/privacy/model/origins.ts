import { column } from '../../graphql/model.js';
import { member } from '../permissions.js';
import { controllerTable, createdAt, text } from './shared.js';

/**
 * The web origins of a controller ("Domain Management", docs/contracts.md §6.10): members see
 * them and their tokens (the token is what they publish); those who may update the organisation
 * add and remove them. Nobody sets verifiedAt or the token: the server chooses the token and
 * verifyDataControllerOrigin sets verifiedAt once the proof is found.
 */
export const dataControllerOrigins = controllerTable({
  name: 'dataControllerOrigins',
  singular: 'dataControllerOrigin',
  columns: [
    text('origin'),
    text('method'),
    text('token'),
    column('verified_at', 'timestamptz', { nullable: true }),
    createdAt,
  ],
  uniqueConstraints: { data_controller_origins_data_controller_id_origin_key: ['dataControllerId', 'origin'] },
  permissions: {
    user: {
      select: { columns: '*', filter: member('viewOrganisation'), allowAggregations: true },
      insert: { columns: ['dataControllerId', 'origin', 'method'], check: member('updateOrganisation') },
      delete: { filter: member('updateOrganisation') },
    },
  },
});
