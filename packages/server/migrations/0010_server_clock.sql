-- The server's clock in SQL. Pavise is given one clock (src/clock.ts): the system's, or a test's
-- that it moves instead of waiting. Statements that decide by time receive it as a bound
-- parameter; triggers and column defaults cannot, so a transaction that writes through the
-- GraphQL engine sets pavise.now (epoch milliseconds, transaction-local) with the session, and
-- they read it through pavise.now(). Without the setting (the CLI, a migration, psql) it is the
-- database's now(), as before.
CREATE FUNCTION pavise.now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(to_timestamp(nullif(current_setting('pavise.now', true), '')::float8 / 1000), now())
$$;

-- clock_timestamp() on the same clock: pavise.now() plus the time since the transaction began,
-- so several entries of one transaction keep their order.
CREATE FUNCTION pavise.clock_timestamp() RETURNS timestamptz
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT pavise.now() + (clock_timestamp() - now())
$$;

-- A rights request's deadline is counted from its created_at (prepare_rights_request), and the
-- histories and the compliance score compare these against the clock.
ALTER TABLE public.data_subject_rights_requests ALTER COLUMN created_at SET DEFAULT pavise.now();
ALTER TABLE public.data_subject_rights_request_events ALTER COLUMN created_at SET DEFAULT pavise.clock_timestamp();
ALTER TABLE public.data_processing_activities ALTER COLUMN created_at SET DEFAULT pavise.clock_timestamp();
ALTER TABLE public.compliance_issues ALTER COLUMN created_at SET DEFAULT pavise.now();

CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := pavise.now();
  RETURN NEW;
END;
$$;

-- As in migration 0008, with completed_at from pavise.now().
CREATE OR REPLACE FUNCTION public.prepare_rights_request() RETURNS trigger
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
    IF NEW.status IN ('completed', 'rejected') THEN NEW.completed_at := pavise.now(); END IF;
  ELSE
    NEW.completed_at := OLD.completed_at;
  END IF;
  RETURN NEW;
END;
$$;
