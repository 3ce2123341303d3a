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
}

/** autocannon for `seconds`; every response's status and latency is recorded, any non-2xx fails. */
export function runHttpLoad(options: LoadOptions): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const failures = new Map<number, number>();
    let nextConnection = 0;
    const started = process.hrtime.bigint();
    const body = options.body;
    const instance = autocannon(
      {
        url: options.url,
        method: options.method,
        headers: options.headers,
        connections: options.connections,
        duration: options.seconds,
        // Called once per connection: each keeps its own body for the whole run.
        ...(typeof body === 'function' ? { setupClient: (client) => client.setBody(body(nextConnection++)) } : body !== undefined ? { body } : {}),
      },
      (error: unknown, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const problems = [...failures].map(([status, count]) => `${count} × HTTP ${status}`);
        if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
        if (result.non2xx > 0 || problems.length > 0) {
          return reject(new Error(`HTTP run had failures: ${problems.join(', ') || `${result.non2xx} non-2xx responses`}`));
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
