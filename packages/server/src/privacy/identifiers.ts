/**
 * Identifier normalisation: the same person must hash the same way whichever system sent them
 * ("Ada@Example.com " and "ada@example.com"; "+44 20 7946-0958" and "+442079460958").
 * Each function returns the normalised value, or an error message for the caller.
 */
export type IdentifierKind = 'email' | 'phone' | 'externalId';
export const IDENTIFIER_KINDS: readonly IdentifierKind[] = ['email', 'phone', 'externalId'];

type Normalised = { value: string } | { error: string };

export function normaliseIdentifier(kind: IdentifierKind, raw: unknown): Normalised {
  if (typeof raw !== 'string' && !(kind === 'externalId' && typeof raw === 'number'))
    return { error: `${kind} must be a string` };
  const text = String(raw).normalize('NFKC').trim();
  switch (kind) {
    case 'email': {
      const email = text.toLowerCase();
      if (email.length > 320 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
        return { error: 'email is not an email address' };
      return { value: email };
    }
    case 'phone': {
      // E.164 where the number says its country (+ or 00); digits only otherwise. A trunk prefix
      // written after the country code, "+44 (0)20 7946 0958", is not dialled: it goes first.
      let digits = text.replace(/^(\+|00)\s*(\d{1,3})\s*\(0\)/, '$1$2').replace(/[\s().\-/]/g, '');
      if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
      if (!/^\+?[0-9]{6,15}$/.test(digits))
        return { error: 'phone must be a phone number (6 to 15 digits, E.164 with a leading + preferred)' };
      return { value: digits };
    }
    case 'externalId':
      if (text.length === 0 || text.length > 256) return { error: 'externalId must be 1 to 256 characters' };
      return { value: text };
  }
}

/**
 * A normalised e-mail address as its owner may be shown it without it being readable by others
 * over their shoulder: the first character of the local part and of the domain, and the top-level
 * domain ("ada@example.com" → "a***@e***.com"). At most 64 characters.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const top = domain.slice(dot + 1).slice(0, 24);
  return `${[...local][0] ?? ''}***@${[...domain][0] ?? ''}***.${top}`;
}

/** EU/EEA countries, the UK and Switzerland: GDPR (or its UK/Swiss equivalents, same deadlines). */
const GDPR_COUNTRIES = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB UK CH'.split(' '),
);

/** The regulation a subject's rights fall under, from what the payload says about where they live. */
export function jurisdictionOf(country: unknown): 'GDPR' | 'CCPA' | undefined {
  if (typeof country !== 'string') return undefined;
  const code = country.trim().toUpperCase();
  if (GDPR_COUNTRIES.has(code)) return 'GDPR';
  if (code === 'US' || code === 'USA') return 'CCPA';
  return undefined;
}
