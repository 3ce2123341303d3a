-- Two-factor sign-in with TOTP (docs/contracts.md §3.7).

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
