import { renderLayout } from '../layout.js';
import type { MailTemplate } from '../message.js';

/**
 * An invitation to a controller's team, in the controller's name and branding: who invites,
 * with which role, and until when the link works. The link is the credential, so the mail says
 * what to do if it was not expected.
 */
export const invitation: MailTemplate<{
  url: string;
  inviterName: string;
  inviteeName: string;
  roleLabel: string;
  expiresInDays: number;
}> = {
  name: 'invitation',
  render({ url, inviterName, inviteeName, roleLabel, expiresInDays }, { branding }) {
    return renderLayout(branding, {
      subject: `${inviterName} invited you to ${branding.name} on Pavise`,
      paragraphs: [
        inviteeName ? `Hello ${inviteeName},` : 'Hello,',
        `${inviterName} invited you to join the privacy team of ${branding.name} as ${roleLabel}.`,
        'Accept the invitation to create your account, or to add the team to the account you already have.',
      ],
      action: { label: 'Accept invitation', url },
      footnotes: [
        `The link works once and expires in ${expiresInDays} days; ask ${inviterName} to resend it if it has expired.`,
        'If you did not expect this invitation, ignore this message: nobody joins without the link.',
      ],
    });
  },
};
