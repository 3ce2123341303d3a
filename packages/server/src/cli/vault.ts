import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { TOTP_SECRETS } from '../auth/totp-factors.js';
import { ConfigError, parseMasterKey } from '../config/config.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import { LocalMasterKeys, masterKeyId } from '../crypto/key-provider.js';
import { developmentKeyFile, readKeyFile, writeKeyFile } from '../crypto/master-keys.js';
import { rewrapKeys } from '../crypto/wrapped-keys.js';
import type { Queryable } from '../db/database.js';
import { CONTROLLER_KEYS } from '../privacy/keys.js';
import { PROJECT_DATA_KEYS } from '../vault/crypto/data-keys.js';
import { withDatabase } from './context.js';

/**
 * `pavise vault rotate-master-key`: re-wraps everything the master key wraps — the vault's project
 * data keys, the privacy domain's controller keys and the users' TOTP secrets — with a new master
 * key, in one transaction.
 * Nothing they encrypt is re-encrypted, so it is quick and a server keeps serving throughout: it
 * unwraps with whichever key a wrapping names.
 */
async function rewrapAll(tx: Queryable, from: KeyEncryptionProvider, to: KeyEncryptionProvider): Promise<string> {
  const projects = await rewrapKeys(tx, PROJECT_DATA_KEYS, from, to);
  const controllers = await rewrapKeys(tx, CONTROLLER_KEYS, from, to);
  const totp = await rewrapKeys(tx, TOTP_SECRETS, from, to);
  return `${projects.rewrapped} of ${projects.total} project data keys, ${controllers.rewrapped} of ${controllers.total} data controller keys and ${totp.rewrapped} of ${totp.total} TOTP secrets`;
}

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('Administer the secrets vault');
  vault
    .command('rotate-master-key')
    .description(
      'Re-wrap every project data key, data controller key and TOTP secret with a new master key. Development (no PAVISE_MASTER_KEY): a new key is generated ' +
        'into the data directory. Production: give the new key in PAVISE_NEW_MASTER_KEY.',
    )
    .action(async () => {
      await withDatabase(async ({ config, db }) => {
        if (config.masterKey) {
          const raw = process.env.PAVISE_NEW_MASTER_KEY;
          if (!raw) {
            throw new ConfigError([
              'PAVISE_NEW_MASTER_KEY: required to rotate a configured master key; accepts 32 random bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)',
            ]);
          }
          let next: Buffer;
          try {
            next = parseMasterKey(raw);
          } catch {
            throw new ConfigError(['PAVISE_NEW_MASTER_KEY: accepts 32 random bytes as 64 hex characters or base64']);
          }
          const from = new LocalMasterKeys([config.masterKey, ...config.masterKeysPrevious]);
          const result = await db.transaction((tx) => rewrapAll(tx, from, new LocalMasterKeys([next])));
          process.stdout.write(
            `Re-wrapped ${result} with master key ${masterKeyId(next)}.\n` +
              'Next: set PAVISE_MASTER_KEY to the new key on every server (servers that have not restarted yet need it in\n' +
              'PAVISE_MASTER_KEY_PREVIOUS to open projects they have not cached), then retire the old key.\n',
          );
          return;
        }
        const file = developmentKeyFile(config);
        const current = await readKeyFile(file);
        if (!current)
          throw new ConfigError([
            `PAVISE_MASTER_KEY: not set, and there is no development key file at ${file}; start the server once first`,
          ]);
        const next = randomBytes(32);
        // Both keys in the file while the data keys move, so a server rereading it mid-way finds
        // either; only the new key once the transaction has committed.
        await writeKeyFile(file, [next, ...current]);
        const result = await db.transaction((tx) =>
          rewrapAll(tx, new LocalMasterKeys(current), new LocalMasterKeys([next])),
        );
        await writeKeyFile(file, [next]);
        process.stdout.write(`Re-wrapped ${result} with a new master key (${masterKeyId(next)}) in ${file}.\n`);
      });
    });
}
