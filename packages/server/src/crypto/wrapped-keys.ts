import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import type { KeyEncryptionProvider } from './key-provider.js';

/**
 * Keys wrapped by the master keys (envelope encryption): the vault's per-project data keys and the
 * privacy domain's per-controller keys. A wrapping is bound to its owner's id by the wrap context,
 * so a wrapped key copied to another row fails to open.
 */
export interface WrappedKey {
  wrapped: Buffer;
  masterKeyId: string;
}

/** Where a kind of wrapped key is stored: a table with (<idColumn>, wrapped_key, master_key_id, rewrapped_at). */
export interface WrappedKeyTable {
  /** Schema-qualified table name (from code, never from input). */
  table: string;
  idColumn: string;
  /** The wrap context of the key owned by `id`. */
  context: (id: string) => string;
}

/**
 * Creates and unwraps one kind of wrapped key. Unwrapped keys are cached per owner together with
 * the wrapping they came from, so a re-wrapped key (a master-key rotation) is unwrapped again on
 * its next use while an unchanged one costs nothing.
 */
export class WrappedKeys {
  private readonly cache = new Map<string, { wrapped: Buffer; key: Buffer }>();

  constructor(
    private readonly provider: KeyEncryptionProvider,
    private readonly context: (id: string) => string,
  ) {}

  /** A new 256-bit key for `id`, and its wrapping to store. */
  async create(id: string): Promise<{ key: Buffer; stored: WrappedKey }> {
    const key = randomBytes(32);
    const { wrapped, keyId } = await this.provider.wrap(key, this.context(id));
    this.cache.set(id, { wrapped, key });
    return { key, stored: { wrapped, masterKeyId: keyId } };
  }

  async unwrap(id: string, stored: WrappedKey): Promise<Buffer> {
    const cached = this.cache.get(id);
    if (cached?.wrapped.equals(stored.wrapped)) return cached.key;
    const key = await this.provider.unwrap(stored.wrapped, stored.masterKeyId, this.context(id));
    this.cache.set(id, { wrapped: stored.wrapped, key });
    return key;
  }
}

/**
 * Re-wraps every key of `table` not yet wrapped by `to`'s active key (in the caller's
 * transaction): afterwards the old master key can be retired. What the keys encrypt is untouched.
 */
export async function rewrapKeys(
  tx: Queryable,
  { table, idColumn, context }: WrappedKeyTable,
  from: KeyEncryptionProvider,
  to: KeyEncryptionProvider,
): Promise<{ rewrapped: number; total: number }> {
  const rows = await tx.query<{ id: string; wrapped_key: Buffer; master_key_id: string }>(
    `SELECT ${idColumn} AS id, wrapped_key, master_key_id FROM ${table} ORDER BY ${idColumn} FOR UPDATE`,
  );
  let rewrapped = 0;
  for (const row of rows) {
    if (row.master_key_id === to.activeKeyId) continue;
    const key = await from.unwrap(Buffer.from(row.wrapped_key), row.master_key_id, context(row.id));
    const { wrapped, keyId } = await to.wrap(key, context(row.id));
    await tx.query(
      `UPDATE ${table} SET wrapped_key = $2, master_key_id = $3, rewrapped_at = now() WHERE ${idColumn} = $1`,
      [row.id, wrapped, keyId],
    );
    rewrapped += 1;
  }
  return { rewrapped, total: rows.length };
}
