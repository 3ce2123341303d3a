import type { Command } from 'commander';
import { listOutbox, showOutboxMessage } from '../mail/outbox.js';
import { printJson, withDatabase } from './context.js';

/**
 * The development outbox: without PAVISE_SMTP_URL, mail stays in the database (its links are
 * also logged by the server at info); these commands read it. With SMTP they show what was
 * sent, without the bodies, which are emptied on delivery.
 */
export function registerMailCommands(program: Command): void {
  const mail = program
    .command('mail')
    .description('Read the outbox (the development outbox when no SMTP is configured)');
  mail
    .command('list')
    .description('List the newest messages, newest first')
    .option('--limit <n>', 'how many (default 20, at most 1000)', '20')
    .option('--json', 'print the result as JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        process.stderr.write('pavise: --limit takes a whole number from 1 to 1000\n');
        process.exitCode = 1;
        return;
      }
      const entries = await withDatabase(({ db }) => listOutbox(db, limit));
      if (options.json) return printJson(entries);
      if (entries.length === 0) return void process.stdout.write('The outbox is empty.\n');
      for (const entry of entries) {
        process.stdout.write(
          `${entry.id}  ${new Date(entry.createdAt).toISOString()}  ${entry.status.padEnd(7)}  ${entry.template.padEnd(16)}  ${entry.recipient}  ${entry.subject}\n`,
        );
      }
      process.stdout.write('Show one with: pavise mail show <id>\n');
    });
  mail
    .command('show')
    .description('Show one message: its headers and plain-text part (--html for the HTML part)')
    .argument('<id>', 'the message id, from pavise mail list')
    .option('--html', 'print the HTML part instead of the text')
    .option('--json', 'print the message as JSON')
    .action(async (id: string, options: { html?: boolean; json?: boolean }) => {
      const message = await withDatabase(({ db }) => showOutboxMessage(db, id));
      if (!message) {
        process.stderr.write(`pavise: no message ${id} in the outbox (pavise mail list shows the ids)\n`);
        process.exitCode = 1;
        return;
      }
      if (options.json) return printJson(message);
      const body = options.html ? message.html : message.text;
      process.stdout.write(
        [
          `From:    ${message.senderName}`,
          `To:      ${message.recipient}`,
          `Subject: ${message.subject}`,
          `Date:    ${new Date(message.createdAt).toISOString()}`,
          `Status:  ${message.status}${message.lastError ? ` (${message.lastError})` : ''}`,
          '',
          body === '' ? '(the body was removed once the message was delivered)' : body,
          '',
        ].join('\n'),
      );
    });
}
