import assert from 'node:assert/strict';
import http from 'node:http';
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

      const exchanged = JSON.parse(await runSeedShell('001-step-2.sh', server.url, { YOUR_PAT: pat }));
      assert.equal(typeof exchanged.session.accessToken, 'string');

      // A request in flight when SIGTERM arrives: its headers and half its body are sent first,
      // and the rest only once the server has begun shutting down. It must still complete.
      drainedEmails = ['drain@example.com'];
      const body = JSON.stringify({ email: drainedEmails[0], password: 'drain password' });
      const target = new URL(`${server.url}/v1/signup/email-password`);
      const inFlight = http.request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        inFlight.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        inFlight.on('error', reject);
      });
      inFlight.write(body.slice(0, 10));
      await server.waitFor(/"url":"\/v1\/signup\/email-password"[^\n]*"msg":"incoming request"/);
      const exited = server.stop('SIGTERM');
      await server.waitFor(/shutting down/);
      inFlight.end(body.slice(10));
      const finished = await response;
      assert.equal(finished.status, 200, finished.text);
      assert.equal(await exited, 0, server.stderr());
      const log = server.stdout();
      assert.ok(
        log.indexOf('shutting down') < log.lastIndexOf('"msg":"request completed"'),
        'the request completed after SIGTERM',
      );
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
        const response = await request(`${server.url}/v1/signin/email-password`, {
          body: { email, password: 'drain password' },
        });
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
      const signIn = await request(`${server.url}/v1/signin/email-password`, {
        body: { email: 'admin@localhost', password: 'x' },
      });
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
