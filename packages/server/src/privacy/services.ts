import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import { PrivacyKeys } from './keys.js';

/** What the privacy domain's actions need besides the request's transaction. */
export interface PrivacyServices {
  keys: PrivacyKeys;
}

export function privacyServices(masterKeys: KeyEncryptionProvider): PrivacyServices {
  return { keys: new PrivacyKeys(masterKeys) };
}
