import type { Queryable } from '../../db/database.js';
import { AREAS } from './areas.js';
import type { Reason } from './checks.js';
import { readComplianceFacts } from './facts.js';

export interface ComplianceArea {
  key: string;
  name: string;
  score: number;
  reasons: Reason[];
}

export interface ComplianceScore {
  dataControllerId: string;
  /** The mean of the area scores, rounded (see checks.ts for the formula). */
  score: number;
  areas: ComplianceArea[];
}

/** The compliance score of one controller, which the caller has checked it may assess. */
export async function complianceScore(db: Queryable, controllerId: string): Promise<ComplianceScore> {
  const facts = await readComplianceFacts(db, controllerId);
  const areas = AREAS.map(({ key, name, assess }) => ({ key, name, ...assess(facts) }));
  const score = Math.round(areas.reduce((sum, area) => sum + area.score, 0) / areas.length);
  return { dataControllerId: controllerId, score, areas };
}
