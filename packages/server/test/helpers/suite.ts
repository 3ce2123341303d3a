import { after, before } from 'node:test';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/**
 * A test server for the enclosing describe block, said once: started in its `before` hook (with
 * `env`, on `options.clock` when given), closed in its `after` hook. What it returns stands for
 * that server from the first test on; touched before, it throws.
 */
export function suiteServer(env: Record<string, string> = {}, options: TestServerOptions = {}): TestServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer(env, undefined, options);
  });
  after(() => server?.close());
  return new Proxy({} as TestServer, {
    get(_, key) {
      if (!server) throw new Error('the suite server is used before its before() hook has started it');
      return Reflect.get(server, key);
    },
  });
}
