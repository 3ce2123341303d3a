import { renderLayout } from '../layout.js';
import type { MailTemplate } from '../message.js';

/**
 * Confirms that an account's address reaches its owner (after sign-up, or asked for again). The
 * link also signs the holder in, so the mail says how long it lasts.
 */
export const emailVerification: MailTemplate<{ url: string; expiresInHours: number }> = {
  name: 'email-verification',
  render({ url, expiresInHours }, { branding }) {
    return renderLayout(branding, {
      subject: 'Confirm your e-mail address',
      paragraphs: [`Use the button below to confirm that this is the address of your ${branding.name} account.`],
      action: { label: 'Confirm address', url },
      footnotes: [
        `The link works once and expires in ${expiresInHours} hours.`,
        `If you did not create a ${branding.name} account, ignore this message.`,
      ],
    });
  },
};
