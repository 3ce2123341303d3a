-- The full privacy domain (docs/contracts.md §6). Every tenant table carries
-- data_controller_id. Personal data lives only in the `privacy` schema, encrypted; the public
-- tables hold pseudonymous ids, keyed hashes and configuration.

-- ---------------------------------------------------------------------------------------------
-- Organisation details (reference §6: Account Details and Organization Details).
ALTER TABLE public.data_controllers
  ADD COLUMN legal_name text,
  ADD COLUMN address text,
  ADD COLUMN timezone text,
  ADD COLUMN description text,
  ADD COLUMN operating_regions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(operating_regions) = 'array'),
  ADD COLUMN operating_industries jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(operating_industries) = 'array'),
  ADD COLUMN dpo_email text,
  -- The regulation a subject falls under when nothing about it says otherwise.
  ADD COLUMN default_jurisdiction text NOT NULL DEFAULT 'GDPR' CHECK (default_jurisdiction IN ('GDPR', 'CCPA', 'OTHER')),
  -- Rights management "Detect Global Privacy Control": a GPC signal withdraws sale/sharing consent.
  ADD COLUMN honour_gpc boolean NOT NULL DEFAULT true;

-- The nine dashboard roles of reference §2.4. Membership rows made before this migration had
-- 'member' (the old default) or 'owner'.
ALTER TABLE public.data_controller_users
  ADD CONSTRAINT data_controller_users_role_check CHECK (role IN (
    'owner', 'businessOwner', 'admin', 'dpo', 'dataController', 'developer', 'agency', 'member', 'auditor')),
  -- Employee Training & Awareness: when the member last completed privacy training.
  ADD COLUMN training_completed_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE TRIGGER data_controller_users_set_updated_at BEFORE UPDATE ON public.data_controller_users
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- The caller as the session shows it (NULLs outside a request: bootstrap, CLI, migrations).
CREATE FUNCTION public.session_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT nullif(nullif(current_setting('hasura.user', true), '')::json ->> 'x-hasura-user-id', '')::uuid
$$;
CREATE FUNCTION public.session_role() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('hasura.user', true), '')::json ->> 'x-hasura-role'
$$;

-- ---------------------------------------------------------------------------------------------
-- Data subjects: pseudonymous. Identifiers are keyed hashes; what an access request must return
-- is encrypted under a per-subject key (privacy.data_subject_keys); erasure destroys that key.
ALTER TABLE public.data_subjects
  ADD COLUMN jurisdiction text NOT NULL DEFAULT 'GDPR' CHECK (jurisdiction IN ('GDPR', 'CCPA', 'OTHER')),
  ADD COLUMN erased_at timestamptz;
CREATE UNIQUE INDEX data_subjects_controller_id_key ON public.data_subjects (data_controller_id, id);

CREATE TABLE public.data_subject_identifiers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  data_subject_id uuid NOT NULL REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  -- email, phone, externalId: what kind of identifier; never its value.
  kind text NOT NULL CHECK (kind IN ('email', 'phone', 'externalId')),
  -- HMAC-SHA256 of the normalised value under the controller's identifier key.
  hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, kind, hash)
);
CREATE INDEX data_subject_identifiers_data_subject_id_idx ON public.data_subject_identifiers (data_subject_id);

CREATE SCHEMA privacy;

