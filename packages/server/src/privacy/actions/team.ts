import type { ActionModel } from '../../graphql/model.js';
import type { Invitation, TeamInvitations } from '../invitations.js';
import type { PrivacyServices } from '../services.js';
import { envelopedAction } from './result.js';

/**
 * The team's invitations as actions (docs/contracts.md §6.11): invite, resend, revoke. Each
 * writes its mail to the outbox in the request's transaction and nudges the mail worker once
 * that transaction has committed. Accepting is not an action: it signs up or signs in
 * (POST /v1/invitations/accept, http/invitation-routes.ts).
 */
const INVITATION_TYPE =
  'type TeamInvitation { id: uuid! dataControllerId: uuid! email: String! displayName: String! role: String! status: String! expiresAt: timestamptz! }';

function invitationAction(
  name: string,
  args: string,
  message: (invitation: Invitation) => string,
  run: (team: TeamInvitations, context: Parameters<ActionModel['handler']>[0]) => Promise<Invitation>,
) {
  return ({ team }: PrivacyServices): ActionModel =>
    envelopedAction<Invitation>({
      name,
      kind: 'mutation',
      arguments: args,
      roles: ['user'],
      types: INVITATION_TYPE,
      data: { type: 'TeamInvitation' },
      message,
      async handler(context) {
        const invitation = await run(team, context);
        context.afterCommit(team.nudge);
        return invitation;
      },
    });
}

export const inviteDataControllerUser = invitationAction(
  'inviteDataControllerUser',
  '(dataControllerId: uuid!, email: String!, displayName: String, role: String!)',
  ({ email }) => `An invitation was sent to ${email}`,
  (team, { db, session, input }) =>
    team.invite(db, session, {
      dataControllerId: input.dataControllerId as string,
      email: input.email as string,
      displayName: input.displayName as string | null | undefined,
      role: input.role as string,
    }),
);

export const resendDataControllerInvitation = invitationAction(
  'resendDataControllerInvitation',
  '(id: uuid!)',
  ({ email }) => `The invitation was sent again to ${email}; the previous link no longer works`,
  (team, { db, session, input }) => team.resend(db, session, input.id as string),
);

export const revokeDataControllerInvitation = invitationAction(
  'revokeDataControllerInvitation',
  '(id: uuid!)',
  () => 'The invitation was revoked; its link no longer works',
  (team, { db, session, input }) => team.revoke(db, session, input.id as string),
);
