import { PAVISE_BRANDING } from '../mail/mailer.js';
import type { Branding } from '../mail/message.js';

/** A controller's branding from its row (migration 0011); Pavise's colour where it set none. */
export const BRANDING_COLUMNS = 'c.title, c.logomark_url, c.primary_colour';

export function brandingOf(row: {
  title: string;
  logomark_url: string | null;
  primary_colour: string | null;
}): Branding {
  return {
    name: row.title,
    logomarkUrl: row.logomark_url,
    primaryColour: row.primary_colour ?? PAVISE_BRANDING.primaryColour,
  };
}
