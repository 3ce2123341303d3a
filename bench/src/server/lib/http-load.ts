import autocannon from 'autocannon';
import { elapsedMs, type Measurement } from './stats.js';

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  /** One body per connection (index = connection number), or the same for all. */
  body?: string | ((connection: number) => string);
  /** A fresh body for every request (instead of `body`), e.g. a new person to register. */
  bodyPerRequest?: () => string;
  /** Looks at every 2xx answer's body; a returned message counts the answer as a failure. */
  checkBody?: (body: string) => string | undefined;
}

/** autocannon for `seconds`; every response's status and latency is recorded, any non-2xx fails. */
export function runHttpLoad(options: LoadOptions): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const failures = new Map<number, number>();
    let nextConnection = 0;
    const started = process.hrtime.bigint();
    const body = options.body;
    const bodyFailures = new Map<string, number>();
    const perRequest = options.bodyPerRequest
      ? {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>) => ({ ...request, body: options.bodyPerRequest!() }),
              ...(options.checkBody
                ? {
                    onResponse: (status: number, responseBody: string) => {
                      const problem = status < 300 ? options.checkBody!(responseBody) : undefined;
                      if (problem) bodyFailures.set(problem, (bodyFailures.get(problem) ?? 0) + 1);
                    },
                  }
                : {}),
            },
          ],
        }
      : {};
    const instance = autocannon(
      {
        url: options.url,
        method: options.method,
        headers: options.headers,
        connections: options.connections,
        duration: options.seconds,
        // Called once per connection: each keeps its own body for the whole run.
        ...(typeof body === 'function'
          ? { setupClient: (client) => client.setBody(body(nextConnection++)) }
          : body !== undefined
            ? { body }
            : {}),
        ...perRequest,
      } as autocannon.Options,
      (error: unknown, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const problems = [...failures].map(([status, count]) => `${count} × HTTP ${status}`);
        problems.push(...[...bodyFailures].map(([problem, count]) => `${count} × ${problem}`));
        if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
        if (result.non2xx > 0 || problems.length > 0) {
          return reject(
            new Error(`HTTP run had failures: ${problems.join(', ') || `${result.non2xx} non-2xx responses`}`),
          );
        }
        resolve({ completed: latenciesMs.length, seconds: elapsedMs(started) / 1000, latenciesMs });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
      else failures.set(statusCode, (failures.get(statusCode) ?? 0) + 1);
    });
  });
}
