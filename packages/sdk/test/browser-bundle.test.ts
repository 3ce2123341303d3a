import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleForBrowser } from '../tools/browser-bundle.js';

describe('the SDK in a browser', () => {
  it('bundles for the browser platform with no Node-only import, and stays small', async (t) => {
    // esbuild fails the build on a Node built-in when the platform is the browser.
    const { minifiedBytes, gzippedBytes } = await bundleForBrowser();
    t.diagnostic(`${minifiedBytes} bytes minified, ${gzippedBytes} bytes gzipped`);
    // A budget, not a measurement: a change that doubles the size should be a decision.
    // 8 000 since BrowserSession (some 1 kB gzipped) joined the package's 6.4 kB.
    assert.ok(gzippedBytes < 8_000, `${gzippedBytes} bytes gzipped`);
  });

  it('lets a bundler keep only the client an application imports', async (t) => {
    const pavise = await bundleForBrowser(['PaviseClient']);
    const xtra = await bundleForBrowser(['XtraClient']);
    const whole = await bundleForBrowser();
    t.diagnostic(`PaviseClient alone ${pavise.gzippedBytes} bytes gzipped, XtraClient alone ${xtra.gzippedBytes}`);
    assert.ok(pavise.gzippedBytes < 4_000, `PaviseClient alone: ${pavise.gzippedBytes} bytes gzipped`);
    const withSession = await bundleForBrowser(['PaviseClient', 'BrowserSession']);
    assert.ok(
      withSession.gzippedBytes < 5_000,
      `PaviseClient with BrowserSession: ${withSession.gzippedBytes} bytes gzipped`,
    );
    assert.ok(xtra.gzippedBytes < 4_500, `XtraClient alone: ${xtra.gzippedBytes} bytes gzipped`);
    // Each alone is well under the whole: the other client was dropped.
    assert.ok(pavise.gzippedBytes < whole.gzippedBytes * 0.75 && xtra.gzippedBytes < whole.gzippedBytes * 0.75);
  });
});
