import { Command, CommanderError } from 'commander';
import dotenv from 'dotenv';
import { AuthError } from '../auth/errors.js';
import { ConfigError } from '../config/config.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { MigrationError } from '../db/migrate.js';
import { PAVISE_VERSION } from '../version.js';
import { registerMailCommands } from './mail.js';
import { registerMigrateCommand } from './migrate.js';
import { registerPatCommands } from './pat.js';
import { registerRunCommand } from './run.js';
import { registerSecretsCommands } from './secrets.js';
import { registerServeCommand } from './serve.js';
import { registerUserCommands } from './user.js';
import { registerVaultCommands } from './vault.js';

// A .env file in the working directory fills in variables the environment does not set.
dotenv.config({ quiet: true });

const program = new Command('pavise')
  .description('Pavise: self-hostable privacy compliance and secrets')
  .version(PAVISE_VERSION)
  .showHelpAfterError()
  .exitOverride();

registerServeCommand(program);
registerMigrateCommand(program);
registerUserCommands(program);
registerPatCommands(program);
registerVaultCommands(program);
registerRunCommand(program);
registerSecretsCommands(program);
registerMailCommands(program);

/** Errors a user can fix print as one clear line; anything else is a bug and keeps its stack. */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof MigrationError) {
    process.stderr.write(`pavise: ${error.message}\n`);
    return 1;
  }
  if (error instanceof AuthError) {
    process.stderr.write(`pavise: ${error.message}\n`);
    return 1;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(
      `pavise: the port is already in use; set PAVISE_PORT to another port (${(error as Error).message})\n`,
    );
    return 1;
  }
  if (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000' || code === 'ENOTFOUND') {
    process.stderr.write(`pavise: cannot connect to the database at DATABASE_URL: ${(error as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`pavise: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
