-- The auth service (Nhost-compatible). Tokens are stored only as SHA-256 hex digests.
CREATE SCHEMA auth;

CREATE TABLE auth.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz,
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  display_name text NOT NULL DEFAULT '',
  avatar_url text NOT NULL DEFAULT '',
  locale text NOT NULL DEFAULT 'en',
  password_hash text,                              -- argon2id; NULL for accounts without a password
  email_verified boolean NOT NULL DEFAULT false,
  disabled boolean NOT NULL DEFAULT false,
  default_role text NOT NULL DEFAULT 'user',
  roles text[] NOT NULL DEFAULT ARRAY['user', 'me'],  -- the allowed roles
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK (default_role = ANY (roles))
);

CREATE TABLE auth.personal_access_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  token_hint text NOT NULL,                        -- prefix and first characters, for lists
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX personal_access_tokens_user_id_idx ON auth.personal_access_tokens (user_id);

-- One row per refresh-token family (a sign-in). The id is the session's refreshTokenId and stays
-- the same across rotations; token_hash is the current token.
CREATE TABLE auth.refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  previous_token_hash text,                        -- the token the current one replaced
  rotated_at timestamptz,                          -- when it was replaced (start of the grace window)
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_user_id_idx ON auth.refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_at_idx ON auth.refresh_tokens (expires_at);

-- Every token a family has used and given up: presenting one again outside the grace window is
-- reuse (a stolen token), and revokes the family.
CREATE TABLE auth.retired_refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES auth.refresh_tokens (id) ON DELETE CASCADE,
  retired_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retired_refresh_tokens_family_id_idx ON auth.retired_refresh_tokens (family_id);
