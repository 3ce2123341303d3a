import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { open, seal } from '../crypto/aes-gcm.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import { type WrappedKey, WrappedKeys, type WrappedKeyTable } from '../crypto/wrapped-keys.js';
import type { Queryable } from '../db/database.js';

/**
 * The privacy domain's key hierarchy:
 *
 *   master key (config / KMS)
 *     └─ controller root key (privacy.controller_keys, wrapped by the master key)
 *          ├─ identifier key: HMAC key of the controller's identifier hashes
 *          └─ subject wrapping key
 *               └─ subject key (privacy.data_subject_keys): seals the subject's personal data
 *
 * A master-key rotation re-wraps one key per controller, not one per subject. Erasing a subject
 * deletes its subject key: its sealed data can no longer be opened by anyone.
 */
export const CONTROLLER_KEYS: WrappedKeyTable = {
  table: 'privacy.controller_keys',
  idColumn: 'data_controller_id',
  context: (controllerId) => `pavise-privacy:controller-key:${controllerId}`,
};

export interface ControllerKeys {
  identifierKey: Buffer;
  subjectWrappingKey: Buffer;
}

const derive = (root: Buffer, purpose: string) =>
  Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `pavise-privacy:${purpose}`, 32));

export class PrivacyKeys {
  private readonly roots: WrappedKeys;
  /** Derived keys per controller, with the wrapping they came from (as WrappedKeys caches). */
  private readonly derived = new Map<string, { wrapped: Buffer; keys: ControllerKeys }>();

  constructor(provider: KeyEncryptionProvider) {
    this.roots = new WrappedKeys(provider, CONTROLLER_KEYS.context);
  }

  /**
   * The controller's keys from its stored root key (read by the caller together with whatever
   * else it needs, see access.ts), creating the root key when there is none yet. Only a key that
   * was already committed is remembered: one created by the caller's transaction (here, or
   * earlier in the same transaction: `isNew`) may still roll back, and the next call creates another.
   */
  async forController(
    db: Queryable,
    controllerId: string,
    stored: WrappedKey | undefined,
    isNew = false,
  ): Promise<ControllerKeys> {
    let committed = stored !== undefined && !isNew;
    if (!stored) {
      const created = await this.roots.create(controllerId);
      // Two first ingestions at once: one insert wins and both use the winner's key.
      const [row] = await db.query<{ wrapped_key: Buffer; master_key_id: string }>(
        `INSERT INTO privacy.controller_keys (data_controller_id, wrapped_key, master_key_id) VALUES ($1, $2, $3)
         ON CONFLICT (data_controller_id) DO UPDATE SET data_controller_id = EXCLUDED.data_controller_id
         RETURNING wrapped_key, master_key_id`,
        [controllerId, created.stored.wrapped, created.stored.masterKeyId],
      );
      stored = { wrapped: Buffer.from(row!.wrapped_key), masterKeyId: row!.master_key_id };
      committed = false;
    }
    const cached = this.derived.get(controllerId);
    if (cached?.wrapped.equals(stored.wrapped)) return cached.keys;
    const root = await this.roots.unwrap(controllerId, stored);
    const keys = {
      identifierKey: derive(root, 'identifier-hash'),
      subjectWrappingKey: derive(root, 'subject-key-wrap'),
    };
    if (committed) this.derived.set(controllerId, { wrapped: Buffer.from(stored.wrapped), keys });
    return keys;
  }

  /**
   * The keys of a controller whose committed root key this process has already opened. A root
   * key never changes (a rotation only re-wraps it), so these stay valid for the controller's life.
   */
  known(controllerId: string): ControllerKeys | undefined {
    return this.derived.get(controllerId)?.keys;
  }
}

/** The keyed hash an identifier is matched by. `value` must be normalised (identifiers.ts). */
export function identifierHash(keys: ControllerKeys, kind: string, value: string): Buffer {
  return createHmac('sha256', keys.identifierKey).update(`${kind}:${value}`).digest();
}

export function newSubjectKey(keys: ControllerKeys, subjectId: string): { key: Buffer; wrapped: Buffer } {
  const key = randomBytes(32);
  return { key, wrapped: seal(keys.subjectWrappingKey, key, `subject-key:${subjectId}`) };
}

export function unwrapSubjectKey(keys: ControllerKeys, subjectId: string, wrapped: Uint8Array): Buffer {
  return open(keys.subjectWrappingKey, wrapped, `subject-key:${subjectId}`);
}

export function sealPersonalData(subjectKey: Buffer, subjectId: string, data: Record<string, unknown>): Buffer {
  return seal(subjectKey, Buffer.from(JSON.stringify(data), 'utf8'), `personal-data:${subjectId}`);
}

/** Throws when the key is not the subject's (e.g. the subject was erased and the key is gone). */
export function openPersonalData(subjectKey: Buffer, subjectId: string, sealed: Uint8Array): Record<string, unknown> {
  return JSON.parse(open(subjectKey, sealed, `personal-data:${subjectId}`).toString('utf8')) as Record<string, unknown>;
}
