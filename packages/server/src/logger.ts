import type { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config/config.js';

/**
 * Paths the logger itself censors, whatever a call site passes: credentials in headers, and the
 * bodies and token fields of requests and responses. Redaction at the logger means a careless
 * `log.info({ body })` cannot leak a PAT, password or refresh token.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-hasura-admin-secret"]',
  'res.headers["set-cookie"]',
  'body',
  'req.body',
  'res.body',
  'request.body',
  'password',
  '*.password',
  'personalAccessToken',
  '*.personalAccessToken',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'secret',
  '*.secret',
  // Database driver errors carry the statement's parameters and the offending values.
  'err.params',
  'err.parameters',
  'err.detail',
  'err.where',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, destination?: Writable): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'pavise' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      // Query strings can carry tokens or personal data (REST endpoints take variables there):
      // keep the parameter names, drop their values.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: scrubQuery(req.url),
        remoteAddress: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  if (config.logFormat === 'pretty') {
    destination ??= process.stdout;
    return pino(
      options,
      pretty({
        destination: destination as NodeJS.WritableStream,
        sync: true,
        colorize: Boolean((destination as { isTTY?: boolean }).isTTY),
        singleLine: true,
        // A terminal wants one short line per request; the JSON format keeps every field.
        ignore: 'pid,hostname,service,reqId,req,statusCode,responseTime',
        messageFormat: (log, messageKey) => {
          const req = log.req as { method?: string; url?: string } | undefined;
          return req
            ? `${req.method} ${req.url} → ${String(log.statusCode)} (${String(log.responseTime)} ms)`
            : String(log[messageKey]);
        },
      }),
    );
  }
  // JSON to stdout through pino's buffered writer: a synchronous write per line would cost every
  // request a blocking system call. pino flushes it when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export function scrubQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  const names = [...new Set(params.keys())];
  return `${url.slice(0, at)}?${names.map((name) => `${encodeURIComponent(name)}=…`).join('&')}`;
}
