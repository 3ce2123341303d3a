import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './helpers/process.js';

/** Bad configuration stops `pavise serve` before it touches anything, naming the variable. */
describe('configuration validation at start-up', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PAVISE_PORT: 'eighty' }, /PAVISE_PORT: got "eighty"; accepts an integer from 0 to 65535/],
    [{ PORT: '70000' }, /PORT: got "70000"; accepts an integer from 0 to 65535/],
    [{ PAVISE_HOST: 'bad host!' }, /PAVISE_HOST: .*accepts a host name or IP address/],
    [
      { DATABASE_URL: 'mysql://root@localhost/x' },
      /DATABASE_URL: accepts a postgres:\/\/ or postgresql:\/\/ connection URL/,
    ],
    [{ PAVISE_JWT_SECRET: 'not json' }, /PAVISE_JWT_SECRET: accepts Hasura-format JSON .*\(not valid JSON\)/],
    [
      { PAVISE_JWT_SECRET: '{"type":"HS256","key":"short-secret-value"}' },
      /PAVISE_JWT_SECRET: .*at least 32 characters/,
    ],
    [{ PAVISE_JWT_SECRET: '{"type":"RS256","key":"x"}' }, /PAVISE_JWT_SECRET: .*needs "signing_key"/],
    [{ PAVISE_MASTER_KEY: 'abc' }, /PAVISE_MASTER_KEY: accepts 32 random bytes/],
    [{ NODE_ENV: 'production' }, /PAVISE_MASTER_KEY: required when NODE_ENV=production/],
    [
      { PAVISE_ACCESS_TOKEN_EXPIRES_IN: '-5' },
      /PAVISE_ACCESS_TOKEN_EXPIRES_IN: got "-5"; accepts a whole number of seconds/,
    ],
    [{ PAVISE_REFRESH_TOKEN_EXPIRES_IN: '1h' }, /PAVISE_REFRESH_TOKEN_EXPIRES_IN: got "1h"/],
    [{ PAVISE_SIGNUP: 'invite' }, /PAVISE_SIGNUP: got "invite"; accepts "open" or "closed"/],
    [{ PAVISE_BOOTSTRAP: 'maybe' }, /PAVISE_BOOTSTRAP: got "maybe"; accepts "true" or "false"/],
    [{ PAVISE_BOOTSTRAP_EMAIL: 'admin' }, /PAVISE_BOOTSTRAP_EMAIL: got "admin"; accepts an e-mail address/],
    [{ REDIS_URL: 'http://localhost' }, /REDIS_URL: accepts a redis:\/\/ or rediss:\/\/ URL/],
    [{ PAVISE_ADMIN_SECRET: 'short' }, /PAVISE_ADMIN_SECRET: accepts a secret of at least 16 characters/],
    [{ PAVISE_GRAPHQL_MAX_DEPTH: '0' }, /PAVISE_GRAPHQL_MAX_DEPTH: got "0"; accepts a whole number from 1 to 100/],
    [
      { PAVISE_CORS_ORIGINS: 'https://dashboard.example.com,https://shop.example.com/widgets' },
      /PAVISE_CORS_ORIGINS: .*accepts a comma-separated list of origins .*\("https:\/\/shop.example.com\/widgets" is not an origin\)/,
    ],
    [{ PAVISE_CORS_ORIGINS: '*' }, /PAVISE_CORS_ORIGINS: got "\*"; accepts a comma-separated list of origins/],
    [
      { PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE: 'sometimes' },
      /PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE: got "sometimes"; accepts "true" or "false"/,
    ],
    [
      { PAVISE_ORIGIN_VERIFICATION_DNS_SERVERS: '1.1.1.1,dns.example' },
      /PAVISE_ORIGIN_VERIFICATION_DNS_SERVERS: .*accepts a comma-separated list of DNS server addresses/,
    ],
    [
      { PAVISE_RATE_LIMIT_IP_FAILURES: 'ten' },
      /PAVISE_RATE_LIMIT_IP_FAILURES: got "ten"; accepts "<count>\/<seconds>"/,
    ],
  ];
  for (const [env, message] of cases) {
    it(`rejects ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`, async () => {
      const result = await runCli(['serve'], { ...env, PAVISE_DATA_DIR: '/nonexistent/never-created' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Invalid configuration:/);
      assert.match(result.stderr, message);
    });
  }

  it('reports every problem at once and never echoes a secret value', async () => {
    const secret = '{"type":"HS256","key":"a-secret-that-is-too-short"}';
    const result = await runCli(['serve'], {
      PAVISE_PORT: 'x',
      PAVISE_SIGNUP: 'x',
      PAVISE_JWT_SECRET: secret,
      DATABASE_URL: 'ftp://user:hunter2@db',
    });
    assert.equal(result.code, 1);
    for (const name of ['PAVISE_PORT', 'PAVISE_SIGNUP', 'PAVISE_JWT_SECRET', 'DATABASE_URL'])
      assert.match(result.stderr, new RegExp(`${name}:`));
    assert.ok(!result.stderr.includes('a-secret-that-is-too-short'));
    assert.ok(!result.stderr.includes('hunter2'));
  });
});
