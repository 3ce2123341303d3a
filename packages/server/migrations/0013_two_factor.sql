-- Two-factor sign-in with TOTP (docs/contracts.md §3.7), and data controllers that require it of
-- their members (§6.2).

-- Nhost's column: 'totp' once a TOTP secret is confirmed by a code, NULL otherwise.
ALTER TABLE auth.users ADD COLUMN active_mfa_type text CHECK (active_mfa_type IN ('totp'));

-- A user's TOTP secret, wrapped by the master key as a data key is (architecture §5), so a dump
-- of the database alone yields no secret; the wrap context binds it to its user. Pending until
-- a code confirms it (auth.users.active_mfa_type), and replaced by each generation until then.
-- The columns wrapped_key, master_key_id and rewrapped_at are the ones `pavise vault
-- rotate-master-key` re-wraps.
CREATE TABLE auth.totp_secrets (
  user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  wrapped_key bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz,
  -- The last 30-second step whose code was accepted: a code is good once, and none older after it.
  last_used_step bigint
);

-- The second step of a password sign-in: a ticket (stored as its SHA-256 hex digest) that, with
-- a TOTP code, becomes a session. Used once; a few wrong codes or its expiry end it.
CREATE TABLE auth.mfa_tickets (
  ticket_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  failed_attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX mfa_tickets_user_id_idx ON auth.mfa_tickets (user_id);

-- A data controller may require two-factor sign-in of its members: while it does, a member whose
-- account has no second factor active is not counted as one (contracts §6.2), from its next
-- request on. Its members can still sign in, see the controller's row (and this flag) and enrol.
ALTER TABLE public.data_controllers ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

-- The membership that counts, written once for SQL: the role of a user in a controller, if the
-- controller does not require two-factor sign-in or the account has a factor active. The engine's
-- row filters say the same in the model's terms (src/privacy/permissions.ts). A set-returning SQL
-- function of one SELECT, which the planner inlines into the statement that uses it: the same
-- plan as writing the joins out (two primary-key lookups beside the membership's).
CREATE FUNCTION privacy.member_role(p_controller_id uuid, p_user_id uuid) RETURNS TABLE (role text)
LANGUAGE sql STABLE AS $$
  SELECT m.role FROM public.data_controller_users AS m
  JOIN public.data_controllers AS c ON c.id = m.data_controller_id
  JOIN auth.users AS u ON u.id = m.user_id
  WHERE m.data_controller_id = p_controller_id AND m.user_id = p_user_id
    AND (NOT c.require_mfa OR u.active_mfa_type IS NOT NULL)
$$;

-- Why a membership does not count, for refusals that say so: the user is a member, and yet
-- member_role has no role for it (today the two-factor requirement is the only reason).
CREATE FUNCTION privacy.awaiting_two_factor(p_controller_id uuid, p_user_id uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM public.data_controller_users AS m
                 WHERE m.data_controller_id = p_controller_id AND m.user_id = p_user_id)
     AND NOT EXISTS (SELECT 1 FROM privacy.member_role(p_controller_id, p_user_id))
$$;

-- Ingestion's membership check (0008) through member_role, and a refusal of its own (PV403) for
-- a member awaiting two-factor sign-in. Otherwise as in 0008.
CREATE OR REPLACE FUNCTION privacy.ingest_data_subject(
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
    SELECT 1 FROM privacy.member_role(p_controller_id, p_user_id) AS m WHERE m.role = ANY (p_member_roles)
  ) THEN
    IF privacy.awaiting_two_factor(p_controller_id, p_user_id) THEN
      RAISE EXCEPTION 'two-factor sign-in required' USING ERRCODE = 'PV403';
    END IF;
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
