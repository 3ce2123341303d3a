import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.js';
import type { KeyEncryptionProvider } from './key-provider.js';

/** What ties a wrapped data key to its project: a wrapping moved to another project fails to open. */
const wrapContext = (projectId: string) => `pavise-vault:data-key:${projectId}`;

export interface WrappedDataKey {
  wrapped: Buffer;
  masterKeyId: string;
}

/**
 * The projects' data keys (one AES-256 key per project), wrapped by the master keys. Unwrapped
 * keys are cached per project together with the wrapping they came from, so a re-wrapped key (a
 * master-key rotation) is unwrapped again on its next use while an unchanged one costs nothing.
 */
export class DataKeys {
  private readonly cache = new Map<string, { wrapped: Buffer; key: Buffer }>();

  constructor(private readonly provider: KeyEncryptionProvider) {}

  /** A new data key for a project, and its wrapping to store. */
  async create(projectId: string): Promise<{ key: Buffer; stored: WrappedDataKey }> {
    const key = randomBytes(32);
    const { wrapped, keyId } = await this.provider.wrap(key, wrapContext(projectId));
    this.cache.set(projectId, { wrapped, key });
    return { key, stored: { wrapped, masterKeyId: keyId } };
  }

  async unwrap(projectId: string, stored: WrappedDataKey): Promise<Buffer> {
    const cached = this.cache.get(projectId);
    if (cached && cached.wrapped.equals(stored.wrapped)) return cached.key;
    const key = await this.provider.unwrap(stored.wrapped, stored.masterKeyId, wrapContext(projectId));
    this.cache.set(projectId, { wrapped: stored.wrapped, key });
    return key;
  }
}

/**
 * Re-wraps every data key not yet wrapped by `to`'s active key, in one transaction: afterwards
 * the old master key can be retired. Secrets are untouched (their data keys do not change).
 */
export async function rewrapAllDataKeys(
  tx: Queryable,
  from: KeyEncryptionProvider,
  to: KeyEncryptionProvider,
): Promise<{ rewrapped: number; total: number }> {
  const rows = await tx.query<{ project_id: string; wrapped_key: Buffer; master_key_id: string }>(
    'SELECT project_id, wrapped_key, master_key_id FROM vault.data_keys ORDER BY project_id FOR UPDATE',
  );
  let rewrapped = 0;
  for (const row of rows) {
    if (row.master_key_id === to.activeKeyId) continue;
    const key = await from.unwrap(Buffer.from(row.wrapped_key), row.master_key_id, wrapContext(row.project_id));
    const { wrapped, keyId } = await to.wrap(key, wrapContext(row.project_id));
    await tx.query('UPDATE vault.data_keys SET wrapped_key = $2, master_key_id = $3, rewrapped_at = now() WHERE project_id = $1', [
      row.project_id,
      wrapped,
      keyId,
    ]);
    rewrapped += 1;
  }
  return { rewrapped, total: rows.length };
}
