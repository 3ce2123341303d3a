import type { ActionModel } from '../../graphql/model.js';
import { controllerAccess } from '../access.js';
import { reportComplianceIssues } from '../compliance/issues.js';
import { complianceScore } from '../compliance/score.js';
import { controllerAction } from './scoped.js';

/**
 * The compliance score of the Assurance page (docs/contracts.md §6.9): twelve areas computed
 * from the controller's real configuration and activity, each with the reasons behind its score
 * (src/privacy/compliance). Reading it is for every role that may view compliance; turning the
 * gaps into compliance issues is for the roles that manage them.
 */
const SCORE_TYPES = `
type ComplianceReason { met: Boolean! text: String! }
type ComplianceArea { key: String! name: String! score: Int! reasons: [ComplianceReason!]! }
type ComplianceScore { dataControllerId: uuid! score: Int! areas: [ComplianceArea!]! }`;

export const dataControllerComplianceScore: ActionModel = {
  name: 'dataControllerComplianceScore',
  kind: 'query',
  types: SCORE_TYPES,
  arguments: '(dataControllerId: uuid!)',
  output: 'ComplianceScore!',
  roles: ['user'],
  async handler({ input, session, db }) {
    const { controllerId } = await controllerAccess(db, session, input.dataControllerId as string, 'viewCompliance');
    return complianceScore(db, controllerId);
  },
};

export const reportDataControllersComplianceIssues: ActionModel = controllerAction({
  name: 'reportDataControllersComplianceIssues',
  kind: 'mutation',
  types: `
type ReportedComplianceIssue { id: uuid! area: String title: String! description: String priority: String! status: String! dismissed: Boolean! }`,
  data: {
    fields: 'dataControllerId: uuid! score: Int! opened: Int! resolved: Int! issues: [ReportedComplianceIssue!]!',
  },
  may: 'manageCompliance',
  async handler({ controllerId }, { db }) {
    const { score, areas } = await complianceScore(db, controllerId);
    const { opened, resolved, issues } = await reportComplianceIssues(db, controllerId, areas);
    return { dataControllerId: controllerId, score, opened, resolved, issues };
  },
});
