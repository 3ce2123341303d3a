import type { Queryable } from '../db/database.js';
import type { MailDelivery } from './delivery.js';
import type { Branding, MailTemplate } from './message.js';
import { enqueueMail } from './outbox.js';

/** Account mail (no controller) carries Pavise's own name and colour. */
export const PAVISE_BRANDING: Branding = { name: 'Pavise', logomarkUrl: null, primaryColour: '#1f6feb' };

export interface Recipient {
  address: string;
  /** The controller the message speaks for; its branding is used. */
  controller?: { id: string; branding: Branding };
}

/**
 * What the domains use to send mail: render a template and write it to the outbox inside the
 * caller's transaction (`enqueue`), then, once that transaction has committed, `nudge` the
 * worker. Links in mail point at the server's public URL (`link`), never at a URL taken from a
 * request's Host header, which a stranger chooses.
 */
export class Mailer {
  constructor(
    private readonly delivery: Pick<MailDelivery, 'nudge'>,
    private readonly settings: { publicUrl: () => string; messageIdDomain: string },
  ) {}

  async enqueue<Data>(
    db: Queryable,
    template: MailTemplate<Data>,
    data: Data,
    to: Recipient,
    now: number,
  ): Promise<string> {
    const branding = to.controller?.branding ?? PAVISE_BRANDING;
    const rendered = template.render(data, { branding });
    return enqueueMail(
      db,
      {
        ...rendered,
        template: template.name,
        recipient: to.address,
        senderName: branding.name,
        controllerId: to.controller?.id ?? null,
      },
      this.settings.messageIdDomain,
      now,
    );
  }

  nudge(): void {
    this.delivery.nudge();
  }

  /** An absolute URL on this server: `path` with `params` as its query string. */
  link(path: string, params: Record<string, string> = {}): string {
    const url = new URL(path, this.settings.publicUrl());
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }
}
