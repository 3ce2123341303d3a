import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from './helpers/database.js';
import { startPrivacyServer } from './helpers/privacy.js';
import { runCli, startServerProcess } from './helpers/process.js';
import { TestClock } from './helpers/server.js';
import { startSmtpServer } from './helpers/smtp.js';
import { forSuite } from './helpers/suite.js';

/**
 * Mail (docs/architecture.md §3.6): every message is rendered with a text and an HTML part in
 * the sender's branding, written to the outbox in the transaction that causes it, and delivered
 * by the worker to a real SMTP server with retries; without SMTP it stays in the development
 * outbox, whose links are logged and which `pavise mail list` / `show` read.
 */

const MINUTE = 60_000;

/** Asks for an account's magic link: the cheapest way to make the server write one message. */
const askLink = (server: { call: (path: string, options: any) => Promise<any> }, email: string) =>
  server.call('/v1/signin/passwordless/email', { body: { email } });

/** The ids of the messages a server's log says it sent, kept or gave up. */
const loggedMailIds = (logs: string, message: RegExp) =>
  logs
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.mailId && message.test(entry.msg))
    .map((entry) => entry.mailId as string);

describe('mail over SMTP', () => {
  const smtp = forSuite(startSmtpServer);
  const clock = new TestClock();
  const server = forSuite(() =>
    startPrivacyServer({ PAVISE_SMTP_URL: smtp.url, PAVISE_RATE_LIMIT_MAIL: '1000/3600' }, undefined, { clock }),
  );

  it('delivers a text and an HTML part, in the controller’s branding, escaped', async () => {
    const { controllerId, owner } = await server.newController('<b>Evil & Co</b>');
    await server.createSubject({ token: owner.token }, controllerId, { email: 'reader@example.com' });
    await server.call('/v1/signin/passwordless/email', {
      body: { email: 'reader@example.com', options: { dataControllerId: controllerId } },
    });
    const mail = await smtp.next('reader@example.com');
    assert.match(mail.text, /<b>Evil & Co<\/b>/, 'the text part says the name as it is');
    assert.match(mail.html, /&lt;b&gt;Evil &amp; Co&lt;\/b&gt;/, 'the HTML part escapes it');
    assert.doesNotMatch(mail.html, /<b>Evil/);
    assert.match(mail.messageId, /^<[0-9a-f-]{36}@localhost>$/);
    assert.equal((mail.parsed.headers.get('content-type') as { value: string }).value, 'multipart/alternative');
  });

  it('retries a temporary refusal later, on the server’s clock, and delivers once', async () => {
    smtp.refuse(1, 451);
    const before = smtp.received.length;
    await askLink(server, server.bootstrap!.email);
    // The first attempt is refused; the next is due 30 s later.
    await waitUntil(() => /mail delivery failed; it will be retried/.test(server.logs()));
    clock.advance(31_000);
    const mail = await smtp.next(server.bootstrap!.email);
    assert.match(mail.subject, /sign-in link/);
    assert.equal(smtp.received.length, before + 1);
  });

  it('gives up on a permanent refusal without retrying', async () => {
    smtp.refuse(1, 550);
    const before = smtp.received.length;
    await askLink(server, server.bootstrap!.email);
    await waitUntil(() => /giving up/.test(server.logs()));
    clock.advance(60 * MINUTE);
    await assert.rejects(smtp.next(server.bootstrap!.email, 2500));
    assert.equal(smtp.received.length, before);
  });

  it('keeps neither the address nor the link in the log', async () => {
    await askLink(server, server.bootstrap!.email);
    await smtp.next(server.bootstrap!.email);
    assert.doesNotMatch(server.logs(), /\/v1\/verify\?ticket=/);
    assert.doesNotMatch(server.logs(), new RegExp(server.bootstrap!.email));
  });
});

describe('a crash between commit and send', () => {
  it('loses no mail, and a working server receives it once', async () => {
    const database = await createTestDatabase();
    const stalled = await startSmtpServer();
    const working = await startSmtpServer();
    try {
      // The first process writes the message, starts sending it to a server that never
      // answers, and dies mid-send.
      stalled.hang();
      const first = await startServerProcess({ ...database.env, PAVISE_SMTP_URL: stalled.url });
      const email = /Owner account\s+(\S+)/.exec(first.stdout())![1]!;
      assert.equal(
        (await askLink({ call: (path, options) => fetchJson(first.url + path, options) }, email)).status,
        200,
      );
      await waitUntil(() => stalled.hung === 1);
      await first.stop('SIGKILL');

      // The next process takes the message over once the dead worker's lease has run out.
      const clock = new TestClock(Date.now() + 3 * MINUTE);
      const next = await startPrivacyServer({ PAVISE_SMTP_URL: working.url }, database, { clock });
      try {
        const mail = await working.next(email);
        assert.match(mail.subject, /sign-in link/);
      } finally {
        await next.close();
      }
      // Closed, its worker has finished: nothing more was sent.
      assert.equal(working.received.length, 1);
    } finally {
      await stalled.close();
      await working.close();
      await database.drop();
    }
  });
});

describe('the development outbox (no SMTP)', () => {
  it('keeps the message, logs its link, and pavise mail list/show read it', async () => {
    const database = await createTestDatabase();
    const server = await startPrivacyServer({}, database);
    let id: string;
    try {
      assert.match(server.logs(), /no PAVISE_SMTP_URL: mail is kept in the development outbox/);
      await askLink(server, server.bootstrap!.email);
      await waitUntil(() => loggedMailIds(server.logs(), /development outbox/).length === 1);
      const entry = server
        .logs()
        .split('\n')
        .filter((line) => line.includes('development outbox') && line.includes('mailId'))
        .map((line) => JSON.parse(line))[0];
      id = entry.mailId;
      assert.equal(entry.links.length, 1);
      assert.ok(entry.links[0].startsWith(`${server.url}/v1/verify?ticket=signinPasswordless`));
      // The logged link works.
      const followed = await fetch(entry.links[0], { redirect: 'manual' });
      assert.equal(followed.status, 302);
    } finally {
      await server.close();
    }
    try {
      // The embedded database is free once the server has stopped (with PostgreSQL, at any time).
      const list = await runCli(['mail', 'list'], database.env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`${id}\\s+\\S+\\s+kept\\s+sign-in-link\\s+${server.bootstrap!.email}`));
      const show = await runCli(['mail', 'show', id], database.env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /Subject: Your sign-in link to Pavise/);
      assert.match(show.stdout, /\/v1\/verify\?ticket=signinPasswordless/);
      const json = JSON.parse((await runCli(['mail', 'show', id, '--json'], database.env)).stdout);
      assert.match(json.html, /<a href="http/);
      const missing = await runCli(['mail', 'show', '00000000-0000-0000-0000-000000000000'], database.env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no message .* in the outbox/);
    } finally {
      await database.drop();
    }
  });
});

/** Polls `condition` until it holds: for the worker's side effects, which have no event to await. */
async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function fetchJson(url: string, options: { body: unknown }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options.body),
  });
  return { status: response.status, body: await response.json() };
}
