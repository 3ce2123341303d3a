import { AuthError } from '../auth/errors.js';
import { issueTicket, peekTicket, redeemTicket, revokeTickets } from '../auth/tickets.js';
import type { Clock } from '../clock.js';
import { isEmail } from '../config/config.js';
import type { Database, Queryable } from '../db/database.js';
import { ActionError } from '../graphql/errors.js';
import type { ActionContext } from '../graphql/model.js';
import type { Mailer } from '../mail/mailer.js';
import { invitation as invitationMail } from '../mail/templates/invitation.js';
import { controllerAccess } from './access.js';
import { BRANDING_COLUMNS, brandingOf } from './branding.js';
import { type DashboardRole, isDashboardRole, ROLE_LABELS } from './permissions.js';

/** How long an invitation's link works: 7 days (reference §2.4), counted again by a resend. */
export const INVITATION_SECONDS = 7 * 24 * 3600;

type Session = ActionContext['session'];

/** An invitation as the actions answer it (the GraphQL table shows the rest). */
export interface Invitation {
  id: string;
  dataControllerId: string;
  email: string;
  displayName: string;
  role: DashboardRole;
  status: 'pending' | 'accepted' | 'revoked';
  expiresAt: string;
}

/** What the holder of a live invitation link may see before accepting it. */
export interface InvitationPreview {
  email: string;
  displayName: string;
  role: DashboardRole;
  roleLabel: string;
  expiresAt: string;
  dataController: { id: string; title: string; logomarkUrl: string | null; primaryColour: string };
  invitedBy: string;
  /** Whether the invited address already has an account (then: sign in, and accept with its session). */
  accountExists: boolean;
}

/** The account that accepts: the signed-in one, or one made for the invitation in the same transaction. */
export type Acceptor = (
  invited: { email: string; displayName: string },
  db: Queryable,
) => Promise<{ id: string; email: string }>;

const INVITATION_COLUMNS = `i.id, i.data_controller_id AS "dataControllerId", i.email, i.display_name AS "displayName",
  i.role, i.status, to_json(i.expires_at) #>> '{}' AS "expiresAt"`;
// expiresAt rendered as the GraphQL tables render timestamptz, so it equals a later read.

const NOT_FOUND = 'invitation not found';
const CLOSED = 'This invitation link is not valid: it was used, revoked, replaced by a newer one, or has expired';

/**
 * Team invitations (docs/contracts.md §6.11): a member who may manage users invites a person by
 * e-mail and name with one of the nine dashboard roles; the mail (in the controller's name)
 * links to the accept page with a single-use ticket; resending replaces the ticket and counts
 * the 7 days again, revoking ends it; accepting adds the membership in the transaction that
 * uses the ticket, with the account that accepts. Who may invite follows the permission matrix
 * (manageUsers), and only an owner invites an owner. Invite, resend and revoke run in the
 * request's transaction (GraphQL actions) and mail through the outbox in it.
 */
export class TeamInvitations {
  constructor(
    private readonly db: Database,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
  ) {}

  async invite(
    db: Queryable,
    session: Session,
    input: { dataControllerId: string; email: string; displayName?: string | null; role: string },
  ): Promise<Invitation> {
    const email = input.email.trim().toLowerCase();
    if (!isEmail(email)) throw new ActionError('email is not an e-mail address', 'validation-failed');
    const displayName = (input.displayName ?? '').trim();
    if (displayName.length > 256)
      throw new ActionError('displayName is longer than 256 characters', 'validation-failed');
    const role = this.grantable(input.role);
    const access = await controllerAccess(db, session, input.dataControllerId, 'manageUsers');
    this.mayGrant(access.memberRole, role);
    const [member] = await db.query(
      `SELECT 1 FROM public.data_controller_users m JOIN auth.users u ON u.id = m.user_id
       WHERE m.data_controller_id = $1 AND u.email = $2`,
      [access.controllerId, email],
    );
    if (member) throw new ActionError(`${email} is already a member of this data controller`, 'already-a-member');
    const now = this.clock.now();
    const [created] = await db.query<Invitation>(
      `INSERT INTO public.data_controller_invitations AS i
         (data_controller_id, email, display_name, role, invited_by_user_id, sent_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6::float8 / 1000), to_timestamp($6::float8 / 1000) + make_interval(secs => $7))
       ON CONFLICT (data_controller_id, email) WHERE status = 'pending' DO NOTHING
       RETURNING ${INVITATION_COLUMNS}`,
      [access.controllerId, email, displayName, role, inviterId(session), now, INVITATION_SECONDS],
    );
    if (!created)
      throw new ActionError(
        `${email} is already invited: resend the invitation (resendDataControllerInvitation) or revoke it`,
        'already-invited',
      );
    await this.mail(db, session, created, now);
    return created;
  }