-- One root key per controller, wrapped by the master key (like the vault's data keys). The
-- identifier-hash key and the key that wraps subject keys are derived from it.
CREATE TABLE privacy.controller_keys (
  data_controller_id uuid PRIMARY KEY REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  wrapped_key bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz
);

-- One key per subject, wrapped by its controller's key. Deleting the row is the erasure.
CREATE TABLE privacy.data_subject_keys (
  data_subject_id uuid PRIMARY KEY REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- What each ingestion said about the subject, sealed with the subject's key (AES-256-GCM).
CREATE TABLE privacy.personal_data (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  data_subject_id uuid NOT NULL REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  event text NOT NULL,
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_data_data_subject_id_idx ON privacy.personal_data (data_subject_id);

-- ---------------------------------------------------------------------------------------------
-- Purposes, their data items and template links, processors.
CREATE TABLE public.purposes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  category text,
  description text,
  -- GDPR Art. 6(1)(a)–(f).
  legal_basis text NOT NULL CHECK (legal_basis IN (
    'consent', 'contract', 'legalObligation', 'vitalInterests', 'publicTask', 'legitimateInterests')),
  retention_period text,
  usage_period text,
  -- An essential purpose cannot be opted out of.
  essential boolean NOT NULL DEFAULT false,
  data_categories jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(data_categories) = 'array'),
  recipients jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(recipients) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, id)
);
CREATE TRIGGER purposes_set_updated_at BEFORE UPDATE ON public.purposes
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE public.purpose_data_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  purpose_id uuid NOT NULL,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  category text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The composite key keeps a child in its parent's tenant.
  FOREIGN KEY (data_controller_id, purpose_id) REFERENCES public.purposes (data_controller_id, id) ON DELETE CASCADE
);
CREATE INDEX purpose_data_items_purpose_id_idx ON public.purpose_data_items (purpose_id);

CREATE TABLE public.purpose_template_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  purpose_id uuid NOT NULL,
  template_kind text NOT NULL CHECK (template_kind IN ('business', 'operational')),
  template_name text NOT NULL CHECK (length(trim(template_name)) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (data_controller_id, purpose_id) REFERENCES public.purposes (data_controller_id, id) ON DELETE CASCADE
);
CREATE INDEX purpose_template_links_purpose_id_idx ON public.purpose_template_links (purpose_id);

CREATE TABLE public.third_party_services (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  category text,
  website text,
  -- ISO 3166 alpha-2 of where the processor processes the data.
  country text CHECK (country ~ '^[A-Z]{2}$'),
  -- Safeguard for a transfer outside the EEA: adequacy, SCC, BCR, ...
  transfer_mechanism text,
  dpa_signed boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'onboarded' CHECK (status IN ('pending', 'onboarded', 'offboarded')),
  retention_period text,
  usage_period text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, id)
);
CREATE TRIGGER third_party_services_set_updated_at BEFORE UPDATE ON public.third_party_services
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Processing activity log (DPAL / ROPA entries). data_fields names fields, never their values.
CREATE TABLE public.data_processing_activities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  data_subject_id uuid,
  third_party_service_id uuid,
  purpose_id uuid,
  activity_type text NOT NULL CHECK (activity_type IN (
    'collection', 'profileUpdate', 'consentChange', 'rightsRequest', 'access', 'erasure', 'sharing', 'marketing', 'analytics', 'other')),
  event text,
  data_fields jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(data_fields) = 'array'),
  source text NOT NULL DEFAULT 'api',
  -- clock_timestamp: several entries of one transaction keep their order.
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Composite keys: an entry can only point at rows of its own controller.
  FOREIGN KEY (data_controller_id, data_subject_id) REFERENCES public.data_subjects (data_controller_id, id) ON DELETE SET NULL (data_subject_id),
  FOREIGN KEY (data_controller_id, third_party_service_id) REFERENCES public.third_party_services (data_controller_id, id) ON DELETE SET NULL (third_party_service_id),
  FOREIGN KEY (data_controller_id, purpose_id) REFERENCES public.purposes (data_controller_id, id) ON DELETE SET NULL (purpose_id)
);
CREATE INDEX data_processing_activities_controller_created_idx ON public.data_processing_activities (data_controller_id, created_at DESC);
CREATE INDEX data_processing_activities_data_subject_id_idx ON public.data_processing_activities (data_subject_id);

-- ---------------------------------------------------------------------------------------------
-- Consent: forms (versioned) with purposes; per-subject values with full history.
CREATE TABLE public.consent_forms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  category text,
  description text,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'required')),
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, id)
);
CREATE TRIGGER consent_forms_set_updated_at BEFORE UPDATE ON public.consent_forms
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE public.consent_form_purposes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  consent_form_id uuid NOT NULL,
  purpose_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Unique keys lead with the tenant: another tenant's row can never be the one a row collides with.
  UNIQUE (data_controller_id, consent_form_id, purpose_id),
  FOREIGN KEY (data_controller_id, consent_form_id) REFERENCES public.consent_forms (data_controller_id, id) ON DELETE CASCADE,
  FOREIGN KEY (data_controller_id, purpose_id) REFERENCES public.purposes (data_controller_id, id) ON DELETE CASCADE
);

