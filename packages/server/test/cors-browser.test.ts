import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type OriginSite, startOriginSite } from './helpers/origin-site.js';
import { verifiedSite } from './helpers/origins.js';
import { type PrivacyServer, signInSubject, startPrivacyServer } from './helpers/privacy.js';
import { unless } from './helpers/requirements.js';

/**
 * CORS in a real browser (Debian's chromium through playwright-core): a page on a site its data
 * controller verified calls Pavise's anonymous and dataSubject endpoints, preflights included;
 * a page on a site nobody verified cannot read an answer.
 */

/** What a page's fetch came to: the status and body, or the browser's refusal. */
type Outcome = { status: number; body: unknown } | { refused: string };

/** Runs a fetch of Pavise's GraphQL endpoint inside `page`, as the page's own script would. */
function fetchFromPage(page: Page, url: string, query: string, token?: string): Promise<Outcome> {
  return page.evaluate(
    async ({ url, query, token }) => {
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
        return { status: response.status, body: await response.json() };
      } catch (error) {
        return { refused: String(error) };
      }
    },
    { url, query, token },
  );
}

describe('CORS from a browser', { skip: await unless('chromium') }, () => {
  let server: PrivacyServer;
  let browser: Browser;
  let verified: OriginSite;
  let stranger: OriginSite;
  let controllerId: string;
  let subject: { token: string; subjectId: string };

  before(async () => {
    server = await startPrivacyServer();
    [verified, stranger] = await Promise.all([startOriginSite(), startOriginSite()]);
    const created = await server.newController('Widget Shop');
    controllerId = created.controllerId;
    await server.createSubject({ token: created.owner.token }, controllerId, { email: 'visitor@widget.example' });
    await verifiedSite(server, created.owner, controllerId, verified);
    subject = await signInSubject(server, controllerId, 'visitor@widget.example');
    for (const site of [verified, stranger])
      site.answer({
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!doctype html><title>Shop</title><p>Shop</p>',
      });
    // As root (CI containers), Chromium's sandbox cannot start.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await Promise.all([verified?.close(), stranger?.close()]);
    await server?.close();
  });

  const pageOn = async (site: OriginSite) => {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    return page;
  };

  it('a verified site reads anonymous and dataSubject answers (the JSON and Authorization headers need a preflight)', async () => {
    const page = await pageOn(verified);
    const anonymous = await fetchFromPage(
      page,
      `${server.url}/v1/graphql`,
      `{ consentForms(where: {dataControllerId: {_eq: "${controllerId}"}}) { id } }`,
    );
    assert.deepEqual(anonymous, { status: 200, body: { data: { consentForms: [] } } });
    const own = await fetchFromPage(page, `${server.url}/v1/graphql`, '{ dataSubjects { id } }', subject.token);
    assert.deepEqual(own, { status: 200, body: { data: { dataSubjects: [{ id: subject.subjectId }] } } });
    await page.close();
  });

  it('a site nobody verified cannot read an answer, anonymous or not', async () => {
    const page = await pageOn(stranger);
    for (const token of [undefined, subject.token]) {
      const outcome = await fetchFromPage(page, `${server.url}/v1/graphql`, '{ dataSubjects { id } }', token);
      assert.ok('refused' in outcome, JSON.stringify(outcome));
      assert.match(outcome.refused, /Failed to fetch/);
    }
    await page.close();
  });
});
