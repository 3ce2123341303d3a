import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, LANE } from './helpers/database.js';
import { request } from './helpers/http.js';
import { startServerProcess } from './helpers/process.js';
import { parseBootstrapBlock } from './helpers/server.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** What the database holds at rest: PGlite's files, or a dump of the PostgreSQL database. */
async function storedBytes(database: Awaited<ReturnType<typeof createTestDatabase>>): Promise<{ name: string; bytes: Buffer }[]> {
  if (LANE === 'pglite') {
    const files = await filesUnder(database.dataDir);
    assert.ok(files.length > 100, 'the PGlite data directory holds the database files');
    return Promise.all(files.map(async (name) => ({ name, bytes: await fs.readFile(name) })));
  }
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', database.databaseUrl!], { maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' });
  return [{ name: 'pg_dump', bytes: stdout }];
}

describe('no credential in clear at rest or in the logs', () => {
  it('keeps PATs, refresh tokens and passwords out of the database files and the logs', async () => {
    const database = await createTestDatabase();
    // The most verbose logging, so that anything a log line could carry is there to be found.
    const server = await startServerProcess({ ...database.env, PAVISE_LOG_LEVEL: 'trace' });
    const secrets: string[] = [];
    let bootstrapBlock = '';
    try {
      const bootstrap = parseBootstrapBlock(server.stdout())!;
      bootstrapBlock = server.stdout().slice(server.stdout().indexOf('====='), server.stdout().lastIndexOf('=====') + 5);
      secrets.push(bootstrap.pat, bootstrap.password);
      const call = (route: string, options: Parameters<typeof request>[1]) => request(`${server.url}${route}`, options);

      const first = (await call('/v1/signin/pat', { body: { personalAccessToken: bootstrap.pat } })).body.session;
      const rotated = await call('/v1/token', { body: { refreshToken: first.refreshToken } });
      const pat = (await call('/v1/pat', { token: first.accessToken, body: { expiresAt: new Date(Date.now() + 86_400_000).toISOString() } })).body;
      const password = 'a memorable passphrase';
      const signUp = (await call('/v1/signup/email-password', { body: { email: 'grace@example.com', password } })).body.session;
      const signIn = (await call('/v1/signin/email-password', { body: { email: 'grace@example.com', password } })).body.session;
      await call('/v1/signin/email-password', { body: { email: 'grace@example.com', password: 'a wrong passphrase' } });
      await call(`/v1/user?token=${pat.personalAccessToken}`, { token: signIn.accessToken });
      secrets.push(
        first.refreshToken, rotated.body.refreshToken, pat.personalAccessToken, password, 'a wrong passphrase',
        signUp.refreshToken, signIn.refreshToken, first.accessToken, signIn.accessToken,
      );
      assert.equal(secrets.length, 11);
      assert.ok(secrets.every((s) => typeof s === 'string' && s.length >= 16), 'every flow produced its credential');
      assert.equal(await server.stop('SIGTERM'), 0);

      const logs = server.stdout().replace(bootstrapBlock, '') + server.stderr();
      assert.match(logs, /"msg":"request completed"/, 'the requests were logged');
      for (const secret of secrets) assert.ok(!logs.includes(secret), `a credential (${secret.slice(0, 12)}…) is in the logs`);

      const stored = await storedBytes(database);
      for (const { name, bytes } of stored) {
        for (const secret of secrets) {
          assert.equal(bytes.indexOf(secret), -1, `a credential (${secret.slice(0, 12)}…) is in clear in ${name}`);
        }
      }
      // The check can see what is stored: the e-mail addresses are there in clear.
      assert.ok(stored.some(({ bytes }) => bytes.includes('grace@example.com')), 'the scan reads the stored rows');
    } finally {
      await server.stop('SIGKILL');
      await database.drop();
    }
  });
});