CREATE TABLE public.data_subject_consent_form_values (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  data_subject_id uuid NOT NULL,
  consent_form_id uuid NOT NULL,
  purpose_id uuid,
  value text NOT NULL CHECK (value IN ('granted', 'denied', 'withdrawn')),
  -- The form's version the subject answered.
  form_version integer NOT NULL DEFAULT 1,
  source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'banner', 'transparencyCenter', 'gpc', 'dashboard', 'import')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (data_controller_id, data_subject_id) REFERENCES public.data_subjects (data_controller_id, id) ON DELETE CASCADE,
  FOREIGN KEY (data_controller_id, consent_form_id) REFERENCES public.consent_forms (data_controller_id, id) ON DELETE CASCADE,
  FOREIGN KEY (data_controller_id, purpose_id) REFERENCES public.purposes (data_controller_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX data_subject_consent_form_values_one_per_purpose
  ON public.data_subject_consent_form_values (data_controller_id, data_subject_id, consent_form_id, coalesce(purpose_id, '00000000-0000-0000-0000-000000000000'::uuid));
CREATE TRIGGER data_subject_consent_form_values_set_updated_at BEFORE UPDATE ON public.data_subject_consent_form_values
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE public.data_subject_consent_form_value_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  consent_form_value_id uuid NOT NULL,
  data_subject_id uuid NOT NULL REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  consent_form_id uuid NOT NULL,
  purpose_id uuid,
  -- grant, change (e.g. denied → granted again) or withdrawal.
  action text NOT NULL CHECK (action IN ('grant', 'deny', 'change', 'withdrawal')),
  old_value text,
  new_value text NOT NULL,
  form_version integer NOT NULL,
  source text NOT NULL,
  actor_role text,
  actor_user_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX data_subject_consent_form_value_history_subject_idx ON public.data_subject_consent_form_value_history (data_subject_id, created_at);

CREATE FUNCTION public.record_consent_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  change text;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.value = OLD.value THEN
    RETURN NEW;
  END IF;
  change := CASE
    WHEN NEW.value = 'withdrawn' THEN 'withdrawal'
    WHEN TG_OP = 'INSERT' AND NEW.value = 'granted' THEN 'grant'
    WHEN TG_OP = 'INSERT' THEN 'deny'
    ELSE 'change' END;
  INSERT INTO public.data_subject_consent_form_value_history
    (data_controller_id, consent_form_value_id, data_subject_id, consent_form_id, purpose_id, action, old_value, new_value, form_version, source, actor_role, actor_user_id)
  VALUES (NEW.data_controller_id, NEW.id, NEW.data_subject_id, NEW.consent_form_id, NEW.purpose_id, change,
          CASE WHEN TG_OP = 'UPDATE' THEN OLD.value END, NEW.value, NEW.form_version, NEW.source, public.session_role(), public.session_user_id());
  INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, purpose_id, activity_type, event, data_fields, source)
  VALUES (NEW.data_controller_id, NEW.data_subject_id, NEW.purpose_id, 'consentChange', 'consent.' || change, '["consent"]'::jsonb, NEW.source);
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_subject_consent_form_values_history
AFTER INSERT OR UPDATE OF value ON public.data_subject_consent_form_values
FOR EACH ROW EXECUTE FUNCTION public.record_consent_change();

-- A value records the version of the form it answered, whatever the client sends.
CREATE FUNCTION public.stamp_consent_form_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  SELECT version INTO NEW.form_version FROM public.consent_forms WHERE id = NEW.consent_form_id;
  NEW.form_version := coalesce(NEW.form_version, 1);
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_subject_consent_form_values_form_version
BEFORE INSERT OR UPDATE OF value ON public.data_subject_consent_form_values
FOR EACH ROW EXECUTE FUNCTION public.stamp_consent_form_version();