  /** A new link for a pending (or expired) invitation; the previous link stops working. */
  async resend(db: Queryable, session: Session, id: string): Promise<Invitation> {
    const pending = await this.pending(db, session, id);
    const now = this.clock.now();
    await revokeTickets(db, { kind: 'invitation', payload: { invitationId: pending.id } }, now);
    const [resent] = await db.query<Invitation>(
      `UPDATE public.data_controller_invitations AS i
       SET sent_at = to_timestamp($2::float8 / 1000), expires_at = to_timestamp($2::float8 / 1000) + make_interval(secs => $3)
       WHERE i.id = $1 RETURNING ${INVITATION_COLUMNS}`,
      [pending.id, now, INVITATION_SECONDS],
    );
    await this.mail(db, session, resent!, now);
    return resent!;
  }

  /** Ends a pending invitation: its link stops working. */
  async revoke(db: Queryable, session: Session, id: string): Promise<Invitation> {
    const pending = await this.pending(db, session, id);
    const now = this.clock.now();
    await revokeTickets(db, { kind: 'invitation', payload: { invitationId: pending.id } }, now);
    const [revoked] = await db.query<Invitation>(
      `UPDATE public.data_controller_invitations AS i SET status = 'revoked', revoked_at = to_timestamp($2::float8 / 1000)
       WHERE i.id = $1 RETURNING ${INVITATION_COLUMNS}`,
      [pending.id, now],
    );
    return revoked!;
  }

  /** What a live link invites to, without using it; undefined for a link that is not live. */
  async preview(ticket: string): Promise<InvitationPreview | undefined> {
    const now = this.clock.now();
    const live = await peekTicket(this.db, ticket, ['invitation'], now);
    if (!live) return undefined;
    const [row] = await this.db.query<{
      email: string;
      display_name: string;
      role: DashboardRole;
      expires_at: Date;
      controller_id: string;
      title: string;
      logomark_url: string | null;
      primary_colour: string | null;
      invited_by: string | null;
      account_exists: boolean;
    }>(
      `SELECT i.email, i.display_name, i.role, i.expires_at, c.id AS controller_id, ${BRANDING_COLUMNS},
         nullif(coalesce(nullif(u.display_name, ''), u.email), '') AS invited_by,
         EXISTS (SELECT 1 FROM auth.users a WHERE a.email = i.email) AS account_exists
       FROM public.data_controller_invitations i
       JOIN public.data_controllers c ON c.id = i.data_controller_id
       LEFT JOIN auth.users u ON u.id = i.invited_by_user_id
       WHERE i.id = $1 AND i.status = 'pending' AND i.expires_at > to_timestamp($2::float8 / 1000)`,
      [live.payload.invitationId, now],
    );
    if (!row) return undefined;
    const branding = brandingOf(row);
    return {
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      roleLabel: ROLE_LABELS[row.role],
      expiresAt: row.expires_at.toISOString(),
      dataController: {
        id: row.controller_id,
        title: row.title,
        logomarkUrl: branding.logomarkUrl,
        primaryColour: branding.primaryColour,
      },
      invitedBy: row.invited_by ?? branding.name,
      accountExists: row.account_exists,
    };
  }

