import type { Command } from 'commander';
import { AuthError } from '../auth/errors.js';
import { listPersonalAccessTokens } from '../auth/personal-access-tokens.js';
import { findUserByEmail } from '../auth/users.js';
import type { Database } from '../db/database.js';
import { printJson, withDatabase } from './context.js';

async function userIdFor(db: Database, email: string): Promise<string> {
  const user = await findUserByEmail(db, email);
  if (!user)
    throw new AuthError(
      'not-found',
      `No user with e-mail ${email}; create one with: pavise user create --email ${email}`,
    );
  return user.id;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new AuthError('invalid-request', '--expires-in-days accepts a whole number from 1 to 3650');
  return days;
}

export function registerPatCommands(program: Command): void {
  const pat = program.command('pat').description('Manage personal access tokens (the API keys of seed 001)');
  pat
    .command('create')
    .description('Create a personal access token for a user; the token is shown only once')
    .requiredOption('--email <email>', 'e-mail address of the token owner')
    .option('--name <name>', 'a name to recognise the token by (stored as metadata.name)')
    .option('--expires-in-days <days>', 'lifetime in days', '365')
    .option('--json', 'print the result as JSON')
    .action(async (options: { email: string; name?: string; expiresInDays: string; json?: boolean }) => {
      const days = parseDays(options.expiresInDays);
      const expiresAt = new Date(Date.now() + days * 86_400_000);
      const created = await withDatabase(async ({ db, auth }) =>
        (await auth()).createPat(
          await userIdFor(db, options.email),
          expiresAt,
          options.name ? { name: options.name } : {},
        ),
      );
      if (options.json) return printJson({ ...created, expiresAt: expiresAt.toISOString() });
      process.stdout.write(
        `Personal access token ${created.id} for ${options.email}, valid until ${expiresAt.toISOString().slice(0, 10)}:\n\n` +
          `  ${created.personalAccessToken}\n\nStore it now: it is not shown again.\n`,
      );
    });

  pat
    .command('list')
    .description("List a user's personal access tokens (never the tokens themselves)")
    .requiredOption('--email <email>', 'e-mail address of the token owner')
    .option('--json', 'print the result as JSON')
    .action(async (options: { email: string; json?: boolean }) => {
      const tokens = await withDatabase(async ({ db }) =>
        listPersonalAccessTokens(db, await userIdFor(db, options.email)),
      );
      if (options.json) return printJson(tokens);
      if (tokens.length === 0) return void process.stdout.write(`${options.email} has no personal access tokens.\n`);
      for (const token of tokens) {
        const name = typeof token.metadata.name === 'string' ? token.metadata.name : '';
        process.stdout.write(
          `${token.id}  ${token.hint.padEnd(20)}  expires ${token.expiresAt.slice(0, 10)}  ` +
            `last used ${token.lastUsedAt ? token.lastUsedAt.slice(0, 19).replace('T', ' ') : 'never'}  ${name}\n`,
        );
      }
    });

  pat
    .command('revoke')
    .description("Revoke one of a user's personal access tokens by id (see `pat list`)")
    .argument('<id>', 'the token id')
    .requiredOption('--email <email>', 'e-mail address of the token owner')
    .action(async (id: string, options: { email: string }) => {
      await withDatabase(async ({ db, auth }) => (await auth()).revokePat(await userIdFor(db, options.email), id));
      process.stdout.write(`Revoked personal access token ${id}.\n`);
    });
}
