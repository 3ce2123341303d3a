import type { Queryable } from '../../db/database.js';
import { AREAS } from './areas.js';
import type { ComplianceArea } from './score.js';

/**
 * reportDataControllersComplianceIssues' bookkeeping: one open 'assessment' compliance issue per
 * area below 100 (compliance_issues_one_open_per_area), kept in step with the latest score, and
 * resolved once its area reaches 100. Manual issues are never touched; neither is a member's
 * triage of an assessment issue (its status while open, its dismissed flag).
 */
export interface ReportedIssue {
  id: string;
  area: string;
  title: string;
  description: string;
  priority: 'high' | 'medium' | 'low';
  status: string;
  dismissed: boolean;
}

export interface IssueReport {
  opened: number;
  resolved: number;
  /** The area's assessment issues still open after the run, and those this run resolved, in area order. */
  issues: ReportedIssue[];
}

/** How urgent an area's gaps are, from its score. */
export function priorityFor(score: number): ReportedIssue['priority'] {
  return score < 40 ? 'high' : score < 70 ? 'medium' : 'low';
}

/** The issue an area below 100 calls for; its description lists what remains to do. */
export function issueFor(area: ComplianceArea): {
  area: string;
  title: string;
  description: string;
  priority: ReportedIssue['priority'];
} {
  const todo = area.reasons.filter((reason) => !reason.met).map((reason) => `- ${reason.text}`);
  return {
    area: area.key,
    title: `${area.name} needs attention`,
    description: [`${area.name} scores ${area.score}/100. To do:`, ...todo].join('\n'),
    priority: priorityFor(area.score),
  };
}

const WANTED = 'unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS w(area, title, description, priority)';

export async function reportComplianceIssues(
  db: Queryable,
  controllerId: string,
  areas: ComplianceArea[],
): Promise<IssueReport> {
  const complete = areas.filter((area) => area.score >= 100).map((area) => area.key);
  const wanted = areas.filter((area) => area.score < 100).map(issueFor);
  const columns = [
    wanted.map((w) => w.area),
    wanted.map((w) => w.title),
    wanted.map((w) => w.description),
    wanted.map((w) => w.priority),
  ];

  const resolved = await db.query<{ id: string }>(
    `UPDATE public.compliance_issues SET status = 'resolved', resolved_at = pavise.now()
     WHERE data_controller_id = $1 AND source = 'assessment' AND status <> 'resolved' AND area = ANY ($2::text[])
     RETURNING id`,
    [controllerId, complete],
  );
  // An area that already has an open issue keeps it (the partial unique index): it is brought up to date below.
  const opened = await db.query<{ id: string }>(
    `INSERT INTO public.compliance_issues (data_controller_id, area, title, description, priority, source)
     SELECT $1, w.area, w.title, w.description, w.priority, 'assessment' FROM ${WANTED}
     ON CONFLICT (data_controller_id, area) WHERE source = 'assessment' AND status <> 'resolved' DO NOTHING
     RETURNING id`,
    [controllerId, ...columns],
  );
  // Only what changed is written, so a run with nothing new leaves every row (and the audit trail) as it was.
  await db.query(
    `UPDATE public.compliance_issues AS c SET title = w.title, description = w.description, priority = w.priority
     FROM ${WANTED}
     WHERE c.data_controller_id = $1 AND c.source = 'assessment' AND c.status <> 'resolved' AND c.area = w.area
       AND (c.title, c.description, c.priority) IS DISTINCT FROM (w.title, w.description, w.priority)`,
    [controllerId, ...columns],
  );
  const rows = await db.query<ReportedIssue>(
    `SELECT id, area, title, coalesce(description, '') AS description, priority, status, dismissed
     FROM public.compliance_issues
     WHERE data_controller_id = $1 AND source = 'assessment' AND (status <> 'resolved' OR id = ANY ($2::uuid[]))`,
    [controllerId, resolved.map((row) => row.id)],
  );
  const order = new Map(AREAS.map((area, index) => [area.key, index]));
  rows.sort((a, b) => (order.get(a.area) ?? AREAS.length) - (order.get(b.area) ?? AREAS.length));
  return { opened: opened.length, resolved: resolved.length, issues: rows };
}
