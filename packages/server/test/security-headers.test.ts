import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The security headers of every answer (docs/contracts.md §1, http/security-headers.ts). */
describe('security headers', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  it('every answer carries them; HSTS only over HTTPS as the request says it came', async () => {
    for (const path of ['/healthz', '/v1/version', '/v1/no-such-route', '/api/project']) {
      const response = await server.call(path, { headers: { 'x-forwarded-proto': 'https' } });
      const headers = response.headers;
      assert.equal(headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(headers.get('x-frame-options'), 'DENY', path);
      assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin', path);
      assert.equal(headers.get('cross-origin-resource-policy'), 'same-origin', path);
      const csp = headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"])
        assert.ok(csp.split(';').includes(directive), `${path}: ${csp} lacks ${directive}`);
      assert.ok(!csp.includes('unsafe-inline'), csp);
      // Without PAVISE_TRUST_PROXY, X-Forwarded-Proto is not believed.
      assert.equal(headers.get('strict-transport-security'), null, path);
    }
    assert.equal((await server.call('/v1/version')).headers.get('cache-control'), 'no-store');
  });
});

describe('security headers behind a proxy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ PAVISE_TRUST_PROXY: 'true' });
  });
  after(() => server?.close());

  it('sends HSTS when the proxy says the request came over HTTPS, and only then', async () => {
    const https = await server.call('/healthz', { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(https.headers.get('strict-transport-security'), 'max-age=31536000');
    const http = await server.call('/healthz', { headers: { 'x-forwarded-proto': 'http' } });
    assert.equal(http.headers.get('strict-transport-security'), null);
  });
});