CREATE TABLE public.data_subject_preference_values (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  data_subject_id uuid NOT NULL,
  preference text NOT NULL CHECK (length(trim(preference)) > 0),
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, data_subject_id, preference),
  FOREIGN KEY (data_controller_id, data_subject_id) REFERENCES public.data_subjects (data_controller_id, id) ON DELETE CASCADE
);
CREATE TRIGGER data_subject_preference_values_set_updated_at BEFORE UPDATE ON public.data_subject_preference_values
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Rights requests with their status history.
CREATE TABLE public.data_subject_rights_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Filled from the subject when the caller gives only dataSubjectId (the documented REST body).
  data_controller_id uuid NOT NULL,
  data_subject_id uuid NOT NULL,
  request_type text NOT NULL CHECK (request_type IN (
    'access', 'rectify', 'erasure', 'restrict', 'export', 'object', 'noSale', 'noTrack', 'noProfile', 'other')),
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'identityVerified', 'inProgress', 'completed', 'rejected')),
  identity_verification text NOT NULL DEFAULT 'pending' CHECK (identity_verification IN ('pending', 'verified', 'failed')),
  jurisdiction text NOT NULL CHECK (jurisdiction IN ('GDPR', 'CCPA', 'OTHER')),
  -- The regulatory deadline: GDPR 30 days, CCPA 45 days from submission.
  due_at timestamptz NOT NULL,
  channel text NOT NULL DEFAULT 'api' CHECK (channel IN ('api', 'form', 'dashboard', 'import')),
  notes text,
  response text,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (data_controller_id, data_subject_id) REFERENCES public.data_subjects (data_controller_id, id) ON DELETE CASCADE
);
CREATE INDEX data_subject_rights_requests_controller_idx ON public.data_subject_rights_requests (data_controller_id, status, due_at);
CREATE INDEX data_subject_rights_requests_subject_idx ON public.data_subject_rights_requests (data_subject_id);

CREATE TABLE public.data_subject_rights_request_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  rights_request_id uuid NOT NULL REFERENCES public.data_subject_rights_requests (id) ON DELETE CASCADE,
  from_status text,
  to_status text NOT NULL,
  actor_role text,
  actor_user_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX data_subject_rights_request_events_request_idx ON public.data_subject_rights_request_events (rights_request_id, created_at);

