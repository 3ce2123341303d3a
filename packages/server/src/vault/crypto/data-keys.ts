import type { KeyEncryptionProvider } from '../../crypto/key-provider.js';
import { WrappedKeys, type WrappedKeyTable } from '../../crypto/wrapped-keys.js';

export type { WrappedKey as WrappedDataKey } from '../../crypto/wrapped-keys.js';

/** The projects' data keys (one AES-256 key per project), wrapped by the master keys. */
export const PROJECT_DATA_KEYS: WrappedKeyTable = {
  table: 'vault.data_keys',
  idColumn: 'project_id',
  context: (projectId) => `pavise-vault:data-key:${projectId}`,
};

export class DataKeys extends WrappedKeys {
  constructor(provider: KeyEncryptionProvider) {
    super(provider, PROJECT_DATA_KEYS.context);
  }
}
