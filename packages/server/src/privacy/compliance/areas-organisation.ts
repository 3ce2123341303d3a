import { type AreaAssessment, assess, check, count, countHas, every, none, share, them } from './checks.js';
import type { ComplianceFacts } from './facts.js';

/** The areas about the organisation itself: who answers for compliance and how. */

export function dataGovernance(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.legalName,
      "The organisation's legal name is recorded.",
      "Record the organisation's legal name in its details.",
    ),
    check(f.address, "The organisation's address is recorded.", "Record the organisation's registered address."),
    check(f.timezone, "The organisation's timezone is set.", "Set the organisation's timezone."),
    check(
      f.description,
      'The organisation describes what it does.',
      'Add a description of what the organisation does.',
    ),
    check(
      f.operatingRegions > 0,
      `${count(f.operatingRegions, 'operating region')} listed.`,
      'List the regions the organisation operates in.',
    ),
    check(
      f.operatingIndustries > 0,
      `${count(f.operatingIndustries, 'operating industry', 'operating industries')} listed.`,
      'List the industries the organisation operates in.',
    ),
    check(
      f.dpoMembers > 0,
      `${count(f.dpoMembers, 'member holds', 'members hold')} the Data Protection Officer role.`,
      'Give a member the Data Protection Officer role (dpo).',
    ),
    check(
      f.dpoEmail,
      "The Data Protection Officer's contact email is recorded.",
      "Record the Data Protection Officer's contact email (dpoEmail).",
    ),
    check(
      f.did,
      "The organisation's DID has been generated.",
      "Generate the organisation's DID (generateDataControllerDID).",
    ),
  ]);
}

/**
 * Breach Management: being able to notify within GDPR's 72 hours. Someone leads the response (a
 * DPO), authorities and data subjects have a contact (the DPO email) and so has the organisation
 * (its email), and incidents the team reports (manual, high-priority compliance issues) are
 * triaged — moved off 'open' — within the 72-hour notification window. Assessment issues do not
 * count: they are this score's own output, and counting them would make a report change the score.
 */
export function breachManagement(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.dpoMembers > 0,
      'A Data Protection Officer is appointed to lead the response to a breach.',
      'Appoint a Data Protection Officer (role dpo) to lead the response to a breach.',
    ),
    check(
      f.dpoEmail,
      "The DPO's contact email, for authorities and data subjects to reach after a breach, is recorded.",
      "Record the DPO's contact email (dpoEmail): authorities and data subjects must be able to reach the DPO after a breach.",
    ),
    check(f.contactEmail, "The organisation's contact email is recorded.", "Record the organisation's contact email."),
    none(
      f.staleHighIssues,
      'No high-priority incident has been left open beyond the 72-hour notification window.',
      `${countHas(f.staleHighIssues, 'high-priority compliance issue')} stayed open over 72 hours, GDPR's breach-notification window: triage ${them(f.staleHighIssues)} (in progress or resolved).`,
    ),
  ]);
}

const ACCOUNTABLE_ROLES = 'owner, business owner, admin or Data Protection Officer';

export function accountability(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.recentActivities > 0,
      `${count(f.recentActivities, 'processing activity was', 'processing activities were')} recorded in the last 30 days.`,
      'No processing activity was recorded in the last 30 days: connect your systems (createDataSubject, webhooks) so processing is logged.',
    ),
    check(
      f.accountableMembers > 1,
      `${count(f.accountableMembers, 'member holds', 'members hold')} an accountable role (${ACCOUNTABLE_ROLES}).`,
      `${count(f.accountableMembers, 'member holds', 'members hold')} an accountable role: give at least two members the ${ACCOUNTABLE_ROLES} role.`,
    ),
    check(
      f.auditTrail,
      'Configuration changes are recorded in the audit trail.',
      'The audit trail is empty: make configuration changes through the API so they are recorded.',
    ),
  ]);
}

export function transparency(f: ComplianceFacts): AreaAssessment {
  const covered = `${count(f.publishedNoticeTypes, 'notice type')} and ${count(f.publishedNoticeLanguages, 'language')}`;
  return assess([
    check(
      f.publishedNotices > 0,
      `${count(f.publishedNotices, 'privacy notice is', 'privacy notices are')} published.`,
      'Publish a privacy notice.',
    ),
    check(
      f.publishedNoticeTypes > 1 || f.publishedNoticeLanguages > 1,
      `Published notices cover ${covered}.`,
      `Published notices cover ${covered}: publish notices for more audiences (website, mobile app, employees, ...) or languages.`,
    ),
    every(f.noticesReviewedThisYear, f.publishedNotices, {
      met: 'Every published notice was reviewed in the last 12 months.',
      empty: 'Publish a privacy notice and review it at least once a year.',
      partial: (stale) =>
        `${count(stale, 'published notice was', 'published notices were')} not updated in the last 12 months: review and republish ${them(stale)}.`,
    }),
    check(
      f.publishedFaqs > 0,
      `${count(f.publishedFaqs, 'FAQ answer is', 'FAQ answers are')} published in the Help Center.`,
      'Publish FAQ answers for the Help Center.',
    ),
  ]);
}

export function employeeTraining(f: ComplianceFacts): AreaAssessment {
  return assess([
    share(
      f.trainedMembers,
      f.members,
      `All ${count(f.members, 'member')} completed privacy training in the last 12 months.`,
      `${f.trainedMembers} of ${count(f.members, 'member')} completed privacy training in the last 12 months: train the others and record it (trainingCompletedAt).`,
    ),
  ]);
}
