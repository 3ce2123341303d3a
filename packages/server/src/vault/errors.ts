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
