-- The secrets vault (docs/contracts.md §7). Every vault table carries project_id so the data can be
-- partitioned by tenant. Secret values are stored only as AES-256-GCM ciphertext under the
-- project's data key; data keys only wrapped by a master key that is never in the database.
CREATE SCHEMA vault;

-- A project lives in exactly one workspace: a user's personal workspace or an organisation (a
-- data controller, whose membership and dashboard roles apply).
CREATE TABLE vault.projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  owner_user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
  data_controller_id uuid REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_user_id IS NULL) <> (data_controller_id IS NULL))
);
CREATE UNIQUE INDEX projects_personal_name_idx ON vault.projects (owner_user_id, lower(name)) WHERE owner_user_id IS NOT NULL;
CREATE UNIQUE INDEX projects_organisation_name_idx ON vault.projects (data_controller_id, lower(name)) WHERE data_controller_id IS NOT NULL;

-- The project's data key, wrapped (AES-256-GCM) by the master key named by master_key_id.
CREATE TABLE vault.data_keys (
  project_id uuid PRIMARY KEY REFERENCES vault.projects (id) ON DELETE CASCADE,
  wrapped_key bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz
);

-- Branches are overlays: a branch's rows override (or, as tombstones, hide) main's rows of the
-- same environment and key. `main` is created with the project.
CREATE TABLE vault.branches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES vault.projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  base_env text,
  created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name),
  UNIQUE (project_id, id)
);

-- The current state of each (branch, environment, key). Deleted keys stay as tombstones so
-- versions keep counting up (check-and-set stays sound) and, in a branch, hide main's key.
CREATE TABLE vault.secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL,
  branch_id uuid NOT NULL,
  environment text NOT NULL,
  key text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  ciphertext bytea,
  deleted boolean NOT NULL DEFAULT false,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (project_id, branch_id) REFERENCES vault.branches (project_id, id) ON DELETE CASCADE,
  UNIQUE (branch_id, environment, key),
  CHECK (deleted = (ciphertext IS NULL))
);
CREATE INDEX secrets_read_idx ON vault.secrets (project_id, environment, branch_id);

-- Every version of every secret row, for history and rollback.
CREATE TABLE vault.secret_versions (
  secret_id uuid NOT NULL REFERENCES vault.secrets (id) ON DELETE CASCADE,
  version integer NOT NULL,
  project_id uuid NOT NULL REFERENCES vault.projects (id) ON DELETE CASCADE,
  ciphertext bytea,
  deleted boolean NOT NULL DEFAULT false,
  description text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (secret_id, version)
);

-- Machine identities locked to one project; their keys are stored as SHA-256 digests.
CREATE TABLE vault.service_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES vault.projects (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  permissions text[] NOT NULL,
  created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

CREATE TABLE vault.service_account_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_account_id uuid NOT NULL REFERENCES vault.service_accounts (id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES vault.projects (id) ON DELETE CASCADE,
  key_hash text NOT NULL UNIQUE,
  key_hint text NOT NULL,
  label text NOT NULL DEFAULT '',
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The audit trail: one hash chain per workspace ('user:<id>' or 'org:<id>'). An entry is
-- recorded in the statement or transaction of what it records, unsealed (seq and hashes NULL):
-- a plain insert, so concurrent requests never queue on a chain. Sealing (vault.seal_audit, run
-- every second and before every audit read) links pending entries into the chain in id order:
-- each hash covers the previous hash, the sequence number and every column below, so changing,
-- removing or reordering a sealed row breaks the chain at that row. Values are never recorded.
CREATE TABLE vault.audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain text NOT NULL,
  seq bigint,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor text NOT NULL,
  action text NOT NULL,
  project_id uuid,
  environment text,
  branch text,
  keys text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text,
  hash text,
  UNIQUE (chain, seq),
  CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL))
);
CREATE INDEX audit_log_project_idx ON vault.audit_log (project_id, id);
CREATE INDEX audit_log_pending_idx ON vault.audit_log (chain, id) WHERE seq IS NULL;

-- The head of each chain: its last sealed entry. Sealing locks this row.
CREATE TABLE vault.audit_heads (
  chain text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL
);

-- The one definition of an entry's hash, used both to seal and to verify.
CREATE FUNCTION vault.audit_digest(
  prev_hash text, seq bigint, created_at timestamptz, actor text, action text, project_id uuid,
  environment text, branch text, keys text[], metadata jsonb
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws(E'\n',
    prev_hash,
    seq::text,
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    actor,
    action,
    coalesce(project_id::text, ''),
    coalesce(environment, ''),
    coalesce(branch, ''),
    keys::text,
    metadata::text
  ), 'UTF8')), 'hex')
$$;

-- Records one (unsealed) entry and returns its id.
CREATE FUNCTION vault.record_audit(
  p_chain text, p_actor text, p_action text, p_project_id uuid, p_environment text, p_branch text,
  p_keys text[], p_metadata jsonb
) RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO vault.audit_log (chain, actor, action, project_id, environment, branch, keys, metadata)
  VALUES (p_chain, p_actor, p_action, p_project_id, p_environment, p_branch, coalesce(p_keys, '{}'), coalesce(p_metadata, '{}'))
  RETURNING id
$$;

-- Links a chain's pending entries into it, in id order; returns how many. Concurrent sealers of
-- one chain queue on its head row, and the later one finds nothing left to seal.
CREATE FUNCTION vault.seal_audit(p_chain text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  head vault.audit_heads;
  entry record;
  sealed integer := 0;
BEGIN
  INSERT INTO vault.audit_heads (chain, seq, hash) VALUES (p_chain, 0, repeat('0', 64)) ON CONFLICT (chain) DO NOTHING;
  SELECT * INTO head FROM vault.audit_heads h WHERE h.chain = p_chain FOR UPDATE;
  FOR entry IN
    SELECT * FROM vault.audit_log l WHERE l.chain = p_chain AND l.seq IS NULL ORDER BY l.id FOR UPDATE
  LOOP
    UPDATE vault.audit_log l SET
      seq = head.seq + 1,
      prev_hash = head.hash,
      hash = vault.audit_digest(head.hash, head.seq + 1, entry.created_at, entry.actor, entry.action, entry.project_id,
        entry.environment, entry.branch, entry.keys, entry.metadata)
    WHERE l.id = entry.id
    RETURNING l.seq, l.hash INTO head.seq, head.hash;
    sealed := sealed + 1;
  END LOOP;
  UPDATE vault.audit_heads h SET seq = head.seq, hash = head.hash WHERE h.chain = p_chain;
  RETURN sealed;
END;
$$;