-- The workflow: submitted → identityVerified → inProgress → completed, and rejected from any
-- open status. The answer names what may come next.
CREATE FUNCTION public.rights_request_next_statuses(current_status text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE current_status
    WHEN 'submitted' THEN ARRAY['identityVerified', 'rejected']
    WHEN 'identityVerified' THEN ARRAY['inProgress', 'rejected']
    WHEN 'inProgress' THEN ARRAY['completed', 'rejected']
    ELSE ARRAY[]::text[] END
$$;

CREATE FUNCTION public.prepare_rights_request() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  subject record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT data_controller_id, jurisdiction, erased_at INTO subject FROM public.data_subjects WHERE id = NEW.data_subject_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'data subject % not found', NEW.data_subject_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- Another controller's subject gets the same answer as a missing one: existence is not disclosed.
    IF NEW.data_controller_id IS NOT NULL AND NEW.data_controller_id <> subject.data_controller_id THEN
      RAISE EXCEPTION 'data subject % not found', NEW.data_subject_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    NEW.data_controller_id := subject.data_controller_id;
    -- A request always starts at the beginning of the workflow, with its deadline from the law.
    NEW.status := 'submitted';
    NEW.identity_verification := 'pending';
    NEW.completed_at := NULL;
    NEW.jurisdiction := coalesce(NEW.jurisdiction, subject.jurisdiction);
    -- Calendar days counted in UTC, so the session's time zone (and its DST changes) cannot move it.
    NEW.due_at := (NEW.created_at AT TIME ZONE 'UTC' + CASE NEW.jurisdiction WHEN 'CCPA' THEN interval '45 days' ELSE interval '30 days' END) AT TIME ZONE 'UTC';
    RETURN NEW;
  END IF;
  -- UPDATE: what was filed stays as filed.
  NEW.data_controller_id := OLD.data_controller_id;
  NEW.data_subject_id := OLD.data_subject_id;
  NEW.request_type := OLD.request_type;
  NEW.jurisdiction := OLD.jurisdiction;
  NEW.due_at := OLD.due_at;
  NEW.created_at := OLD.created_at;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT NEW.status = ANY (public.rights_request_next_statuses(OLD.status)) THEN
      RAISE EXCEPTION 'illegal rights request transition from % to %: %', OLD.status, NEW.status,
        CASE WHEN cardinality(public.rights_request_next_statuses(OLD.status)) = 0
          THEN 'the request is closed'
          ELSE 'the next status may be ' || array_to_string(public.rights_request_next_statuses(OLD.status), ' or ') END
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'identityVerified' THEN NEW.identity_verification := 'verified'; END IF;
    IF NEW.status IN ('completed', 'rejected') THEN NEW.completed_at := now(); END IF;
  ELSE
    NEW.completed_at := OLD.completed_at;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_subject_rights_requests_prepare
BEFORE INSERT OR UPDATE ON public.data_subject_rights_requests
FOR EACH ROW EXECUTE FUNCTION public.prepare_rights_request();
CREATE TRIGGER data_subject_rights_requests_set_updated_at BEFORE UPDATE ON public.data_subject_rights_requests
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Erasure by crypto-shredding: the subject's key and sealed data go, and with them every copy
-- of the ciphertext made after the key was deleted becomes unreadable (a database backup taken
-- before the erasure still holds the wrapped key); so do the identifier hashes, so the person
-- arriving again is a new subject, and the free text about them (request notes, notifications).
-- The pseudonymous subject row stays, marked erased, with its consent and request history.
CREATE FUNCTION privacy.erase_data_subject(subject_id uuid) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
  controller_id uuid;
  erased timestamptz;
BEGIN
  UPDATE public.data_subjects SET erased_at = coalesce(erased_at, now())
  WHERE id = subject_id RETURNING data_controller_id, erased_at INTO controller_id, erased;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  DELETE FROM privacy.data_subject_keys WHERE data_subject_id = subject_id;
  DELETE FROM privacy.personal_data WHERE data_subject_id = subject_id;
  DELETE FROM public.data_subject_identifiers WHERE data_subject_id = subject_id;
  -- Free text written about the subject may hold personal data too.
  UPDATE public.data_subject_rights_requests SET notes = NULL, response = NULL
  WHERE data_subject_id = subject_id AND (notes IS NOT NULL OR response IS NOT NULL);
  DELETE FROM public.notification_messages WHERE data_subject_id = subject_id;
  INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, activity_type, event, source)
  VALUES (controller_id, subject_id, 'erasure', 'dataSubject.erased', 'api');
  RETURN erased;
END;
$$;

CREATE FUNCTION public.record_rights_request_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  INSERT INTO public.data_subject_rights_request_events (data_controller_id, rights_request_id, from_status, to_status, actor_role, actor_user_id)
  VALUES (NEW.data_controller_id, NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, public.session_role(), public.session_user_id());
  INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, activity_type, event, source)
  VALUES (NEW.data_controller_id, NEW.data_subject_id, 'rightsRequest', 'rightsRequest.' || NEW.request_type || '.' || NEW.status, NEW.channel);
  -- Completing an erasure request erases.
  IF NEW.status = 'completed' AND NEW.request_type = 'erasure' THEN
    PERFORM privacy.erase_data_subject(NEW.data_subject_id);
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_subject_rights_requests_transition
AFTER INSERT OR UPDATE OF status ON public.data_subject_rights_requests
FOR EACH ROW EXECUTE FUNCTION public.record_rights_request_transition();

