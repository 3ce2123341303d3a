import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleForBrowser } from '../tools/browser-bundle.js';

describe('the SDK in a browser', () => {
  it('bundles for the browser platform with no Node-only import, and stays small', async (t) => {
    // esbuild fails the build on a Node built-in when the platform is the browser.
    const { minifiedBytes, gzippedBytes } = await bundleForBrowser();
    t.diagnostic(`${minifiedBytes} bytes minified, ${gzippedBytes} bytes gzipped`);
    // A budget, not a measurement: a change that doubles the size should be a decision.
    assert.ok(gzippedBytes < 6_000, `${gzippedBytes} bytes gzipped`);
  });
});
