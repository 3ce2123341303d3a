import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the site answers to every request: a status, headers and a body. */
export interface SiteAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A customer's website for the origin-verification and CORS tests: a second HTTP server on
 * 127.0.0.1 (a random port) whose answer the test sets, and which records what it was asked.
 */
export interface OriginSite {
  /** http://127.0.0.1:<port>, as a browser names it in Origin. */
  origin: string;
  /** What every request gets from now on (default: 404 with no body). */
  answer(answer: SiteAnswer): void;
  /** Serves `token` as the verification file, and 404 elsewhere. */
  serveToken(token: string): void;
  /**
   * Holds the next request unanswered: `received` resolves once it arrives, and `release` sends
   * `answer` to it (a slow site, without waiting on a timer).
   */
  holdNext(): { received: Promise<void>; release(answer: SiteAnswer): void };
  /** The requests so far: method, path and headers. */
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startOriginSite(): Promise<OriginSite> {
  let respond: (path: string) => SiteAnswer = () => ({ status: 404 });
  let held: ((send: (answer: SiteAnswer) => void) => void) | undefined;
  const requests: OriginSite['requests'] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push({ method: request.method ?? 'GET', path, headers: request.headers });
    const send = ({ status = 200, headers = {}, body = '' }: SiteAnswer) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(body);
    };
    if (held) {
      const hold = held;
      held = undefined;
      return hold(send);
    }
    send(respond(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    answer(answer) {
      respond = () => answer;
      requests.length = 0;
    },
    serveToken(token) {
      respond = (path) =>
        path === '/.well-known/pavise-verification.txt' ? { body: `${token}\n` } : { status: 404, body: 'not here' };
      requests.length = 0;
    },
    holdNext() {
      let release: (answer: SiteAnswer) => void = () => {};
      const received = new Promise<void>((arrived) => {
        held = (send) => {
          release = send;
          arrived();
        };
      });
      return { received, release: (answer) => release(answer) };
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
