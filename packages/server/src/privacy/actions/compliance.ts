import { ActionError } from '../../graphql/errors.js';
import type { ActionModel } from '../../graphql/model.js';

// STUB (owned by the compliance engineer): signatures agreed, handlers to implement.
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
  async handler() {
    throw new ActionError('not implemented yet', 'unexpected');
  },
};

export const reportDataControllersComplianceIssues: ActionModel = {
  name: 'reportDataControllersComplianceIssues',
  kind: 'mutation',
  types: `
type ReportedComplianceIssue { id: uuid! area: String title: String! priority: String! status: String! }
type ReportDataControllersComplianceIssuesData { dataControllerId: uuid! score: Int! opened: Int! resolved: Int! issues: [ReportedComplianceIssue!]! }
type ReportDataControllersComplianceIssuesOutput { status: String! message: String! data: ReportDataControllersComplianceIssuesData }`,
  arguments: '(dataControllerId: uuid!)',
  output: 'ReportDataControllersComplianceIssuesOutput!',
  roles: ['user'],
  async handler() {
    throw new ActionError('not implemented yet', 'unexpected');
  },
};
