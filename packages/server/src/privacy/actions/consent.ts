import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';
import type { PrivacyServices } from '../services.js';

// STUB (owned by the consent engineer): signatures agreed, handlers to implement.
export function captureConsent(_services: PrivacyServices): ActionModel {
  return {
    name: 'captureConsent',
    kind: 'mutation',
    types: `
input ConsentChoice { purposeId: uuid value: String! }
input CaptureConsentInput { dataControllerId: uuid! consentFormId: uuid! choices: [ConsentChoice!]! email: String phone: String externalId: String gpc: Boolean }
type CaptureConsentData { recorded: Int! }
type CaptureConsentOutput { status: String! message: String! data: CaptureConsentData }`,
    arguments: '(input: CaptureConsentInput!)',
    output: 'CaptureConsentOutput!',
    roles: ['anonymous', 'user', 'dataSubject'],
    async handler() {
      throw new ActionError('not implemented yet', 'unexpected');
    },
  };
}
