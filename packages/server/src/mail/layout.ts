import { html, type SafeHtml } from './html.js';
import type { Branding, RenderedMail } from './message.js';

/**
 * The frame every message is rendered in: the sender's logomark and name, the body, one
 * call-to-action button, and a footer saying why the mail came. Tables and inline styles,
 * because that is what mail clients render; the text part says the same in plain words.
 */
export interface LayoutParts {
  subject: string;
  /** Paragraphs of the body, plain text: escaped in HTML, as they are in the text part. */
  paragraphs: string[];
  action: { label: string; url: string };
  /** After the button: e.g. when the link expires and what to do if the mail was not expected. */
  footnotes: string[];
}

export function renderLayout(branding: Branding, parts: LayoutParts): RenderedMail {
  const text = [
    branding.name,
    '',
    ...parts.paragraphs.flatMap((paragraph) => [paragraph, '']),
    `${parts.action.label}: ${parts.action.url}`,
    '',
    ...parts.footnotes.flatMap((note) => [note, '']),
  ]
    .join('\n')
    .trimEnd();

  const logomark: SafeHtml | string = branding.logomarkUrl
    ? html`<img src="${branding.logomarkUrl}" alt="" width="48" height="48" style="display:block;border-radius:8px;margin:0 0 12px">`
    : '';
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${parts.subject}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 16px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border-top:4px solid ${branding.primaryColour}">
<tr><td style="padding:32px">
${logomark}<p style="margin:0 0 24px;font-size:14px;font-weight:600">${branding.name}</p>
${parts.paragraphs.map((paragraph) => html`<p style="margin:0 0 16px;font-size:16px;line-height:1.5">${paragraph}</p>`)}
<p style="margin:24px 0"><a href="${parts.action.url}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:${branding.primaryColour};color:#ffffff;text-decoration:none;font-weight:600">${parts.action.label}</a></p>
<p style="margin:0 0 16px;font-size:13px;line-height:1.5;color:#57606a">If the button does not work, copy this address into your browser: ${parts.action.url}</p>
${parts.footnotes.map((note) => html`<p style="margin:0 0 8px;font-size:13px;line-height:1.5;color:#57606a">${note}</p>`)}
</td></tr></table>
</td></tr></table>
</body></html>`;
  return { subject: parts.subject, text, html: body.value };
}
