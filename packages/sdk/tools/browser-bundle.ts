/**
 * The SDK as a browser would load it: bundled by esbuild for the browser platform (a Node-only
 * import fails the build), minified, and measured gzipped. graphql stays external: it is loaded
 * only for documents without source text, from the application's own copy.
 *
 * Run `npm run size -w packages/sdk` after `npm run build`.
 */

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface BrowserBundle {
  minifiedBytes: number;
  gzippedBytes: number;
}

/** The whole package, or only the named exports (what a bundler keeps when an app imports only them). */
export async function bundleForBrowser(only?: readonly string[]): Promise<BrowserBundle> {
  const index = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const result = await build({
    ...(only
      ? {
          stdin: {
            contents: `export { ${only.join(', ')} } from ${JSON.stringify(index)};`,
            resolveDir: fileURLToPath(new URL('.', import.meta.url)),
          },
        }
      : { entryPoints: [index] }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['graphql'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { minifiedBytes: code.byteLength, gzippedBytes: gzipSync(code, { level: 9 }).byteLength };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [label, only] of [
    ['the whole package', undefined],
    ['PaviseClient alone', ['PaviseClient']],
    ['PaviseClient with BrowserSession', ['PaviseClient', 'BrowserSession']],
    ['XtraClient alone', ['XtraClient']],
  ] as const) {
    const { minifiedBytes, gzippedBytes } = await bundleForBrowser(only);
    process.stdout.write(
      `@pavise/sdk for the browser, ${label}: ${minifiedBytes} bytes minified, ${gzippedBytes} bytes minified + gzipped\n`,
    );
  }
}
