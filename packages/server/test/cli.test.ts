import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, LANE, type TestDatabase } from './helpers/database.js';
import { request } from './helpers/http.js';
import { runCli, startServerProcess } from './helpers/process.js';

describe('the pavise CLI', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase({ empty: true }); // its first `migrate` applies them all
  });
  after(() => database.drop());

  it('documents every command with --help', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['serve', 'migrate', 'user', 'pat']) assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
    for (const [args, expected] of [
      [['serve', '--help'], /Start the Pavise server/],
      [['migrate', '--help'], /migrations/],
      [['user', 'create', '--help'], /--email <email>/],
      [['pat', 'create', '--help'], /--name <name>[\s\S]*--json/],
      [['pat', 'list', '--help'], /--email <email>/],
      [['pat', 'revoke', '--help'], /<id>/],
    ] as const) {
      const result = await runCli([...args]);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, expected, args.join(' '));
    }
  });

  it('migrates, then reports the database up to date', async () => {
    const first = await runCli(['migrate'], database.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied \d+ migration/);
    const second = await runCli(['migrate'], database.env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /up to date/);
  });

  let patId: string;
  let pat: string;
  it('creates a user and a PAT (--json), lists it without the token, and the PAT signs in', async () => {
    const user = await runCli(['user', 'create', '--email', 'ci@example.com', '--json'], database.env);
    assert.equal(user.code, 0, user.stderr);
    const created = JSON.parse(user.stdout);
    assert.equal(created.email, 'ci@example.com');
    assert.ok(created.password.length >= 16, 'a generated password is printed once');

    const result = await runCli(
      ['pat', 'create', '--email', 'ci@example.com', '--name', 'ci pipeline', '--json'],
      database.env,
    );
    assert.equal(result.code, 0, result.stderr);
    ({ id: patId, personalAccessToken: pat } = JSON.parse(result.stdout));
    assert.match(pat, /^pavise_pat_/);

    const list = await runCli(['pat', 'list', '--email', 'ci@example.com', '--json'], database.env);
    assert.equal(list.code, 0, list.stderr);
    const tokens = JSON.parse(list.stdout);
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].id, patId);
    assert.equal(tokens[0].metadata.name, 'ci pipeline');
    assert.ok(!list.stdout.includes(pat));
    const plain = await runCli(['pat', 'list', '--email', 'ci@example.com'], database.env);
    assert.match(plain.stdout, new RegExp(`${patId}.*ci pipeline`));

    const server = await startServerProcess({ ...database.env, PAVISE_BOOTSTRAP: 'false' });
    try {
      const signIn = await request(`${server.url}/v1/signin/pat`, { body: { personalAccessToken: pat } });
      assert.equal(signIn.status, 200);
      assert.equal(signIn.body.session.user.email, 'ci@example.com');
      if (LANE === 'pglite') {
        // One process at a time on the embedded database: the CLI says so instead of corrupting it.
        const busy = await runCli(['pat', 'list', '--email', 'ci@example.com'], database.env);
        assert.equal(busy.code, 1);
        assert.match(busy.stderr, /in use by another Pavise process \(pid \d+\)/);
      }
    } finally {
      await server.stop();
    }
  });

  it('revokes a PAT by id', async () => {
    const revoke = await runCli(['pat', 'revoke', patId, '--email', 'ci@example.com'], database.env);
    assert.equal(revoke.code, 0, revoke.stderr);
    const list = await runCli(['pat', 'list', '--email', 'ci@example.com', '--json'], database.env);
    assert.deepEqual(JSON.parse(list.stdout), []);
    const again = await runCli(['pat', 'revoke', patId, '--email', 'ci@example.com'], database.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not found/);
  });

  it('explains mistakes in one line and exits 1', async () => {
    const unknown = await runCli(['pat', 'create', '--email', 'nobody@example.com'], database.env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No user with e-mail nobody@example.com; create one with: pavise user create/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
    const duplicate = await runCli(['user', 'create', '--email', 'ci@example.com'], database.env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /Email already in use/);
    const days = await runCli(
      ['pat', 'create', '--email', 'ci@example.com', '--expires-in-days', 'soon'],
      database.env,
    );
    assert.equal(days.code, 1);
    assert.match(days.stderr, /--expires-in-days accepts a whole number/);
    const missing = await runCli(['pat', 'create'], database.env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /required option '--email <email>'/);
  });
});
