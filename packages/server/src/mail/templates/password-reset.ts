import { renderLayout } from '../layout.js';
import type { MailTemplate } from '../message.js';

/**
 * A password-reset link for an account. The link is the credential (it signs the holder in, to
 * choose a new password), so the mail says how long it lasts, that only the newest one works,
 * and that nothing has changed if it was not asked for.
 */
export const passwordReset: MailTemplate<{ url: string; expiresInMinutes: number }> = {
  name: 'password-reset',
  render({ url, expiresInMinutes }, { branding }) {
    return renderLayout(branding, {
      subject: 'Reset your password',
      paragraphs: [
        `Someone asked to reset the password of your ${branding.name} account. Use the button below to choose a new one.`,
      ],
      action: { label: 'Reset password', url },
      footnotes: [
        `The link works once and expires in ${expiresInMinutes} minutes; asking again replaces it.`,
        'If you did not ask for it, ignore this message: your password is unchanged.',
      ],
    });
  },
};
