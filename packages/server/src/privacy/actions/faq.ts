import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';

// STUB (owned by the consent engineer): signature agreed, handler to implement.
export const answerFAQ: ActionModel = {
  name: 'answerFAQ',
  kind: 'query',
  types: `
type AnswerFAQData { question: String! answer: String faqId: uuid confidence: Float! }
type AnswerFAQOutput { status: String! message: String! data: AnswerFAQData }`,
  arguments: '(dataControllerId: uuid!, question: String!)',
  output: 'AnswerFAQOutput!',
  roles: ['anonymous', 'user', 'dataSubject'],
  async handler() {
    throw new ActionError('not implemented yet', 'unexpected');
  },
};
