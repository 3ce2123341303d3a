import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/clock.js';

/**
 * A clock that stands still until the test moves it: give it to startTestServer and every
 * decision the server makes by time (token lifetimes, expiries, grace and rate-limit windows,
 * deadlines) follows it. Timers (setTimeout, setInterval) are not affected.
 */
export class TestClock implements Clock {
  private ms: number;

  /** Starts at `start` (a Date or epoch milliseconds), by default the real time now. */
  constructor(start: Date | number = Date.now()) {
    this.ms = toMs(start);
  }

  /** Epoch milliseconds, as Date.now(). */
  now(): number {
    return this.ms;
  }

  /** The current time as a Date. */
  date(): Date {
    return new Date(this.ms);
  }

  /** Moves the clock by `ms` milliseconds (negative: back). */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError(`advance needs a finite number of milliseconds, not ${ms}`);
    this.ms += ms;
  }

  /** Sets the clock to `time` (a Date or epoch milliseconds). */
  set(time: Date | number): void {
    this.ms = toMs(time);
  }
}

function toMs(time: Date | number): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`not a valid time: ${String(time)}`);
  return ms;
}

export interface ClockControl {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * Lets a process other than the test's (a Python test, a child process) move `clock`, over HTTP
 * on the loopback interface. Test-only: the server itself has no route that moves its clock.
 *
 * - `GET /`               → `{"now": <epoch ms>}`
 * - `POST /advance {"ms": <number>}` → moves the clock, answers `{"now"}`
 * - `POST /set {"now": <epoch ms or ISO 8601>}` → sets it, answers `{"now"}`
 */
export async function serveClock(clock: TestClock): Promise<ClockControl> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const answer = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      try {
        const input = body ? JSON.parse(body) : {};
        if (request.method === 'POST' && request.url === '/advance') clock.advance(Number(input.ms));
        else if (request.method === 'POST' && request.url === '/set')
          clock.set(typeof input.now === 'string' ? new Date(input.now) : Number(input.now));
        else if (!(request.method === 'GET' && request.url === '/'))
          return answer(404, { error: 'GET /, POST /advance {"ms"} or POST /set {"now"}' });
        answer(200, { now: clock.now() });
      } catch (error) {
        answer(400, { error: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
