import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNotInClear } from './helpers/at-rest.js';
import { createTestDatabase } from './helpers/database.js';
import { request } from './helpers/http.js';
import { startServerProcess } from './helpers/process.js';
import { unless } from './helpers/requirements.js';
import { parseBootstrapBlock } from './helpers/server.js';
import { totpCode } from './helpers/totp.js';

describe('no credential in clear at rest or in the logs', { skip: await unless('pg_dump') }, () => {
  it('keeps PATs, refresh tokens, passwords, TOTP secrets and sign-in tickets out of the database files and the logs', async () => {
    const database = await createTestDatabase();
    // The most verbose logging, so that anything a log line could carry is there to be found.
    const server = await startServerProcess({ ...database.env, PAVISE_LOG_LEVEL: 'trace' });
    const secrets: string[] = [];
    let bootstrapBlock = '';
    try {
      const bootstrap = parseBootstrapBlock(server.stdout())!;
      bootstrapBlock = server
        .stdout()
        .slice(server.stdout().indexOf('====='), server.stdout().lastIndexOf('=====') + 5);
      secrets.push(bootstrap.pat, bootstrap.password);
      const call = (route: string, options: Parameters<typeof request>[1]) => request(`${server.url}${route}`, options);

      const first = (await call('/v1/signin/pat', { body: { personalAccessToken: bootstrap.pat } })).body.session;
      const rotated = await call('/v1/token', { body: { refreshToken: first.refreshToken } });
      const pat = (
        await call('/v1/pat', {
          token: first.accessToken,
          body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
        })
      ).body;
      const password = 'A-memorable-passphrase-9';
      const signUp = (await call('/v1/signup/email-password', { body: { email: 'grace@example.com', password } })).body
        .session;
      const signIn = (await call('/v1/signin/email-password', { body: { email: 'grace@example.com', password } })).body
        .session;
      await call('/v1/signin/email-password', { body: { email: 'grace@example.com', password: 'a wrong passphrase' } });
      await call(`/v1/user?token=${pat.personalAccessToken}`, { token: signIn.accessToken });
      // A TOTP secret, and the ticket of a two-step sign-in (the code is the next step's: the
      // enrolment spent the current one).
      const { totpSecret } = (await call('/v1/mfa/totp/generate', { token: signIn.accessToken })).body;
      await call('/v1/user/mfa', {
        token: signIn.accessToken,
        body: { code: totpCode(totpSecret, Date.now()), activeMfaType: 'totp' },
      });
      const { ticket } = (await call('/v1/signin/email-password', { body: { email: 'grace@example.com', password } }))
        .body.mfa;
      const second = (
        await call('/v1/signin/mfa/totp', { body: { ticket, otp: totpCode(totpSecret, Date.now() + 30_000) } })
      ).body.session;
      secrets.push(
        first.refreshToken,
        rotated.body.refreshToken,
        pat.personalAccessToken,
        password,
        'a wrong passphrase',
        signUp.refreshToken,
        signIn.refreshToken,
        first.accessToken,
        signIn.accessToken,
        totpSecret,
        ticket,
        second.refreshToken,
      );
      assert.equal(secrets.length, 14);
      assert.ok(
        secrets.every((s) => typeof s === 'string' && s.length >= 16),
        'every flow produced its credential',
      );
      assert.equal(await server.stop('SIGTERM'), 0);

      // The bootstrap block prints the first credentials on purpose; nothing else may.
      const logs = server.stdout().replace(bootstrapBlock, '') + server.stderr();
      // E-mail addresses are stored in clear.
      await assertNotInClear(database, logs, secrets, 'grace@example.com');
    } finally {
      await server.stop('SIGKILL');
      await database.drop();
    }
  });
});
