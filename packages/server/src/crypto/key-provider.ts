import { createHmac } from 'node:crypto';
import { open, seal } from './aes-gcm.js';

/**
 * What wraps and unwraps the projects' data keys. The vault depends only on this interface, so
 * a cloud KMS (AWS KMS, GCP KMS, Vault transit) can replace the local master keys: `wrap` is
 * its Encrypt call, `unwrap` its Decrypt call, `activeKeyId` its key version.
 */
export interface KeyEncryptionProvider {
  /** The key new wrappings are made with. */
  readonly activeKeyId: string;
  wrap(dataKey: Buffer, context: string): Promise<{ wrapped: Buffer; keyId: string }>;
  /** Throws UnknownMasterKeyError when it does not hold the key `keyId`. */
  unwrap(wrapped: Buffer, keyId: string, context: string): Promise<Buffer>;
}

export class UnknownMasterKeyError extends Error {
  override name = 'UnknownMasterKeyError';
  constructor(readonly keyId: string) {
    super(
      `A data key is wrapped by master key ${keyId}, which this server does not hold: ` +
        'set PAVISE_MASTER_KEY (or list the key in PAVISE_MASTER_KEY_PREVIOUS) to the key it was made with',
    );
  }
}

/** A master key's public name: an HMAC of the key, so it identifies the key without revealing it. */
export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('pavise master key id').digest('hex').slice(0, 16);
}

/**
 * Master keys held in process memory (from PAVISE_MASTER_KEY, or the development key file): the
 * first wraps, all of them unwrap. `reload` lets a long-running server pick up a rotated key file.
 */
export class LocalMasterKeys implements KeyEncryptionProvider {
  private keys = new Map<string, Buffer>();
  private active!: string;

  constructor(
    keys: readonly Buffer[],
    private readonly reload?: () => Promise<readonly Buffer[]>,
  ) {
    this.use(keys);
  }

  get activeKeyId(): string {
    return this.active;
  }

  async wrap(dataKey: Buffer, context: string): Promise<{ wrapped: Buffer; keyId: string }> {
    return { wrapped: seal(this.keys.get(this.active)!, dataKey, context), keyId: this.active };
  }

  async unwrap(wrapped: Buffer, keyId: string, context: string): Promise<Buffer> {
    let key = this.keys.get(keyId);
    if (!key && this.reload) {
      this.use(await this.reload());
      key = this.keys.get(keyId);
    }
    if (!key) throw new UnknownMasterKeyError(keyId);
    return open(key, wrapped, context);
  }

  private use(keys: readonly Buffer[]): void {
    if (keys.length === 0 || keys.some((key) => key.length !== 32)) throw new Error('master keys must be 32 bytes');
    this.keys = new Map(keys.map((key) => [masterKeyId(key), key]));
    this.active = masterKeyId(keys[0]!);
  }
}
