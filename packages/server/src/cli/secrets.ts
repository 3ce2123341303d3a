import { isUtf8 } from 'node:buffer';
import type { Command } from 'commander';
import { printJson } from './context.js';
import {
  addVaultOptions,
  deleteSecret,
  fetchHistory,
  fetchSecret,
  fetchSecrets,
  VaultCliError,
  type VaultOptionValues,
  type VaultTarget,
  vaultAction,
  writeSecrets,
} from './vault-api.js';

const MASK = '********';

interface JsonOptions extends VaultOptionValues {
  json?: boolean;
}
interface ListOptions extends JsonOptions {
  values?: boolean;
}
interface SetOptions extends JsonOptions {
  expectedVersion?: string;
}

function where(target: VaultTarget): string {
  return `project ${target.project}, environment ${target.env}${target.branch === 'main' ? '' : `, branch ${target.branch}`}`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new VaultCliError('give KEY=value, or pipe the value in: printf %s "$VALUE" | pavise secrets set KEY');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  // Decoding would turn bytes that are not UTF-8 into U+FFFD and store that without a word.
  if (!isUtf8(bytes)) throw new VaultCliError('the value on stdin is not valid UTF-8 text; nothing was stored');
  return bytes.toString('utf8');
}

/** KEY=value pairs (split at the first "="); a lone KEY reads its value from stdin, less one trailing newline. */
async function parseAssignments(pairs: string[]): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    let key: string;
    let value: string;
    if (at === -1) {
      if (pairs.length !== 1)
        throw new VaultCliError(
          `"${pair}" has no "=": write KEY=value (only a single KEY may read its value from stdin)`,
        );
      key = pair;
      value = (await readStdin()).replace(/\r?\n$/, '');
    } else {
      key = pair.slice(0, at);
      value = pair.slice(at + 1);
    }
    if (!key) throw new VaultCliError(`"${pair}" has no key before "="`);
    if (Object.hasOwn(secrets, key)) throw new VaultCliError(`${key} is given twice`);
    secrets[key] = value;
  }
  return secrets;
}

function parseVersion(value: string): number {
  const version = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(version)) {
    throw new VaultCliError('--expected-version accepts a whole number (0 = the key must not exist yet)');
  }
  return version;
}

export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description(
      'Read and write the secrets of a project environment in the vault (token from $XTRA_TOKEN, project from $XTRA_PROJECT_ID)',
    );
  /** A subcommand on one secret: the vault options and its <KEY> argument. */
  const keyCommand = (name: string, description: string) =>
    addVaultOptions(secrets.command(name).description(description).argument('<KEY>', 'the secret name'));

  addVaultOptions(
    secrets
      .command('list')
      .description('List the secret names of an environment (values only with --values or --json)'),
  )
    .option('--values', 'print KEY=value lines')
    .option('--json', 'print {KEY: value} as JSON')
    .action(
      vaultAction(async (target, options: ListOptions) => {
        const all = await fetchSecrets(target);
        if (options.json) return printJson(all);
        const keys = Object.keys(all).sort();
        if (keys.length === 0) return void process.stderr.write(`No secrets in ${where(target)}.\n`);
        process.stdout.write(keys.map((key) => (options.values ? `${key}=${all[key]}\n` : `${key}\n`)).join(''));
      }),
    );

  keyCommand(
    'get',
    'Print the value of one secret alone (for VALUE=$(pavise secrets get KEY)); a newline follows only on a terminal',
  )
    .option('--json', 'print {key, value, version, environment, branch, inherited, updatedAt} as JSON')
    .action(
      vaultAction(async (target, key: string, options: JsonOptions) => {
        const secret = await fetchSecret(target, key);
        if (options.json) return printJson(secret);
        process.stdout.write(process.stdout.isTTY ? `${secret.value}\n` : secret.value);
      }),
    );

  addVaultOptions(
    secrets
      .command('set')
      .description(
        'Set one or more secrets in one transaction. Values on the command line are visible to other users of the machine; ' +
          'to keep one off it, give a lone KEY and pipe the value in on stdin (one trailing newline is dropped)',
      )
      .argument('<KEY=value...>', 'the secrets to set'),
  )
    .option(
      '--expected-version <n>',
      'with one key: write only if its current version is n (0 = it must not exist yet)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      vaultAction(async (target, pairs: string[], options: SetOptions) => {
        const values = await parseAssignments(pairs);
        const keys = Object.keys(values);
        let expectedVersions: Record<string, number> | undefined;
        if (options.expectedVersion !== undefined) {
          if (keys.length !== 1)
            throw new VaultCliError('--expected-version applies to one key: set the keys one at a time');
          expectedVersions = { [keys[0]!]: parseVersion(options.expectedVersion) };
        }
        const result = await writeSecrets(target, values, expectedVersions);
        if (options.json) return printJson(result);
        const versions = keys.map((key) =>
          result.versions?.[key] !== undefined ? `${key} (version ${result.versions[key]})` : key,
        );
        process.stdout.write(
          `Set ${result.count} secret${result.count === 1 ? '' : 's'} in ${where(target)}: ${versions.join(', ')}\n`,
        );
      }),
    );

  keyCommand('delete', 'Delete a secret (in a branch: hide the inherited one); its history is kept')
    .option('--json', 'print the result as JSON')
    .action(
      vaultAction(async (target, key: string, options: JsonOptions) => {
        const result = await deleteSecret(target, key);
        if (options.json) return printJson(result);
        process.stdout.write(`Deleted ${key} from ${where(target)} (version ${result.version}).\n`);
      }),
    );

  keyCommand('history', 'List the versions of a secret, newest first (values masked unless --values)')
    .option('--values', 'show the values')
    .option('--json', 'print the history as JSON (with the values only with --values)')
    .action(
      vaultAction(async (target, key: string, options: ListOptions) => {
        const result = await fetchHistory(target, key);
        if (options.json) {
          return printJson(
            options.values
              ? result
              : { ...result, history: result.history.map(({ value: _value, ...entry }) => entry) },
          );
        }
        const lines = [`${result.key}: current version ${result.currentVersion}`];
        for (const entry of result.history) {
          const value = entry.deleted ? '(deleted)' : options.values ? (entry.value ?? '') : MASK;
          const by = entry.updatedBy ? `  by ${entry.updatedBy}` : '';
          const description = entry.description ? `  ${entry.description}` : '';
          lines.push(`  v${entry.version}  ${entry.updatedAt}${by}  ${value}${description}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
