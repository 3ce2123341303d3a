import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/**
 * Something the tests of the enclosing describe block share, said once: made by `start` in the
 * block's `before` hook (ahead of the hooks declared after this call), closed in its `after` hook.
 * What this returns stands for it from then on; touched before it exists, it throws.
 */
export function forSuite<T extends { close(): Promise<void> }>(start: () => Promise<T>): T {
  let value: T | undefined;
  before(async () => {
    value = await start();
  });
  after(() => value?.close());
  const current = (): T => {
    if (!value) throw new Error('a suite value is used before its before() hook has made it');
    return value;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(current(), key),
    has: (_, key) => Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(current(), key),
  });
}

/** A test server for the enclosing describe block (startTestServer with `env` and `options`). */
export function suiteServer(env: Record<string, string> = {}, options: TestServerOptions = {}): TestServer {
  return forSuite(() => startTestServer(env, undefined, options));
}

/** A temporary directory (named `prefix` and a random suffix) for the enclosing describe block, removed after it. */
export function suiteWorkDir(prefix: string): { readonly path: string } {
  return forSuite(async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    return { path: dir, close: () => fs.rm(dir, { recursive: true, force: true }) };
  });
}