-- Rights management "Active Services": which request types the controller accepts.
CREATE TABLE public.rights_services (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  request_type text NOT NULL CHECK (request_type IN (
    'access', 'rectify', 'erasure', 'restrict', 'export', 'object', 'noSale', 'noTrack', 'noProfile', 'other')),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, request_type)
);
CREATE TRIGGER rights_services_set_updated_at BEFORE UPDATE ON public.rights_services
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Compliance issues, notifications, FAQs.
CREATE TABLE public.compliance_issues (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  -- One of the twelve assurance areas (dataGovernance, lawfulBasis, ...) or NULL for a manual issue.
  area text,
  title text NOT NULL CHECK (length(trim(title)) > 0),
  description text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'inProgress', 'resolved')),
  priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
  dismissed boolean NOT NULL DEFAULT false,
  -- 'assessment' issues are raised and resolved by reportDataControllersComplianceIssues.
  source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'assessment')),
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX compliance_issues_one_open_per_area
  ON public.compliance_issues (data_controller_id, area) WHERE source = 'assessment' AND status <> 'resolved';
CREATE TRIGGER compliance_issues_set_updated_at BEFORE UPDATE ON public.compliance_issues
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE public.notification_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL,
  data_subject_id uuid NOT NULL,
  kind text NOT NULL DEFAULT 'general',
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (data_controller_id, data_subject_id) REFERENCES public.data_subjects (data_controller_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_messages_subject_idx ON public.notification_messages (data_subject_id, created_at DESC);

CREATE TABLE public.data_controller_faqs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  question text NOT NULL CHECK (length(trim(question)) > 0),
  answer text NOT NULL,
  published boolean NOT NULL DEFAULT true,
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_controller_faqs_controller_idx ON public.data_controller_faqs (data_controller_id);
CREATE TRIGGER data_controller_faqs_set_updated_at BEFORE UPDATE ON public.data_controller_faqs
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- The audit trail: who changed what configuration, by table and column names — never values
-- (they may be personal data). Rights-request transitions and consent changes have their own,
-- richer histories above.
CREATE TABLE public.audit_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  actor_user_id uuid,
  actor_role text,
  action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  entity text NOT NULL,
  entity_id uuid,
  changed_columns jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_events_controller_created_idx ON public.audit_events (data_controller_id, created_at DESC);

CREATE FUNCTION public.record_audit_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  row_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  controller uuid;
  changed jsonb := '[]'::jsonb;
BEGIN
  controller := coalesce(row_new, row_old) ->> CASE WHEN TG_TABLE_NAME = 'data_controllers' THEN 'id' ELSE 'data_controller_id' END;
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_agg(n.key ORDER BY n.key), '[]'::jsonb) INTO changed
    FROM jsonb_each(row_new) n
    WHERE n.key NOT IN ('updated_at') AND n.value IS DISTINCT FROM row_old -> n.key;
    IF changed = '[]'::jsonb THEN
      RETURN NULL;
    END IF;
  END IF;
  -- A deleted controller takes its trail with it (cascade): nothing to record against it.
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'data_controllers' THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.audit_events (data_controller_id, actor_user_id, actor_role, action, entity, entity_id, changed_columns)
  SELECT controller, public.session_user_id(), public.session_role(), lower(TG_OP), TG_TABLE_NAME, (coalesce(row_new, row_old) ->> 'id')::uuid, changed
  WHERE EXISTS (SELECT 1 FROM public.data_controllers WHERE id = controller);
  RETURN NULL;
END;
$$;

DO $$
DECLARE
  audited text;
BEGIN
  FOREACH audited IN ARRAY ARRAY['data_controllers', 'data_controller_users', 'purposes', 'purpose_data_items', 'purpose_template_links',
    'third_party_services', 'consent_forms', 'consent_form_purposes', 'rights_services', 'privacy_notices', 'compliance_issues', 'data_controller_faqs']
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON public.%I FOR EACH ROW EXECUTE FUNCTION public.record_audit_event()',
                   audited || '_audit', audited);
  END LOOP;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Ingestion (createDataSubject, webhooks) in one round trip. The caller has normalised and
