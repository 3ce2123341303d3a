import type { Clock } from '../clock.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import type { Database } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import { TeamInvitations } from './invitations.js';
import { PrivacyKeys } from './keys.js';
import { type OriginVerificationSettings, OriginVerifier } from './origins/origin-verifier.js';

/** What the privacy domain's actions need besides the request's transaction. */
export interface PrivacyServices {
  keys: PrivacyKeys;
  /** Looks for the proof of a controller's web origin (verifyDataControllerOrigin). */
  originVerifier: OriginVerifier;
  /** The team's invitations (invite, resend, revoke; accept is an auth route). */
  team: TeamInvitations;
}

/** Without `originVerification`, origins are verified as in production: never at internal addresses. */
export function privacyServices(
  masterKeys: KeyEncryptionProvider,
  { db, mailer, clock }: { db: Database; mailer: Mailer; clock: Clock },
  originVerification: OriginVerificationSettings = { allowPrivateAddresses: false, dnsServers: [] },
): PrivacyServices {
  return {
    keys: new PrivacyKeys(masterKeys),
    originVerifier: new OriginVerifier(originVerification),
    team: new TeamInvitations(db, mailer, clock),
  };
}
