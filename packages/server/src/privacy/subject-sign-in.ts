import { type AuthService, type Session, SIGN_IN_LINK_SECONDS } from '../auth/service.js';
import { issueTicket, redeemTicket } from '../auth/tickets.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import { signInLink } from '../mail/templates/sign-in-link.js';
import { publicControllerAccess } from './access.js';
import { BRANDING_COLUMNS, brandingOf } from './branding.js';
import { maskEmail, normaliseIdentifier } from './identifiers.js';
import { ingestDataSubject } from './ingestion.js';
import { identifierHash, type PrivacyKeys } from './keys.js';

/**
 * Data subjects sign in to a controller's Transparency Center by proving an e-mail address: a
 * magic link, sent in the controller's name, that yields a session of role dataSubject for that
 * controller only (docs/contracts.md §3.8). The subject is found by the keyed hash of the
 * address; a person the controller does not know yet is registered when the link is used — not
 * when it is asked for — and only if the controller allows self-registration. The same person at
 * two controllers is two subjects with two sessions.
 */
export class SubjectSignIn {
  constructor(
    private readonly db: Database,
    private readonly keys: PrivacyKeys,
    private readonly auth: AuthService,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
  ) {}

  /**
   * Mails a link to `email` if the controller knows the address (or lets people register);
   * nothing otherwise. The caller answers the same either way and does not wait for this.
   */
  async sendLink({ email, controllerId, redirectTo }: { email: string; controllerId: string; redirectTo: string }) {
    const normalised = normaliseIdentifier('email', email);
    if ('error' in normalised) return;
    const [controller] = await this.db.query<{
      title: string;
      logomark_url: string | null;
      primary_colour: string | null;
      subject_self_registration: boolean;
    }>(`SELECT ${BRANDING_COLUMNS}, c.subject_self_registration FROM public.data_controllers c WHERE c.id = $1`, [
      controllerId,
    ]);
    if (!controller) return;
    const known = await this.subjectByEmail(controllerId, normalised.value);
    const subjectId = known?.subjectId;
    if (!subjectId && !controller.subject_self_registration) return;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const ticket = await issueTicket(
        tx,
        known
          ? {
              kind: 'subjectSignin',
              controllerId,
              subjectId: known.subjectId,
              redirectTo,
              // Which identifier the link proves, and how its owner is shown it.
              payload: { identifierId: known.identifierId, masked: maskEmail(normalised.value) },
            }
          : { kind: 'subjectSignin', controllerId, redirectTo, sealed: normalised.value },
        SIGN_IN_LINK_SECONDS,
        now,
      );
      const url = this.mailer.link('/v1/verify', { ticket, type: 'signinPasswordless', redirectTo });
      await this.mailer.enqueue(
        tx,
        signInLink,
        { url, expiresInMinutes: SIGN_IN_LINK_SECONDS / 60, audience: 'subject' },
        { address: normalised.value, controller: { id: controllerId, branding: brandingOf(controller) } },
        now,
      );
    });
    this.mailer.nudge();
  }

  /**
   * Uses a subject's magic-link ticket: the subject's session, registering the subject first
   * (through the same ingestion as createDataSubject) when the link was for a new one.
   * Undefined when the ticket is not a live, unused subject ticket, or its subject was erased.
   */
  async redeem(ticket: string): Promise<{ session: Session; redirectTo: string | null } | undefined> {
    const proven = await this.db.transaction(async (tx) => {
      const redeemed = await redeemTicket(tx, ticket, ['subjectSignin'], this.clock.now());
      if (!redeemed?.controllerId) return undefined;
      const controllerId = redeemed.controllerId;
      if (redeemed.subjectId) {
        const [live] = await tx.query(
          'SELECT 1 FROM public.data_subjects WHERE id = $1 AND data_controller_id = $2 AND erased_at IS NULL',
          [redeemed.subjectId, controllerId],
        );
        if (!live) return undefined;
        const { identifierId, masked } = redeemed.payload as { identifierId?: string; masked?: string };
        if (identifierId && masked)
          await tx.query(
            'UPDATE public.data_subject_identifiers SET masked = $2 WHERE id = $1 AND data_subject_id = $3',
            [identifierId, masked, redeemed.subjectId],
          );
        return { subjectId: redeemed.subjectId, controllerId, redirectTo: redeemed.redirectTo };
      }
      if (redeemed.sealed === null) return undefined;
      const access = await publicControllerAccess(tx, controllerId).catch(() => undefined);
      if (!access) return undefined;
      const { dataSubjectId } = await ingestDataSubject(tx, this.keys, access, {
        event: 'transparencyCenterSignIn',
        payload: { email: redeemed.sealed },
        source: 'magic-link',
      });
      await tx.query(
        "UPDATE public.data_subject_identifiers SET masked = $2 WHERE data_subject_id = $1 AND kind = 'email'",
        [dataSubjectId, maskEmail(redeemed.sealed)],
      );
      return { subjectId: dataSubjectId, controllerId, redirectTo: redeemed.redirectTo };
    });
    if (!proven) return undefined;
    const session = await this.auth.startSubjectSession(proven);
    return { session, redirectTo: proven.redirectTo };
  }

  private async subjectByEmail(
    controllerId: string,
    email: string,
  ): Promise<{ subjectId: string; identifierId: string } | undefined> {
    const access = await publicControllerAccess(this.db, controllerId);
    // A controller without a key yet has no subjects: do not make it a key just to look.
    if (!access.controllerKey) return undefined;
    const keys = await this.keys.forController(this.db, controllerId, access.controllerKey, false);
    const [row] = await this.db.query<{ data_subject_id: string; id: string }>(
      `SELECT i.data_subject_id, i.id FROM public.data_subject_identifiers i
       JOIN public.data_subjects s ON s.id = i.data_subject_id AND s.erased_at IS NULL
       WHERE i.data_controller_id = $1 AND i.kind = 'email' AND i.hash = $2`,
      [controllerId, identifierHash(keys, 'email', email)],
    );
    return row && { subjectId: row.data_subject_id, identifierId: row.id };
  }
}
