import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { request } from './helpers/http.js';
import { startServerProcess } from './helpers/process.js';
import { runSeedShell } from './helpers/seeds.js';
import { parseBootstrapBlock } from './helpers/server.js';

describe('first start, restart and graceful shutdown of `pavise serve`', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.drop());

  let pat: string;
  let drainedEmails: string[] = [];

  it('prints the bootstrap block once on the first start, with a PAT that works with the seed curl', async () => {
    // Debug level logs each request's arrival, which the drain check below waits for.
    const server = await startServerProcess({ ...database.env, PAVISE_LOG_LEVEL: 'debug' });
    try {
      const printed = parseBootstrapBlock(server.stdout());
      assert.ok(printed, `no bootstrap block in:\n${server.stdout()}`);
      assert.equal(printed.email, 'admin@localhost');
      assert.match(server.stdout(), new RegExp(`curl -X POST "${server.url}/v1/signin/pat"`));
      pat = printed.pat;

      const health = await request(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(health.text, 'OK');
      const version = await request(`${server.url}/v1/version`);
      assert.match(version.body.version, /^\d+\.\d+\.\d+/);

      const body = JSON.parse(await runSeedShell('001-step-2.sh', server.url, { YOUR_PAT: pat }));
      assert.equal(typeof body.session.accessToken, 'string');

      // Write data, then let SIGTERM find requests in flight: sign-ups hash passwords with
      // argon2, which keeps them busy for a while after the server has logged their arrival.
      drainedEmails = Array.from({ length: 8 }, (_, i) => `drain-${i}@example.com`);
      const signUps = drainedEmails.map((email) =>
        request(`${server.url}/v1/signup/email-password`, { body: { email, password: 'drain password' } }),
      );
      const arrived = (stdout: string) =>
        stdout.split('\n').filter((line) => line.includes('/v1/signup/email-password') && line.includes('"msg":"incoming request"')).length;
      await server.waitFor((stdout) => arrived(stdout) === drainedEmails.length);
      const exitCode = await server.stop('SIGTERM');
      const responses = await Promise.all(signUps);
      assert.deepEqual(responses.map((r) => r.status), Array(8).fill(200), 'in-flight requests finish');
      assert.equal(exitCode, 0, server.stderr());
      const log = server.stdout();
      assert.ok(log.indexOf('shutting down') < log.lastIndexOf('"msg":"request completed"'), 'some requests completed after SIGTERM');
      assert.match(log, /"msg":"stopped"/);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('prints no credentials on the next start and keeps all data', async () => {
    const server = await startServerProcess(database.env);
    try {
      assert.equal(parseBootstrapBlock(server.stdout()), undefined);
      assert.doesNotMatch(server.stdout(), /pavise_pat_/);
      const signIn = await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } });
      assert.equal(signIn.status, 200);
      for (const email of drainedEmails) {
        const response = await request(`${server.url}/v1/signin/email-password`, { body: { email, password: 'drain password' } });
        assert.equal(response.status, 200, email);
      }
      assert.equal(await server.stop('SIGINT'), 0);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});

describe('PAVISE_BOOTSTRAP', () => {
  it('=false starts on an empty database without creating an account', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, PAVISE_BOOTSTRAP: 'false' });
    try {
      assert.equal(parseBootstrapBlock(server.stdout()), undefined);
      const signIn = await request(`${server.url}/v1/signin/email-password`, { body: { email: 'admin@localhost', password: 'x' } });
      assert.equal(signIn.status, 401);
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  it('uses PAVISE_BOOTSTRAP_EMAIL for the owner account', async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, PAVISE_BOOTSTRAP_EMAIL: 'Owner@Example.com' });
    try {
      assert.equal(parseBootstrapBlock(server.stdout())?.email, 'owner@example.com');
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
