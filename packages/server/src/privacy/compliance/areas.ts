import * as organisation from './areas-organisation.js';
import * as processing from './areas-processing.js';
import type { AreaAssessment } from './checks.js';
import type { ComplianceFacts } from './facts.js';

/**
 * The twelve assurance areas of the Assurance page (docs/contracts.md §6.9), in its order.
 * `key` is what compliance_issues.area holds; each area is a pure function of the facts.
 */
export interface AreaDefinition {
  key: string;
  name: string;
  assess: (facts: ComplianceFacts) => AreaAssessment;
}

/**
 * Every area's assessment under its key: areas-organisation.ts and areas-processing.ts export
 * nothing but areas, each a function named by its key.
 */
const ASSESSMENTS = { ...organisation, ...processing };
type AreaKey = keyof typeof ASSESSMENTS;

/** The page's name of each area, in the page's order; the type asks for one name for every assessment. */
const NAMES: Record<AreaKey, string> = {
  dataGovernance: 'Data Governance',
  lawfulBasis: 'Lawful Basis & Purpose',
  rightsManagement: 'Rights Management',
  consentManagement: 'Consent Management',
  dataProtection: 'Data Protection',
  breachManagement: 'Breach Management',
  internationalTransfers: 'International Transfers',
  accountability: 'Accountability',
  transparency: 'Transparency',
  dataMinimization: 'Data Minimization & Retention',
  thirdPartyManagement: 'Third Party Management',
  employeeTraining: 'Employee Training & Awareness',
};

export const AREAS: readonly AreaDefinition[] = (Object.keys(NAMES) as AreaKey[]).map((key) => ({
  key,
  name: NAMES[key],
  assess: ASSESSMENTS[key],
}));
