import type { Queryable } from '../../db/database.js';

/**
 * What the compliance score is computed from: counts and flags of one controller's real
 * configuration and activity, read in one query. Nothing here is personal data.
 */
export interface ComplianceFacts {
  // Organisation details.
  legalName: boolean;
  address: boolean;
  timezone: boolean;
  description: boolean;
  contactEmail: boolean;
  dpoEmail: boolean;
  did: boolean;
  operatingRegions: number;
  operatingIndustries: number;
  honourGpc: boolean;
  // Members.
  members: number;
  dpoMembers: number;
  /** Members with a role answerable for compliance: owner, businessOwner, admin, dpo. */
  accountableMembers: number;
  /** Members whose privacy training is less than 12 months old. */
  trainedMembers: number;
  // Purposes.
  purposes: number;
  purposesDescribed: number;
  consentPurposes: number;
  /** Consent-based purposes on at least one approved or required consent form. */
  consentPurposesOnForm: number;
  purposesWithRetention: number;
  purposesWithUsage: number;
  purposesWithCategories: number;
  purposesWithDataItems: number;
  purposesWithRecipients: number;
  // Consent.
  /** Consent forms in force: status approved or required. */
  activeForms: number;
  activeFormsWithPurposes: number;
  /** Whether any data subject's consent choice has been recorded. */
  consentRecorded: boolean;
  // Rights management.
  enabledRights: string[];
  /** Rights requests still open after their regulatory deadline. */
  overdueRequests: number;
  overdueErasures: number;
  /** Requests completed or rejected in the last 12 months (older lateness no longer counts against the score). */
  closedRequests: number;
  /** Of those, the ones closed after their deadline. */
  lateClosedRequests: number;
  // Data protection.
  /** Subjects not erased. */
  activeSubjects: number;
  /** Active subjects with hashed identifiers and their own encryption key (the ingestion pipeline). */
  protectedSubjects: number;
  activeSubjectsWithoutDid: number;
  /** Erased subjects (or subjects with a completed erasure request) that still hold a key, sealed data or identifier hashes. */
  erasedSubjectsWithData: number;
  // Breach management.
  /** Manual, not dismissed, high-priority issues still 'open' 72 hours after being raised. */
  staleHighIssues: number;
  // Processors (those not offboarded).
  processors: number;
  onboardedProcessors: number;
  processorsWithCountry: number;
  /** Processors in a country outside the EEA, the UK and Switzerland. */
  processorsAbroad: number;
  processorsAbroadWithMechanism: number;
  processorsWithDpa: number;
  // Accountability.
  recentActivities: number;
  /** Whether the configuration audit trail holds any event. */
  auditTrail: boolean;
  // Transparency.
  publishedNotices: number;
  publishedNoticeTypes: number;
  publishedNoticeLanguages: number;
  /** Published notices published or edited in the last 12 months. */
  noticesReviewedThisYear: number;
  publishedFaqs: number;
}

/**
 * Where personal data may go without a transfer safeguard: the EEA (EU 27 plus Iceland,
 * Liechtenstein, Norway), the United Kingdom and Switzerland, as ISO 3166 alpha-2 codes.
 */
export const TRANSFER_FREE_COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'CH',
];

export const CORE_RIGHTS = ['access', 'rectify', 'erasure', 'export', 'object'] as const;

