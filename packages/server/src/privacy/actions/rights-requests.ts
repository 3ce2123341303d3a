import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';
import type { PrivacyServices } from '../services.js';

// STUB (owned by the rights-requests engineer): signatures agreed, handlers to implement.
export function submitDataSubjectsRightsRequest(_services: PrivacyServices): ActionModel {
  return {
    name: 'submitDataSubjectsRightsRequest',
    kind: 'mutation',
    types: `
input SubmitDataSubjectsRightsRequestInput { dataControllerId: uuid! requestType: String! email: String phone: String displayName: String country: String notes: String }
type SubmitDataSubjectsRightsRequestData { requestId: uuid! status: String! dueAt: timestamptz! }
type SubmitDataSubjectsRightsRequestOutput { status: String! message: String! data: SubmitDataSubjectsRightsRequestData }`,
    arguments: '(input: SubmitDataSubjectsRightsRequestInput!)',
    output: 'SubmitDataSubjectsRightsRequestOutput!',
    roles: ['anonymous', 'user', 'dataSubject'],
    async handler() {
      throw new ActionError('not implemented yet', 'unexpected');
    },
  };
}

export const reportDataSubjectsRightsRequests: ActionModel = {
  name: 'reportDataSubjectsRightsRequests',
  kind: 'query',
  types: `
type ReportDataSubjectsRightsRequestsOutput { status: String! message: String! data: jsonb }`,
  arguments: '(dataControllerId: uuid!)',
  output: 'ReportDataSubjectsRightsRequestsOutput!',
  roles: ['user'],
  async handler() {
    throw new ActionError('not implemented yet', 'unexpected');
  },
};
