import { PassThrough } from 'node:stream';
import { type RunningPavise, startPavise } from '../../src/app.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { type Response, request } from './http.js';

// Through the package's test-harness export, other packages' tests get the clock with the server.
export type { Clock } from '../../src/clock.js';
export { type ClockControl, serveClock, TestClock } from './clock.js';

export interface TestServerOptions {
  /** The server's clock (default: the system clock); a TestClock lets the test move time. */
  clock?: Clock;
}

export interface TestServer {
  url: string;
  pavise: RunningPavise;
  database: TestDatabase;
  /** The clock the server runs on: options.clock, or the system clock. */
  clock: Clock;
  /** Everything the logger wrote, as text (JSON lines). */
  logs(): string;
  /** What the server printed outside the logger (the bootstrap block). */
  output(): string;
  /** The bootstrap owner's PAT and password, parsed from the printed block. */
  bootstrap: { email: string; password: string; pat: string } | undefined;
  call<T = any>(path: string, options?: Parameters<typeof request>[1]): Promise<Response<T>>;
  /** Signs in with the bootstrap PAT and returns the session. */
  signIn(): Promise<any>;
  close(): Promise<void>;
}

function capture(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export function parseBootstrapBlock(text: string): { email: string; password: string; pat: string } | undefined {
  const email = /Owner account\s+(\S+)/.exec(text)?.[1];
  const password = /Password\s+(\S+)/.exec(text)?.[1];
  const pat = /Access token\s+(pavise_pat_\S+)/.exec(text)?.[1];
  return email && password && pat ? { email, password, pat } : undefined;
}

/**
 * Starts Pavise in this process on a random port and a fresh database of the suite's lane (or
 * `database`), on `options.clock` when given.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  database?: TestDatabase,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const clock = options.clock ?? systemClock;
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({
    PAVISE_PORT: '0',
    PAVISE_LOG_FORMAT: 'json',
    PAVISE_LOG_LEVEL: 'info',
    ...db.env,
    ...env,
  });
  const logs = capture();
  const output = capture();
  const pavise = await startPavise(config, { logDestination: logs.stream, output: output.stream, clock });
  const bootstrap = parseBootstrapBlock(output.text());
  const call = <T = any>(path: string, options?: Parameters<typeof request>[1]) =>
    request<T>(`${pavise.url}${path}`, options);
  return {
    url: pavise.url,
    pavise,
    database: db,
    clock,
    logs: logs.text,
    output: output.text,
    bootstrap,
    call,
    async signIn() {
      const response = await call('/v1/signin/pat', { body: { personalAccessToken: bootstrap!.pat } });
      if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${response.text}`);
      return response.body.session;
    },
    async close() {
      await pavise.close();
      if (!database) await db.drop();
    },
  };
}
