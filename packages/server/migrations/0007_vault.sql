-- The secrets vault (DESIGN.md §5). Every vault table carries project_id so the data can be
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

-- The audit trail: one hash chain per workspace ('user:<id>' or 'org:<id>'). Each entry's hash
-- covers the previous entry's hash, its sequence number and every column below, so changing,
-- removing or reordering a row breaks the chain at that row. Values are never recorded.
CREATE TABLE vault.audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain text NOT NULL,
  seq bigint NOT NULL,
  created_at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  project_id uuid,
  environment text,
  branch text,
  keys text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (chain, seq)
);
CREATE INDEX audit_log_project_idx ON vault.audit_log (project_id, id);

-- The head of each chain. Appending locks this row, which orders a chain's entries.
CREATE TABLE vault.audit_heads (
  chain text PRIMARY KEY,
  seq bigint NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);

-- The one definition of an entry's hash, used both to append and to verify.
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

-- Appends one entry to a chain and returns its id. Callable inside any statement or transaction,
-- so a write and its audit entry commit (or roll back) together.
CREATE FUNCTION vault.append_audit(
  p_chain text, p_actor text, p_action text, p_project_id uuid, p_environment text, p_branch text,
  p_keys text[], p_metadata jsonb
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := clock_timestamp();
  head vault.audit_heads;
  entry_id bigint;
BEGIN
  INSERT INTO vault.audit_heads (chain, seq, prev_hash, hash)
  VALUES (p_chain, 0, repeat('0', 64), repeat('0', 64))
  ON CONFLICT (chain) DO NOTHING;
  UPDATE vault.audit_heads h SET
    seq = h.seq + 1,
    prev_hash = h.hash,
    hash = vault.audit_digest(h.hash, h.seq + 1, at, p_actor, p_action, p_project_id, p_environment, p_branch, coalesce(p_keys, '{}'), coalesce(p_metadata, '{}'))
  WHERE h.chain = p_chain
  RETURNING h.* INTO head;
  INSERT INTO vault.audit_log (chain, seq, created_at, actor, action, project_id, environment, branch, keys, metadata, prev_hash, hash)
  VALUES (p_chain, head.seq, at, p_actor, p_action, p_project_id, p_environment, p_branch, coalesce(p_keys, '{}'), coalesce(p_metadata, '{}'), head.prev_hash, head.hash)
  RETURNING id INTO entry_id;
  RETURN entry_id;
END;
$$;
