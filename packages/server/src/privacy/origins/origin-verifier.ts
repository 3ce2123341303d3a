import { proveByDns } from './dns-proof.js';
import { proveByFile } from './file-proof.js';

export type VerificationMethod = 'file' | 'dns';

export interface OriginVerificationSettings {
  allowPrivateAddresses: boolean;
  dnsServers: readonly string[];
}

/** Long enough for a slow site, short enough that a member waiting on it is told soon. */
const TIMEOUT_MS = 5_000;
/** A verification file holds a token or a few: 4 KiB is ample. */
const MAX_FILE_BYTES = 4_096;

/**
 * Looks for an origin's token where its method says (docs/contracts.md §6.10). Resolves when it
 * is there; rejects with an OriginProofError saying what was found instead.
 */
export class OriginVerifier {
  constructor(private readonly settings: OriginVerificationSettings) {}

  prove(origin: string, method: VerificationMethod, token: string): Promise<void> {
    return method === 'dns'
      ? proveByDns(origin, token, { servers: this.settings.dnsServers, timeoutMs: TIMEOUT_MS / 2 })
      : proveByFile(origin, token, {
          allowPrivateAddresses: this.settings.allowPrivateAddresses,
          timeoutMs: TIMEOUT_MS,
          maxBytes: MAX_FILE_BYTES,
        });
  }
}
