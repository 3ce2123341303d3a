import {
  accountability,
  breachManagement,
  dataGovernance,
  employeeTraining,
  transparency,
} from './areas-organisation.js';
import {
  consentManagement,
  dataMinimization,
  dataProtection,
  internationalTransfers,
  lawfulBasis,
  rightsManagement,
  thirdPartyManagement,
} from './areas-processing.js';
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

export const AREAS: readonly AreaDefinition[] = [
  { key: 'dataGovernance', name: 'Data Governance', assess: dataGovernance },
  { key: 'lawfulBasis', name: 'Lawful Basis & Purpose', assess: lawfulBasis },
  { key: 'rightsManagement', name: 'Rights Management', assess: rightsManagement },
  { key: 'consentManagement', name: 'Consent Management', assess: consentManagement },
  { key: 'dataProtection', name: 'Data Protection', assess: dataProtection },
  { key: 'breachManagement', name: 'Breach Management', assess: breachManagement },
  { key: 'internationalTransfers', name: 'International Transfers', assess: internationalTransfers },
  { key: 'accountability', name: 'Accountability', assess: accountability },
  { key: 'transparency', name: 'Transparency', assess: transparency },
  { key: 'dataMinimization', name: 'Data Minimization & Retention', assess: dataMinimization },
  { key: 'thirdPartyManagement', name: 'Third Party Management', assess: thirdPartyManagement },
  { key: 'employeeTraining', name: 'Employee Training & Awareness', assess: employeeTraining },
];