  /**
   * Uses the link: in one transaction, the ticket is spent, the account that accepts is found
   * or made (`acceptor`), the membership added and the invitation marked accepted. Any refusal
   * (a link not live, an account of another address, a member already) rolls it all back: no
   * membership changes and the link still works for the right account.
   */
  async accept(
    ticket: string,
    acceptor: Acceptor,
  ): Promise<{ userId: string; dataControllerId: string; role: DashboardRole }> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const live = await redeemTicket(tx, ticket, ['invitation'], now);
      const [invited] = live
        ? await tx.query<{
            id: string;
            data_controller_id: string;
            email: string;
            display_name: string;
            role: DashboardRole;
          }>(
            `SELECT id, data_controller_id, email, display_name, role FROM public.data_controller_invitations
             WHERE id = $1 AND status = 'pending' AND expires_at > to_timestamp($2::float8 / 1000) FOR UPDATE`,
            [live.payload.invitationId, now],
          )
        : [];
      if (!invited) throw new AuthError('invalid-ticket', CLOSED);
      const account = await acceptor({ email: invited.email, displayName: invited.display_name }, tx);
      if (account.email !== invited.email) throw new AuthError('invitation-for-another-address');
      const added = await tx.query(
        `INSERT INTO public.data_controller_users (data_controller_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (data_controller_id, user_id) DO NOTHING RETURNING id`,
        [invited.data_controller_id, account.id, invited.role],
      );
      if (added.length === 0) throw new AuthError('already-a-member');
      await tx.query(
        `UPDATE public.data_controller_invitations
         SET status = 'accepted', accepted_at = to_timestamp($3::float8 / 1000), accepted_by_user_id = $2 WHERE id = $1`,
        [invited.id, account.id, now],
      );
      return { userId: account.id, dataControllerId: invited.data_controller_id, role: invited.role };
    });
  }

  /** One of the nine roles, or a refusal naming them. */
  private grantable(role: string): DashboardRole {
    if (!isDashboardRole(role))
      throw new ActionError(`role must be one of ${Object.keys(ROLE_LABELS).join(', ')}`, 'validation-failed');
    return role;
  }

  /** Only an owner (or the admin role, with no membership) invites an owner. */
  private mayGrant(callerRole: string | null, role: DashboardRole): void {
    if (role === 'owner' && callerRole !== null && callerRole !== 'owner')
      throw new ActionError('only an owner may invite an owner', 'permission-error');
  }

  /** A pending invitation the caller may manage (its controller's team, and the owner rule); otherwise not found. */
  private async pending(db: Queryable, session: Session, id: string): Promise<Invitation> {
    const [row] = await db.query<Invitation>(
      `SELECT ${INVITATION_COLUMNS} FROM public.data_controller_invitations i WHERE i.id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw new ActionError(NOT_FOUND, 'not-found');
    const access = await controllerAccess(db, session, row.dataControllerId, 'manageUsers').catch((error: unknown) => {
      throw error instanceof ActionError ? new ActionError(NOT_FOUND, 'not-found') : error;
    });
    this.mayGrant(access.memberRole, row.role);
    if (row.status !== 'pending')
      throw new ActionError(`this invitation is ${row.status}: invite the person again`, 'invitation-closed');
    return row;
  }

  /** A new ticket and the mail that carries it, in the caller's transaction; the worker is nudged after it commits. */
  private async mail(db: Queryable, session: Session, invited: Invitation, now: number): Promise<void> {
    const [sender] = await db.query<{
      title: string;
      logomark_url: string | null;
      primary_colour: string | null;
      inviter: string | null;
    }>(
      `SELECT ${BRANDING_COLUMNS}, (SELECT coalesce(nullif(u.display_name, ''), u.email) FROM auth.users u WHERE u.id = $2) AS inviter
       FROM public.data_controllers c WHERE c.id = $1`,
      [invited.dataControllerId, inviterId(session)],
    );
    const branding = brandingOf(sender!);
    const ticket = await issueTicket(
      db,
      { kind: 'invitation', controllerId: invited.dataControllerId, payload: { invitationId: invited.id } },
      INVITATION_SECONDS,
      now,
    );
    await this.mailer.enqueue(
      db,
      invitationMail,
      {
        url: this.acceptUrl(ticket),
        inviterName: sender!.inviter ?? `The team of ${branding.name}`,
        inviteeName: invited.displayName,
        roleLabel: ROLE_LABELS[invited.role],
        expiresInDays: INVITATION_SECONDS / 86_400,
      },
      { address: invited.email, controller: { id: invited.dataControllerId, branding } },
      now,
    );
  }

  /**
   * The accept page's URL with the ticket in its fragment: a fragment is never sent to a server,
   * so the ticket is in no access log and no Referer.
   */
  private acceptUrl(ticket: string): string {
    return `${this.mailer.link('/accept-invitation')}#ticket=${encodeURIComponent(ticket)}`;
  }

  /** The mailer's nudge, for the actions to run after their transaction commits. */
  readonly nudge = (): void => this.mailer.nudge();
}

const inviterId = (session: Session): string | null =>
  session.role === 'admin' ? null : (session.variables['x-hasura-user-id'] ?? null);
