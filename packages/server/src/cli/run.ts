import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { isatty } from 'node:tty';
import type { Command } from 'commander';
import {
  defaultSnapshotPath,
  describeAge,
  readSnapshot,
  type SnapshotPayload,
  writeSnapshot,
} from './fallback-snapshot.js';
import {
  addVaultOptions,
  fetchSecrets,
  VaultCliError,
  type VaultOptionValues,
  type VaultTarget,
  VaultUnavailableError,
  vaultAction,
} from './vault-api.js';

interface RunOptions extends VaultOptionValues {
  override: boolean;
  /** A path (--fallback <path>), false (--no-fallback) or undefined (the default location). */
  fallback?: string | false;
  offline?: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

function warn(message: string): void {
  process.stderr.write(`pavise: ${message}\n`);
}

function checkSnapshotTarget(snapshot: SnapshotPayload, target: VaultTarget, file: string): Record<string, string> {
  if (snapshot.project !== target.project || snapshot.env !== target.env || snapshot.branch !== target.branch) {
    throw new VaultCliError(
      `the fallback snapshot ${file} holds project ${snapshot.project}, environment ${snapshot.env}, branch ${snapshot.branch}, ` +
        `not project ${target.project}, environment ${target.env}, branch ${target.branch}`,
    );
  }
  return snapshot.secrets;
}

/**
 * The secrets for the child: fetched from the vault (and then saved to the snapshot), or, when the
 * vault cannot be reached (network, timeout, 5xx, 429) or with --offline, read from the snapshot.
 * An answer from the vault (401, 403, 404, …) is never overruled by the snapshot.
 */
async function loadSecrets(target: VaultTarget, options: RunOptions): Promise<Record<string, string>> {
  if (options.offline && options.fallback === false) {
    throw new VaultCliError(
      '--offline runs from the fallback snapshot only, so it cannot be combined with --no-fallback',
    );
  }
  const ownDirectory = options.fallback === undefined;
  const file =
    options.fallback === false
      ? undefined
      : typeof options.fallback === 'string'
        ? path.resolve(options.fallback)
        : defaultSnapshotPath(target);

  if (options.offline) {
    const snapshot = await readSnapshot(file!, target.token);
    if (!snapshot) {
      throw new VaultCliError(
        `--offline: there is no fallback snapshot for project ${target.project}, environment ${target.env}, branch ${target.branch} ` +
          `(looked for ${file}); run once with the vault reachable to write it`,
      );
    }
    const secrets = checkSnapshotTarget(snapshot, target, file!);
    warn(`--offline: using the fallback snapshot from ${snapshot.fetchedAt} (${describeAge(snapshot.fetchedAt)} old)`);
    return secrets;
  }

  let secrets: Record<string, string>;
  try {
    secrets = await fetchSecrets(target);
  } catch (error) {
    if (!(error instanceof VaultUnavailableError) || !file) throw error;
    let snapshot: SnapshotPayload | undefined;
    try {
      snapshot = await readSnapshot(file, target.token);
    } catch (snapshotError) {
      throw new VaultCliError(`${error.message}; and ${(snapshotError as Error).message}`);
    }
    if (!snapshot) throw new VaultCliError(`${error.message} (and there is no fallback snapshot to use yet)`);
    const fallback = checkSnapshotTarget(snapshot, target, file);
    warn(
      `${error.message}; using the fallback snapshot from ${snapshot.fetchedAt} (${describeAge(snapshot.fetchedAt)} old)`,
    );
    return fallback;
  }

  if (file) {
    const payload: SnapshotPayload = {
      secrets,
      fetchedAt: new Date().toISOString(),
      project: target.project,
      env: target.env,
      branch: target.branch,
    };
    try {
      await writeSnapshot(file, payload, target.token, { ownDirectory });
    } catch (error) {
      // The secrets are here, so the command still runs; only the next offline run would miss them.
      warn(`warning: could not write the fallback snapshot ${file}: ${(error as Error).message}`);
    }
  }
  return secrets;
}

function childEnvironment(secrets: Record<string, string>, override: boolean): NodeJS.ProcessEnv {
  // A new object: the CLI's own process.env never holds a secret.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(secrets)) {
    if (typeof value !== 'string' || value.includes('\0') || key.includes('\0') || key.includes('=')) {
      throw new VaultCliError(
        `secret ${key} cannot be put into an environment variable (its name has "=" or it contains a NUL character)`,
      );
    }
    if (override || env[key] === undefined) env[key] = value;
  }
  return env;
}

/**
 * Runs the command without a shell, forwards signals and resolves with its exit code (128 + the
 * signal number when a signal ended it).
 *
 * SIGTERM and SIGHUP are always forwarded. SIGINT and SIGQUIT come from the keyboard when a
 * terminal is attached, and then the terminal has already sent them to the whole foreground
 * process group, child included; forwarding too would deliver them twice (and a second Ctrl-C
 * means "stop now" to many programs). So they are forwarded only without a terminal, where they
 * can only have been sent to us.
 */
function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  const terminal = isatty(0) || isatty(1) || isatty(2);
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: 'inherit', shell: false });
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const signal of FORWARDED_SIGNALS) {
      const keyboard = signal === 'SIGINT' || signal === 'SIGQUIT';
      const handler = () => {
        if (keyboard && terminal) return;
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(code);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        warn(`command not found: ${file}`);
        finish(127);
      } else if (error.code === 'EACCES') {
        warn(`permission denied: ${file}`);
        finish(126);
      } else {
        warn(`cannot start ${file}: ${error.message}`);
        finish(126);
      }
    });
    child.on('exit', (code, signal) => {
      if (code !== null) return finish(code);
      const number = signal ? os.constants.signals[signal] : undefined;
      finish(128 + (number ?? 0));
    });
  });
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description(
      'Run a command with the secrets of a project environment in its environment variables. The secrets go only to the command ' +
        '(not through a shell, never to disk in plaintext); its exit code becomes ours. After each fetch an encrypted fallback ' +
        'snapshot is written; when the vault cannot be reached (network, timeout, 5xx, 429) the command runs from it, with a warning.',
    )
    .argument(
      '<command...>',
      'the command and its arguments, after -- (e.g. pavise run --env production -- node app.js)',
    )
    .usage('[options] -- <command> [args...]');
  addVaultOptions(command)
    .option('--no-override', 'keep variables already set in the environment instead of replacing them with the secrets')
    .option(
      '--fallback <path>',
      'fallback snapshot file (default: $PAVISE_CONFIG_DIR or ~/.pavise, then fallback/<hash>.enc)',
    )
    .option('--no-fallback', 'neither read nor write the fallback snapshot')
    .option('--offline', 'do not contact the vault: run from the fallback snapshot only')
    .addHelpText(
      'after',
      '\nThe snapshot is encrypted with a key derived from the token, so only the same token reads it.\n' +
        'SIGTERM and SIGHUP are forwarded to the command, and SIGINT and SIGQUIT too unless a terminal is attached\n' +
        '(the terminal sends those to the command itself).',
    )
    .action(
      vaultAction(async (target, argv: string[], options: RunOptions) => {
        const secrets = await loadSecrets(target, options);
        const env = childEnvironment(secrets, options.override);
        process.exitCode = await runChild(argv, env);
      }),
    );
}
