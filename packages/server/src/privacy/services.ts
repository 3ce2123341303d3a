import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import { PrivacyKeys } from './keys.js';
import { type OriginVerificationSettings, OriginVerifier } from './origins/origin-verifier.js';

/** What the privacy domain's actions need besides the request's transaction. */
export interface PrivacyServices {
  keys: PrivacyKeys;
  /** Looks for the proof of a controller's web origin (verifyDataControllerOrigin). */
  originVerifier: OriginVerifier;
}

/** Without `originVerification`, origins are verified as in production: never at internal addresses. */
export function privacyServices(
  masterKeys: KeyEncryptionProvider,
  originVerification: OriginVerificationSettings = { allowPrivateAddresses: false, dnsServers: [] },
): PrivacyServices {
  return { keys: new PrivacyKeys(masterKeys), originVerifier: new OriginVerifier(originVerification) };
}
