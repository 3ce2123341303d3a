-- Team invitations (docs/contracts.md §6.11): a member who may manage users invites a person by
-- e-mail and name with one of the nine dashboard roles. The mailed link carries a ticket
-- (auth.tickets, kind 'invitation', payload {"invitationId"}); resending replaces the ticket,
-- revoking ends it, accepting adds the membership in the transaction that uses it.
CREATE TABLE public.data_controller_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  -- A colleague's work address, shown to the team and needed to resend: not a data subject's.
  email text NOT NULL CHECK (email = lower(email) AND length(email) <= 320),
  display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 256),
  role text NOT NULL CHECK (role IN (
    'owner', 'businessOwner', 'admin', 'dpo', 'dataController', 'developer', 'agency', 'member', 'auditor')),
  -- pending until accepted or revoked; a pending invitation past expires_at is expired.
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked')),
  invited_by_user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  accepted_by_user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  sent_at timestamptz NOT NULL DEFAULT pavise.now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT pavise.now(),
  updated_at timestamptz NOT NULL DEFAULT pavise.now()
);
-- One open invitation per address and controller: a second invite is a resend.
CREATE UNIQUE INDEX data_controller_invitations_pending_idx
  ON public.data_controller_invitations (data_controller_id, email) WHERE status = 'pending';
CREATE TRIGGER data_controller_invitations_set_updated_at BEFORE UPDATE ON public.data_controller_invitations
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER data_controller_invitations_audit AFTER INSERT OR UPDATE OR DELETE ON public.data_controller_invitations
FOR EACH ROW EXECUTE FUNCTION public.record_audit_event();

-- Invitation tickets are found by their invitation (a resend or a revocation ends them).
CREATE INDEX tickets_invitation_idx ON auth.tickets ((payload ->> 'invitationId')) WHERE kind = 'invitation';

-- The team page's "last sign-in" is auth.users.last_seen (set by every sign-in).

-- A controller always has an owner: a statement that leaves one without (the last owner demoted
-- or removed) fails, whoever runs it (GraphQL, an action, SQL). Checked after the statement, so
-- one that hands ownership over (promote one, demote another) passes; a controller being deleted
-- takes its members with it and is not checked. Who may grant or take the owner role is the
-- model's rule (src/privacy/permissions.ts). SQLSTATE class PV: a refusal whose message is for
-- the client (the engine shows it).
CREATE FUNCTION privacy.keep_an_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM old_rows o
    JOIN public.data_controllers c ON c.id = o.data_controller_id
    WHERE o.role = 'owner'
      AND NOT EXISTS (SELECT 1 FROM public.data_controller_users m WHERE m.data_controller_id = o.data_controller_id AND m.role = 'owner')
  ) THEN
    RAISE EXCEPTION 'a data controller keeps at least one owner: make someone else owner first' USING ERRCODE = 'PV409';
  END IF;
  RETURN NULL;
END;
$$;
-- One trigger per event: a trigger with transition tables fires for one event only.
CREATE TRIGGER data_controller_users_keep_an_owner_on_update AFTER UPDATE ON public.data_controller_users
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION privacy.keep_an_owner();
CREATE TRIGGER data_controller_users_keep_an_owner_on_delete AFTER DELETE ON public.data_controller_users
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION privacy.keep_an_owner();
