-- Mail and single-use tickets (people and mail, docs/architecture.md §3.6).

-- The outbox: every message is written here in the transaction of the change that causes it,
-- rendered (subject, text and HTML parts), and delivered afterwards by the mail worker, so that
-- a crash between commit and send loses nothing. Without SMTP the rows stay here: the
-- development outbox that `pavise mail list` reads.
CREATE SCHEMA mail;

CREATE TABLE mail.outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Which template rendered the message (magic-link, invitation, password-reset, ...).
  template text NOT NULL,
  -- The controller the message speaks for (its branding), if any.
  data_controller_id uuid REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  recipient text NOT NULL,
  sender_name text NOT NULL,
  subject text NOT NULL,
  -- Emptied once the message is delivered by SMTP: its links are credentials.
  text_body text NOT NULL,
  html_body text NOT NULL,
  -- The Message-ID header, fixed at enqueue: a retry after a crash carries the same one.
  message_id text NOT NULL UNIQUE,
  -- pending: waiting to be sent; sending: claimed by a worker until lease_until; sent: accepted
  -- by the SMTP server; failed: refused for good or out of attempts; kept: in the development
  -- outbox (no SMTP configured).
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'kept')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  delivered_at timestamptz,
  last_error text
);
CREATE INDEX outbox_due_idx ON mail.outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_created_at_idx ON mail.outbox (created_at);

-- Single-use tickets: magic links, password resets, e-mail verification, invitations, the
-- second step of a two-factor sign-in. Only the SHA-256 digest of a ticket is stored.
CREATE TABLE auth.tickets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ticket_hash text NOT NULL UNIQUE,
  kind text NOT NULL,
  user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
  data_controller_id uuid REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  data_subject_id uuid REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  -- Where the verification sends the browser afterwards (already checked against the allowed origins).
  redirect_to text,
  -- What the ticket is for, beyond the columns above (an invitation's role, ...).
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- What only the ticket's holder may read (e.g. the e-mail address a data subject is to be
  -- registered with): AES-256-GCM under a key derived from the ticket itself.
  sealed bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX tickets_user_id_idx ON auth.tickets (user_id);
CREATE INDEX tickets_expires_at_idx ON auth.tickets (expires_at);

-- A controller's branding, for its mail (and, later, the Transparency Center), and whether a
-- person unknown to it may register as a data subject by proving an e-mail address.
ALTER TABLE public.data_controllers
  ADD COLUMN subject_self_registration boolean NOT NULL DEFAULT false,
  ADD COLUMN logomark_url text CHECK (logomark_url ~ '^https?://'),
  ADD COLUMN primary_colour text CHECK (primary_colour ~ '^#[0-9a-fA-F]{6}$'),
  ADD COLUMN secondary_colour text CHECK (secondary_colour ~ '^#[0-9a-fA-F]{6}$');

-- Data-subject sessions: a refresh-token family belongs to an account or to a data subject
-- (signed in by magic link at one controller). A subject's family keeps the session claims its
-- access tokens carry, so that auth need not read the privacy tables to refresh one.
ALTER TABLE auth.refresh_tokens
  ALTER COLUMN user_id DROP NOT NULL,
  ADD COLUMN data_subject_id uuid REFERENCES public.data_subjects (id) ON DELETE CASCADE,
  ADD COLUMN session_claims jsonb,
  ADD CONSTRAINT refresh_tokens_one_owner CHECK (num_nonnulls(user_id, data_subject_id) = 1),
  ADD CONSTRAINT refresh_tokens_subject_claims CHECK (data_subject_id IS NULL OR session_claims IS NOT NULL);
CREATE INDEX refresh_tokens_data_subject_id_idx ON auth.refresh_tokens (data_subject_id) WHERE data_subject_id IS NOT NULL;

-- An erased subject signs in no more: its sessions end with the erasure.
CREATE FUNCTION privacy.end_sessions_of_erased_subject() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM auth.refresh_tokens WHERE data_subject_id = NEW.id;
  DELETE FROM auth.tickets WHERE data_subject_id = NEW.id;
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_subjects_erasure_ends_sessions
AFTER UPDATE OF erased_at ON public.data_subjects
FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL)
EXECUTE FUNCTION privacy.end_sessions_of_erased_subject();

-- A data subject's session names the subject as its x-hasura-user-id (a JWT always has one);
-- the audit columns called actor_user_id name accounts, so a subject acting is recorded by its
-- role alone, as before such sessions existed.
CREATE OR REPLACE FUNCTION public.session_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN s.session ->> 'x-hasura-role' = 'dataSubject' THEN NULL
              ELSE nullif(s.session ->> 'x-hasura-user-id', '')::uuid END
  FROM (SELECT nullif(current_setting('hasura.user', true), '')::json AS session) AS s
$$;