const FACTS_SQL = `
WITH controller AS (SELECT * FROM public.data_controllers WHERE id = $1),
members AS (SELECT role, training_completed_at FROM public.data_controller_users WHERE data_controller_id = $1),
purposes AS (
  SELECT p.legal_basis, p.description, p.retention_period, p.usage_period, p.data_categories, p.recipients,
    EXISTS (SELECT 1 FROM public.consent_form_purposes cfp JOIN public.consent_forms f ON f.id = cfp.consent_form_id
            WHERE cfp.purpose_id = p.id AND f.status IN ('approved', 'required')) AS on_active_form,
    EXISTS (SELECT 1 FROM public.purpose_data_items i WHERE i.purpose_id = p.id) AS has_data_items
  FROM public.purposes p WHERE p.data_controller_id = $1),
forms AS (
  SELECT EXISTS (SELECT 1 FROM public.consent_form_purposes cfp WHERE cfp.consent_form_id = f.id) AS has_purposes
  FROM public.consent_forms f WHERE f.data_controller_id = $1 AND f.status IN ('approved', 'required')),
requests AS (
  SELECT request_type, status IN ('completed', 'rejected') AS closed, due_at, completed_at,
    completed_at >= pavise.now() - interval '12 months' AS closed_this_year
  FROM public.data_subject_rights_requests WHERE data_controller_id = $1),
subjects AS (
  SELECT s.did, s.erased_at,
    EXISTS (SELECT 1 FROM public.data_subject_identifiers i WHERE i.data_subject_id = s.id) AS has_identifiers,
    EXISTS (SELECT 1 FROM privacy.data_subject_keys k WHERE k.data_subject_id = s.id) AS has_key,
    EXISTS (SELECT 1 FROM privacy.personal_data d WHERE d.data_subject_id = s.id) AS has_data,
    EXISTS (SELECT 1 FROM public.data_subject_rights_requests r
            WHERE r.data_subject_id = s.id AND r.request_type = 'erasure' AND r.status = 'completed') AS erasure_completed
  FROM public.data_subjects s WHERE s.data_controller_id = $1),
processors AS (
  SELECT country, transfer_mechanism, dpa_signed, status
  FROM public.third_party_services WHERE data_controller_id = $1 AND status <> 'offboarded'),
notices AS (
  SELECT notice_type, language, greatest(published_at, updated_at) AS reviewed_at
  FROM public.privacy_notices WHERE data_controller_id = $1 AND status = 'published')
SELECT
  coalesce(trim(c.legal_name), '') <> '' AS "legalName",
  coalesce(trim(c.address), '') <> '' AS address,
  coalesce(trim(c.timezone), '') <> '' AS timezone,
  coalesce(trim(c.description), '') <> '' AS description,
  coalesce(trim(c.email), '') <> '' AS "contactEmail",
  coalesce(trim(c.dpo_email), '') <> '' AS "dpoEmail",
  c.did IS NOT NULL AS did,
  jsonb_array_length(c.operating_regions) AS "operatingRegions",
  jsonb_array_length(c.operating_industries) AS "operatingIndustries",
  c.honour_gpc AS "honourGpc",
  (SELECT count(*)::int FROM members) AS members,
  (SELECT count(*)::int FROM members WHERE role = 'dpo') AS "dpoMembers",
  (SELECT count(*)::int FROM members WHERE role IN ('owner', 'businessOwner', 'admin', 'dpo')) AS "accountableMembers",
  (SELECT count(*)::int FROM members WHERE training_completed_at >= pavise.now() - interval '12 months') AS "trainedMembers",
  (SELECT count(*)::int FROM purposes) AS purposes,
  (SELECT count(*)::int FROM purposes WHERE coalesce(trim(description), '') <> '') AS "purposesDescribed",
  (SELECT count(*)::int FROM purposes WHERE legal_basis = 'consent') AS "consentPurposes",
  (SELECT count(*)::int FROM purposes WHERE legal_basis = 'consent' AND on_active_form) AS "consentPurposesOnForm",
  (SELECT count(*)::int FROM purposes WHERE coalesce(trim(retention_period), '') <> '') AS "purposesWithRetention",
  (SELECT count(*)::int FROM purposes WHERE coalesce(trim(usage_period), '') <> '') AS "purposesWithUsage",
  (SELECT count(*)::int FROM purposes WHERE jsonb_array_length(data_categories) > 0) AS "purposesWithCategories",
  (SELECT count(*)::int FROM purposes WHERE has_data_items) AS "purposesWithDataItems",
  (SELECT count(*)::int FROM purposes WHERE jsonb_array_length(recipients) > 0) AS "purposesWithRecipients",
  (SELECT count(*)::int FROM forms) AS "activeForms",
  (SELECT count(*)::int FROM forms WHERE has_purposes) AS "activeFormsWithPurposes",
  EXISTS (SELECT 1 FROM public.data_subject_consent_form_values WHERE data_controller_id = $1) AS "consentRecorded",
  (SELECT coalesce(array_agg(request_type ORDER BY request_type), ARRAY[]::text[])
   FROM public.rights_services WHERE data_controller_id = $1 AND enabled) AS "enabledRights",
  (SELECT count(*)::int FROM requests WHERE NOT closed AND due_at < pavise.now()) AS "overdueRequests",
  (SELECT count(*)::int FROM requests WHERE NOT closed AND due_at < pavise.now() AND request_type = 'erasure') AS "overdueErasures",
  (SELECT count(*)::int FROM requests WHERE closed AND closed_this_year) AS "closedRequests",
  (SELECT count(*)::int FROM requests WHERE closed AND closed_this_year AND completed_at > due_at) AS "lateClosedRequests",
  (SELECT count(*)::int FROM subjects WHERE erased_at IS NULL) AS "activeSubjects",
  (SELECT count(*)::int FROM subjects WHERE erased_at IS NULL AND has_identifiers AND has_key) AS "protectedSubjects",
  (SELECT count(*)::int FROM subjects WHERE erased_at IS NULL AND did IS NULL) AS "activeSubjectsWithoutDid",
  (SELECT count(*)::int FROM subjects
   WHERE (erased_at IS NOT NULL OR erasure_completed) AND (has_key OR has_data OR has_identifiers)) AS "erasedSubjectsWithData",
  (SELECT count(*)::int FROM public.compliance_issues
   WHERE data_controller_id = $1 AND source = 'manual' AND status = 'open' AND priority = 'high' AND NOT dismissed
     AND created_at < pavise.now() - interval '72 hours') AS "staleHighIssues",
  (SELECT count(*)::int FROM processors) AS processors,
  (SELECT count(*)::int FROM processors WHERE status = 'onboarded') AS "onboardedProcessors",
  (SELECT count(*)::int FROM processors WHERE country IS NOT NULL) AS "processorsWithCountry",
  (SELECT count(*)::int FROM processors WHERE country <> ALL ($2::text[])) AS "processorsAbroad",
  (SELECT count(*)::int FROM processors WHERE country <> ALL ($2::text[]) AND coalesce(trim(transfer_mechanism), '') <> '') AS "processorsAbroadWithMechanism",
  (SELECT count(*)::int FROM processors WHERE dpa_signed) AS "processorsWithDpa",
  (SELECT count(*)::int FROM public.data_processing_activities
   WHERE data_controller_id = $1 AND created_at >= pavise.now() - interval '30 days') AS "recentActivities",
  EXISTS (SELECT 1 FROM public.audit_events WHERE data_controller_id = $1) AS "auditTrail",
  (SELECT count(*)::int FROM notices) AS "publishedNotices",
  (SELECT count(DISTINCT notice_type)::int FROM notices) AS "publishedNoticeTypes",
  (SELECT count(DISTINCT language)::int FROM notices) AS "publishedNoticeLanguages",
  (SELECT count(*)::int FROM notices WHERE reviewed_at >= pavise.now() - interval '12 months') AS "noticesReviewedThisYear",
  (SELECT count(*)::int FROM public.data_controller_faqs WHERE data_controller_id = $1 AND published) AS "publishedFaqs"
FROM controller c`;

/** The facts of one controller (which the caller has checked exists and may be assessed). */
export async function readComplianceFacts(db: Queryable, controllerId: string): Promise<ComplianceFacts> {
  const [row] = await db.query<ComplianceFacts>(FACTS_SQL, [controllerId, TRANSFER_FREE_COUNTRIES]);
  if (!row) throw new Error(`data controller ${controllerId} vanished during the assessment`);
  return row;
}
