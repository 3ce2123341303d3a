/** Why a vault operation was refused. The HTTP layer maps each kind to its status code. */
export type VaultErrorKind = 'invalid' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict';

export interface VersionConflict {
  key: string;
  expected: number;
  actual: number;
}

export class VaultError extends Error {
  override name = 'VaultError';
  constructor(
    readonly kind: VaultErrorKind,
    message: string,
    readonly conflicts?: VersionConflict[],
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new VaultError('invalid', message);
export const notFound = (message: string) => new VaultError('not-found', message);
export const forbidden = (message: string) => new VaultError('forbidden', message);

/** A database error that is a unique violation (SQLSTATE 23505): a row with the same unique values exists. */
export const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23505';

/** Runs `insert`, answering a conflict that says `message` when what it inserts is taken (a unique violation). */
export async function conflictIfTaken<T>(message: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw new VaultError('conflict', message);
    throw error;
  }
}
