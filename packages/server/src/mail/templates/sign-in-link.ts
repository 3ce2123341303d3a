import { renderLayout } from '../layout.js';
import type { MailTemplate } from '../message.js';

/**
 * A magic link: for a data subject, in its controller's name, to open the controller's privacy
 * centre; for an account, to sign in to Pavise. The link is the credential, so the mail says
 * how long it lasts and what to do if it was not asked for.
 */
export const signInLink: MailTemplate<{ url: string; expiresInMinutes: number; audience: 'subject' | 'account' }> = {
  name: 'sign-in-link',
  render({ url, expiresInMinutes, audience }, { branding }) {
    const subject =
      audience === 'subject'
        ? `Your sign-in link to ${branding.name}'s privacy centre`
        : `Your sign-in link to ${branding.name}`;
    return renderLayout(branding, {
      subject,
      paragraphs: [
        audience === 'subject'
          ? `Use the button below to open your privacy centre at ${branding.name}: see and change your consent, follow your requests and see how your data is used.`
          : `Use the button below to sign in to ${branding.name}.`,
      ],
      action: { label: 'Sign in', url },
      footnotes: [
        `The link works once and expires in ${expiresInMinutes} minutes.`,
        'If you did not ask for it, ignore this message: nobody can sign in without the link.',
      ],
    });
  },
};
