import type { Queryable } from './database.js';

/**
 * Values generated once and shared by every process (signing keys, first-start markers). The
 * insert is idempotent, so processes racing on first start all read the winner's value.
 */
export async function getOrCreateSetting<T>(db: Queryable, key: string, create: () => T): Promise<T> {
  const rows = await db.query<{ value: T }>(
    `WITH inserted AS (
       INSERT INTO pavise.settings (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO NOTHING
       RETURNING value)
     SELECT value FROM inserted
     UNION ALL
     SELECT value FROM pavise.settings WHERE key = $1`,
    [key, JSON.stringify(create())],
  );
  if (rows[0]) return rows[0].value;
  // A concurrent first start inserted the key after this statement took its snapshot: the
  // insert waited for it and did nothing, so read the committed value with a new snapshot.
  const committed = await getSetting<T>(db, key);
  if (committed === undefined) throw new Error(`setting ${key} vanished while being created`);
  return committed;
}

export async function getSetting<T>(db: Queryable, key: string): Promise<T | undefined> {
  const rows = await db.query<{ value: T }>('SELECT value FROM pavise.settings WHERE key = $1', [key]);
  return rows[0]?.value;
}

export async function setSetting(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    'INSERT INTO pavise.settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
    [key, JSON.stringify(value)],
  );
}
