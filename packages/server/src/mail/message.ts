/** A controller's branding as its mail shows it (docs/contracts.md §7.2). */
export interface Branding {
  /** Who the message speaks for: the controller's title, or "Pavise" for account mail. */
  name: string;
  logomarkUrl: string | null;
  /** A #rrggbb colour for the button and the header rule. */
  primaryColour: string;
}

/** A message as a template renders it: a subject, a plain-text part and an HTML part. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What a template is given besides its own data. */
export interface MailContext {
  branding: Branding;
}

/** A template: its name (recorded with the message) and how it renders. */
export interface MailTemplate<Data> {
  name: string;
  render(data: Data, context: MailContext): RenderedMail;
}
