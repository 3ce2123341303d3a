import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { TestClock } from './helpers/clock.js';
import { startTxtServer, type TxtServer } from './helpers/dns-server.js';
import { graphqlError } from './helpers/http.js';
import { type OriginSite, startOriginSite } from './helpers/origin-site.js';
import { addOrigin, originRow, VERIFY } from './helpers/origins.js';
import { admin, type Member, type PrivacyServer, startPrivacyServer } from './helpers/privacy.js';

/**
 * A controller's web origins and their proof (docs/contracts.md §6.10): stored normalised, proven
 * by a file on the origin or a DNS TXT record, safely fetched. Customers' websites are local HTTP
 * servers (helpers/origin-site.ts); DNS is a local server too (helpers/dns-server.ts).
 */
describe('the web origins of a data controller', () => {
  const clock = new TestClock(Date.now() + 86_400_000);
  let server: PrivacyServer;
  let dns: TxtServer;
  let A: { controllerId: string; owner: Member };
  let B: { controllerId: string; owner: Member };

  before(async () => {
    dns = await startTxtServer();
    server = await startPrivacyServer({ PAVISE_ORIGIN_VERIFICATION_DNS_SERVERS: dns.address }, undefined, { clock });
    A = await server.newController('Controller A');
    B = await server.newController('Controller B');
  });
  after(async () => {
    await server?.close();
    await dns?.close();
  });

  describe('the origins of a controller', () => {
    it('are stored normalised, with a token chosen by the server, unverified', async () => {
      const row = await addOrigin(server, A.owner, A.controllerId, '  HTTPS://Shop.Example.COM:443/ ');
      assert.equal(row.origin, 'https://shop.example.com');
      assert.equal(row.method, 'file');
      assert.equal(row.verifiedAt, null);
      assert.match(row.token, /^pavise-verification-[0-9a-f]{64}$/);
      const other = await addOrigin(server, A.owner, A.controllerId, 'http://shop.example.com:8080');
      assert.equal(other.origin, 'http://shop.example.com:8080');
      assert.notEqual(other.token, row.token);
    });

    it('refuse what is not an origin, and the token as input, storing nothing', async () => {
      const count = async () =>
        (
          await server.gqlData(
            'query($c: uuid!) { dataControllerOriginsAggregate(where: {dataControllerId: {_eq: $c}}) { aggregate { count } } }',
            { c: A.controllerId },
            admin,
          )
        ).dataControllerOriginsAggregate.aggregate.count;
      const before = await count();
      for (const origin of [
        'https://shop.example.com/widgets',
        'ftp://shop.example.com',
        'https://*.example.com',
        'null',
      ]) {
        const response = await server.gql(
          'mutation($o: dataControllerOrigins_insert_input!) { insertDataControllerOrigin(object: $o) { id } }',
          { o: { dataControllerId: A.controllerId, origin } },
          { token: A.owner.token },
        );
        assert.equal(response.body.errors?.[0]?.extensions?.code, 'data-exception', `${origin}: ${response.text}`);
        assert.match(response.body.errors[0].message, /origin must be scheme:\/\/host\[:port\]/);
      }
      const withToken = await server.gql(
        'mutation { insertDataControllerOrigin(object: {dataControllerId: "00000000-0000-0000-0000-000000000000", origin: "https://x.example", token: "mine"}) { id } }',
        {},
        { token: A.owner.token },
      );
      assert.equal(withToken.body.errors?.[0]?.extensions?.code, 'validation-failed', withToken.text);
      assert.equal(await count(), before);
    });
  });

  describe('verifyDataControllerOrigin', () => {
    it('by the file method: reads only the verification file and marks the origin verified', async () => {
      const site = await startOriginSite();
      try {
        const row = await addOrigin(server, A.owner, A.controllerId, site.origin);
        site.serveToken(row.token);
        const answer = await server.gqlData(VERIFY, { id: row.id }, { token: A.owner.token });
        assert.equal(answer.verifyDataControllerOrigin.status, 'success');
        assert.equal(answer.verifyDataControllerOrigin.message, `${site.origin} is verified by its verification file`);
        assert.equal(answer.verifyDataControllerOrigin.data.origin, site.origin);
        // On the server's clock (pavise.now()), which stands a day ahead of the real one here.
        assert.equal(new Date(answer.verifyDataControllerOrigin.data.verifiedAt).getTime(), clock.now());
        assert.deepEqual(
          site.requests.map((r) => `${r.method} ${r.path}`),
          ['GET /.well-known/pavise-verification.txt'],
        );
        assert.equal((await originRow(server, row.id)).verifiedAt, answer.verifyDataControllerOrigin.data.verifiedAt);
      } finally {
        await site.close();
      }
    });

    /** Verifying `row` with the site answering `answer` fails with a message matching `reason`, and leaves it unverified. */
    const refused = async (
      site: OriginSite,
      answer: Parameters<OriginSite['answer']>[0] | undefined,
      reason: RegExp,
    ) => {
      const row = await addOrigin(server, A.owner, A.controllerId, site.origin);
      if (answer) site.answer(answer);
      const response = await server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
      assert.equal(response.status, 200);
      assert.equal(response.body.data, undefined, response.text);
      const [error] = response.body.errors;
      assert.equal(error.extensions.code, 'verification-failed', response.text);
      assert.equal(error.extensions.path, '$.selectionSet.verifyDataControllerOrigin');
      assert.match(error.message, reason);
      assert.equal((await originRow(server, row.id)).verifiedAt, null);
      return { row, error };
    };

    it('fails, changing nothing, when the file holds another token, is missing, or is too long', async () => {
      const site = await startOriginSite();
      try {
        await refused(
          site,
          { body: 'pavise-verification-0000000000000000000000000000000000000000000000000000000000000000' },
          /does not contain this origin's verification token/,
        );
        await server.gqlData(
          'mutation($c: uuid!, $o: String!) { deleteDataControllerOrigins(where: {dataControllerId: {_eq: $c}, origin: {_eq: $o}}) { affected_rows } }',
          { c: A.controllerId, o: site.origin },
          { token: A.owner.token },
        );
        const { row } = await refused(site, { status: 404, body: 'Not Found' }, /answered HTTP 404, not 200/);
        // Past the size limit, even with the token in it.
        site.answer({ body: `${row.token}${' '.repeat(5000)}` });
        const tooLong = await server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
        assert.equal(tooLong.body.errors?.[0]?.extensions?.code, 'verification-failed', tooLong.text);
        assert.match(tooLong.body.errors[0].message, /longer than 4096 bytes/);
        assert.equal((await originRow(server, row.id)).verifiedAt, null);
      } finally {
        await site.close();
      }
    });

    it('does not follow a redirect, even to a file with the token', async () => {
      const site = await startOriginSite();
      const elsewhere = await startOriginSite();
      try {
        const row = await addOrigin(server, A.owner, A.controllerId, site.origin);
        elsewhere.serveToken(row.token);
        site.answer({ status: 302, headers: { location: `${elsewhere.origin}/.well-known/pavise-verification.txt` } });
        const response = await server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
        assert.equal(response.body.errors?.[0]?.extensions?.code, 'verification-failed', response.text);
        assert.match(response.body.errors[0].message, /redirect \(HTTP 302\); redirects are not followed/);
        assert.equal(elsewhere.requests.length, 0, 'the redirect was followed');
        assert.equal((await originRow(server, row.id)).verifiedAt, null);
      } finally {
        await Promise.all([site.close(), elsewhere.close()]);
      }
    });

    it('waits for a slow site without holding the database: other requests, writes too, go on meanwhile', async () => {
      const site = await startOriginSite();
      try {
        const row = await addOrigin(server, A.owner, A.controllerId, site.origin);
        const slow = site.holdNext();
        const verifying = server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
        await slow.received;
        // On PGlite an open transaction holds the only connection: this write would wait for the site.
        const meanwhile = await addOrigin(server, A.owner, A.controllerId, 'https://meanwhile.example');
        assert.equal(meanwhile.origin, 'https://meanwhile.example');
        slow.release({ body: row.token });
        const answer = await verifying;
        assert.equal(answer.body.data?.verifyDataControllerOrigin?.status, 'success', answer.text);
      } finally {
        await site.close();
      }
    });

    it('by the DNS method: a TXT record at _pavise-verification.<host> holding the token', async () => {
      const row = await addOrigin(server, A.owner, A.controllerId, 'https://dns-proof.example', 'dns');
      const name = '_pavise-verification.dns-proof.example';
      dns.records({ [name]: ['some-other-verification=abc'] });
      const wrong = await server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
      assert.equal(wrong.body.errors?.[0]?.extensions?.code, 'verification-failed', wrong.text);
      assert.match(wrong.body.errors[0].message, /no TXT record of _pavise-verification\.dns-proof\.example contains/);
      dns.records({});
      const none = await server.gql(VERIFY, { id: row.id }, { token: A.owner.token });
      assert.match(none.body.errors?.[0]?.message ?? '', /_pavise-verification\.dns-proof\.example has no TXT record/);
      assert.equal((await originRow(server, row.id)).verifiedAt, null);
      dns.records({ [name]: ['some-other-verification=abc', row.token] });
      const answer = await server.gqlData(VERIFY, { id: row.id }, { token: A.owner.token });
      assert.equal(
        answer.verifyDataControllerOrigin.message,
        'https://dns-proof.example is verified by its DNS TXT record',
      );
      assert.ok(dns.asked.includes(name));
      assert.notEqual((await originRow(server, row.id)).verifiedAt, null);
    });

    it("answers not-found for another controller's origin, and verifies nothing", async () => {
      const row = await addOrigin(server, A.owner, A.controllerId, 'https://not-yours.example');
      const response = await server.gql(VERIFY, { id: row.id }, { token: B.owner.token });
      assert.deepEqual(
        response.body,
        graphqlError('data controller origin not found', 'not-found', '$.selectionSet.verifyDataControllerOrigin'),
      );
      assert.equal((await originRow(server, row.id)).verifiedAt, null);
    });
  });
});

