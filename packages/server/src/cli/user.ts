import type { Command } from 'commander';
import { randomPassword } from '../auth/tokens.js';
import { printJson, withDatabase } from './context.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('Manage user accounts');
  user
    .command('create')
    .description('Create a user account (a password is generated and printed if none is given)')
    .requiredOption('--email <email>', 'e-mail address of the account')
    .option(
      '--password <password>',
      'password (at least 8 characters with upper and lower case, a digit and a symbol; not a common one); prefer the generated one',
    )
    .option('--display-name <name>', 'display name')
    .option('--json', 'print the result as JSON')
    .action(async (options: { email: string; password?: string; displayName?: string; json?: boolean }) => {
      const password = options.password ?? randomPassword();
      const created = await withDatabase(async ({ auth }) =>
        (await auth()).createUser({
          email: options.email,
          password,
          displayName: options.displayName ?? '',
          emailVerified: true,
        }),
      );
      const result = { id: created.id, email: created.email, ...(options.password ? {} : { password }) };
      if (options.json) return printJson(result);
      process.stdout.write(`Created user ${created.email} (id ${created.id}).\n`);
      if (!options.password) process.stdout.write(`Password: ${password}\nStore it now: it is not shown again.\n`);
    });
}
