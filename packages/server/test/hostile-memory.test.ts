import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { request } from './helpers/http.js';
import { type ServerProcess, startServerProcess } from './helpers/process.js';

/**
 * A stranger's requests cost bounded memory: 2 000 anonymous requests of 900 KB each, every one
 * with a document and variables no other request has, leave the server's resident memory within
 * 200 MB of where it started (1.8 GB of input). Before the caches were bounded by bytes and keyed by digests, four
 * such requests in parallel took a server from 341 MB to 4.3 GB and killed it.
 *
 * Measured on a separate `pavise serve` process (its RSS from /proc), not timed.
 */
const REQUESTS = 2_000;
const PARALLEL = 4;
// Measured +119 MB (PGlite) before this wave's mail, CORS and two-factor modules, +151 MB after: the
// growth is unexplained yet (see the closing note of 2026-12-07); the bound still proves the
// input is not kept.
const BUDGET_BYTES = 200 * 1024 * 1024;

async function rssBytes(server: ServerProcess): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Request `i`: a document of ~100 KB and a variable of ~800 KB, both unlike any other request's. */
function hostileBody(i: number): string {
  const padding = `# ${String(i).padStart(8, '0')} ${'x'.repeat(100_000)}\n`;
  const query = `${padding}query Q${i}($t: String) { privacyNotices(where: {title: {_eq: $t}}) { id } }`;
  return JSON.stringify({ query, variables: { t: `${i}:${'y'.repeat(800_000)}` } });
}

describe('hostile input: memory', () => {
  let database: TestDatabase;
  let server: ServerProcess;

  before(async () => {
    database = await createTestDatabase();
    // Limits off: a 429 would cost the server nothing and prove nothing about its caches.
    server = await startServerProcess({ ...database.env, PAVISE_RATE_LIMIT: 'false' });
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
  });

  const post = (body: string) =>
    request(`${server.url}/v1/graphql`, { rawBody: body, headers: { 'content-type': 'application/json' } });

  test('2 000 anonymous requests of 900 KB with distinct texts and variables leave RSS within 200 MB', async () => {
    // Warm up first (schemas built, code compiled), so the baseline is a serving server's.
    for (let i = 0; i < 20; i++) assert.equal((await post(hostileBody(-1 - i))).status, 200);
    const baseline = await rssBytes(server);
    let next = 0;
    let peak = baseline;
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        const response = await post(hostileBody(i));
        assert.equal(response.status, 200, response.text.slice(0, 300));
        assert.deepEqual(response.body, { data: { privacyNotices: [] } });
        if (i % 100 === 0) peak = Math.max(peak, await rssBytes(server));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const end = await rssBytes(server);
    peak = Math.max(peak, end);
    const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
    console.log(`RSS: ${mb(baseline)} at the start, ${mb(peak)} at the peak, ${mb(end)} after ${REQUESTS} requests`);
    assert.ok(peak - baseline < BUDGET_BYTES, `RSS grew from ${mb(baseline)} to ${mb(peak)}`);
  });

  test('a 900 KB document is refused for its size, and the server stays up', async () => {
    const query = `# ${'z'.repeat(900_000)}\n{ __typename }`;
    const response = await post(JSON.stringify({ query }));
    assert.equal(response.status, 400);
    assert.equal(response.body.errors[0].extensions.code, 'validation-failed');
    assert.match(response.body.errors[0].message, /larger than 262144 bytes/);
    assert.equal((await request(`${server.url}/healthz`)).status, 200);
  });
});