it('origin verification may reach private addresses by default outside production only', () => {
  const masterKey = 'ab'.repeat(32);
  assert.equal(loadConfig({}).originVerification.allowPrivateAddresses, true);
  assert.equal(
    loadConfig({ NODE_ENV: 'production', PAVISE_MASTER_KEY: masterKey }).originVerification.allowPrivateAddresses,
    false,
  );
  assert.equal(
    loadConfig({
      NODE_ENV: 'production',
      PAVISE_MASTER_KEY: masterKey,
      PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE: 'true',
    }).originVerification.allowPrivateAddresses,
    true,
  );
});

describe('origin verification as in production', () => {
  let server: PrivacyServer;
  let site: OriginSite;
  before(async () => {
    server = await startPrivacyServer({ PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE: 'false' });
    site = await startOriginSite();
  });
  after(async () => {
    await server?.close();
    await site?.close();
  });

  it('refuses to verify an origin at a loopback address, without contacting it', async () => {
    const { controllerId, owner } = await server.newController('In production');
    const row = await addOrigin(server, owner, controllerId, site.origin);
    site.serveToken(row.token);
    const response = await server.gql(VERIFY, { id: row.id }, { token: owner.token });
    assert.equal(response.body.errors?.[0]?.extensions?.code, 'verification-failed', response.text);
    assert.match(
      response.body.errors[0].message,
      /127\.0\.0\.1 resolves to a loopback, private or reserved address, which this server does not contact/,
    );
    assert.equal(site.requests.length, 0, 'the site was contacted');
    assert.equal((await originRow(server, row.id)).verifiedAt, null);
  });
});