-- hashed the identifiers (hex) and sealed the payload under a fresh subject key; when the identifiers
-- name an existing subject, that subject's wrapped key is returned instead, and the caller seals
-- the payload again under it and stores it (privacy.personal_data).
--
-- With p_member_roles set, the caller (p_user_id) must be a member of the controller with one of
-- those roles, else SQLSTATE PV404 and nothing is written: the check costs no extra round trip.
CREATE FUNCTION privacy.ingest_data_subject(
  p_controller_id uuid, p_new_subject_id uuid, p_new_did text, p_kinds text[], p_hashes_hex text[], p_jurisdiction text,
  p_new_wrapped_key bytea, p_new_sealed bytea, p_event text, p_data_fields jsonb, p_source text,
  p_user_id uuid DEFAULT NULL, p_member_roles text[] DEFAULT NULL)
RETURNS TABLE (subject_id uuid, is_new boolean, existing_wrapped_key bytea)
LANGUAGE plpgsql AS $$
DECLARE
  existing uuid;
  n integer;
BEGIN
  IF p_member_roles IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.data_controller_users AS m
    WHERE m.data_controller_id = p_controller_id AND m.user_id = p_user_id AND m.role = ANY (p_member_roles)
  ) THEN
    RAISE EXCEPTION 'data controller not found' USING ERRCODE = 'PV404';
  END IF;
  -- The same person arriving twice at once must resolve to one subject: serialise on its
  -- identifiers (the hashes are uniformly random, their first 8 bytes make a good lock key).
  PERFORM pg_advisory_xact_lock(l.k)
  FROM (SELECT DISTINCT ('x' || substring(h FROM 1 FOR 16))::bit(64)::bigint AS k FROM unnest(p_hashes_hex) AS h ORDER BY 1) AS l;

  -- The first identifier given that is known decides (callers give email, phone, externalId in
  -- that order); one indexed lookup each is cheaper than a join over all of them.
  FOR n IN 1 .. cardinality(p_kinds) LOOP
    SELECT i.data_subject_id INTO existing
    FROM public.data_subject_identifiers AS i
    WHERE i.data_controller_id = p_controller_id AND i.kind = p_kinds[n] AND i.hash = decode(p_hashes_hex[n], 'hex');
    EXIT WHEN existing IS NOT NULL;
  END LOOP;

  IF existing IS NULL THEN
    INSERT INTO public.data_subjects (id, data_controller_id, did, jurisdiction)
    VALUES (p_new_subject_id, p_controller_id, p_new_did,
            coalesce(p_jurisdiction, (SELECT c.default_jurisdiction FROM public.data_controllers AS c WHERE c.id = p_controller_id), 'GDPR'));
    INSERT INTO privacy.data_subject_keys (data_subject_id, data_controller_id, wrapped_key) VALUES (p_new_subject_id, p_controller_id, p_new_wrapped_key);
    INSERT INTO privacy.personal_data (data_controller_id, data_subject_id, event, sealed) VALUES (p_controller_id, p_new_subject_id, p_event, p_new_sealed);
    subject_id := p_new_subject_id;
    is_new := true;
  ELSE
    subject_id := existing;
    is_new := false;
    SELECT k.wrapped_key INTO existing_wrapped_key FROM privacy.data_subject_keys AS k WHERE k.data_subject_id = existing;
  END IF;

  -- Identifiers seen for the first time join the subject; one already held by another subject stays there.
  INSERT INTO public.data_subject_identifiers (data_controller_id, data_subject_id, kind, hash)
  SELECT p_controller_id, subject_id, given.kind, decode(given.hash_hex, 'hex') FROM unnest(p_kinds, p_hashes_hex) AS given(kind, hash_hex)
  ON CONFLICT DO NOTHING;
  INSERT INTO public.data_processing_activities (data_controller_id, data_subject_id, activity_type, event, data_fields, source)
  VALUES (p_controller_id, subject_id, CASE WHEN is_new THEN 'collection' ELSE 'profileUpdate' END, p_event, p_data_fields, p_source);
  RETURN NEXT;
END;
$$;
