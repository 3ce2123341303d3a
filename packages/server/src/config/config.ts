import { Resolver } from 'node:dns';
import path from 'node:path';
import {
  type CacheBudgets,
  DEFAULT_CACHE_BUDGETS,
  DEFAULT_LIMITS,
  type QueryLimits,
} from '../graphql/limit-defaults.js';
import { normaliseOrigin } from '../input/origin.js';
import { type JwtSecretConfig, parseJwtSecret } from './jwt-secret.js';
import { parseRate, type Rate } from './rate.js';

/**
 * Typed configuration. The environment-variable names are part of Pavise's public contract
 * (docs/contracts.md §2); the extra PAVISE_RATE_LIMIT_*, PAVISE_GRAPHQL_MAX_*, PAVISE_LOG_*,
 * PAVISE_TRUST_PROXY, PAVISE_DB_POOL_MAX and PAVISE_REFRESH_TOKEN_GRACE_SECONDS knobs are ours.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  dbPoolMax: number;
  adminSecret: string | undefined;
  /** Undefined means "generate one on first start and keep it in the database". */
  jwtSecret: JwtSecretConfig | undefined;
  masterKey: Buffer | undefined;
  /** Older master keys that may still unwrap data keys (during a rotation). */
  masterKeysPrevious: Buffer[];
  accessTokenExpiresIn: number;
  refreshTokenExpiresIn: number;
  /** Seconds a just-rotated refresh token still yields the same successor. */
  refreshGraceSeconds: number;
  signup: 'open' | 'closed';
  bootstrap: boolean;
  bootstrapEmail: string;
  redisUrl: string | undefined;
  /** Where mail goes; undefined keeps it in the development outbox (the database). */
  smtpUrl: string | undefined;
  /** The From of every message: its address (the display name is the sender's: a controller, or Pavise). */
  mailFrom: { name: string; address: string };
  /** The server's URL as people reach it, for links in mail; undefined: the URL it listens on. */
  publicUrl: string | undefined;
  /** Origins (besides the server's own and a controller's verified ones) a redirectTo may name. */
  redirectOrigins: string[];
  rateLimit: {
    enabled: boolean;
    /** Failed sign-ins allowed per client IP (brute-force guard). */
    ipFailures: Rate;
    /** Sign-in attempts allowed per presented credential (PAT, refresh token or e-mail). */
    perCredential: Rate;
    /** Secrets-vault requests allowed per caller (user or service account). */
    vault: Rate;
    /** GraphQL and REST requests without credentials allowed per client IP. */
    anonymous: Rate;
    /** Mails (magic links, resets) asked for, per client IP and per recipient address. */
    mail: Rate;
  };
  graphqlLimits: QueryLimits;
  /** What one POST /v1/graphql may carry. */
  graphqlRequests: { maxQueryBytes: number; maxVariablesBytes: number; maxBatch: number };
  /** Milliseconds a database statement may run (PostgreSQL only: PGlite cannot interrupt one). */
  statementTimeoutMs: number;
  /** Deepest nesting of objects and arrays a JSON body may have. */
  maxJsonDepth: number;
  /** Byte budgets of the in-memory caches. */
  cacheBudgets: CacheBudgets & { verifiedTokens: number };
  trustProxy: boolean;
  /**
   * Origins besides the server's own that may call every surface from a browser, with any
   * session (the dashboard's), normalised (docs/contracts.md §1.1).
   */
  corsOrigins: string[];
  /** How verifyDataControllerOrigin may reach a controller's origin (docs/contracts.md §6.10). */
  originVerification: {
    /** Whether the origin may resolve to a loopback, private or otherwise internal address. */
    allowPrivateAddresses: boolean;
    /** DNS servers asked for TXT records (ip or ip:port); empty: the system's. */
    dnsServers: string[];
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logFormat: 'json' | 'pretty';
  production: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;

/** Reads and validates every variable, collecting all problems before failing. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  // Each reader returns the parsed value, or records a problem and returns the fallback so the
  // rest of the configuration can still be checked and reported in one go.
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T, accepts: string, secret = false): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      return parse(raw);
    } catch (error) {
      const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
      const shown = secret ? '' : ` got ${JSON.stringify(raw)};`;
      problems.push(`${name}:${shown} accepts ${accepts}${detail}`);
      return fallback;
    }
  };

  const integer = (min: number, max: number) => (raw: string) => {
    if (!/^\d+$/.test(raw.trim())) throw new Error('');
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error('');
    return value;
  };
  const rate = (name: string, limit: number, windowSeconds: number) =>
    read(name, { limit, windowSeconds }, parseRate, `"<count>/<seconds>", e.g. ${limit}/${windowSeconds}`);
  const bytes = integer(0, 4 * 1024 * MiB);
  const byteRange = 'a number of bytes from 0 to 4294967296';
  const oneOf =
    <T extends string>(...values: T[]) =>
    (raw: string) => {
      const value = raw.trim().toLowerCase() as T;
      if (!values.includes(value)) throw new Error('');
      return value;
    };
  const boolean = (raw: string) => {
    const value = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new Error('');
  };
  const url =
    (...protocols: string[]) =>
    (raw: string) => {
      const parsed = new URL(raw.trim());
      if (!protocols.includes(parsed.protocol)) throw new Error(`protocol ${parsed.protocol}`);
      return raw.trim();
    };

  const list = (raw: string) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');

  const portVariable = env.PAVISE_PORT !== undefined && env.PAVISE_PORT !== '' ? 'PAVISE_PORT' : 'PORT';
  const production = (env.NODE_ENV ?? '').toLowerCase() === 'production';

  const config: Config = {
    port: read(portVariable, 8080, integer(0, 65535), 'an integer from 0 to 65535'),
    host: read(
      'PAVISE_HOST',
      '127.0.0.1',
      (raw) => {
        if (!/^[A-Za-z0-9.:\-[\]]+$/.test(raw.trim())) throw new Error('');
        return raw.trim();
      },
      'a host name or IP address such as 127.0.0.1 or 0.0.0.0',
    ),
    dataDir: path.resolve(
      cwd,
      read('PAVISE_DATA_DIR', '.pavise', (raw) => raw, 'a directory path'),
    ),
    databaseUrl: read(
      'DATABASE_URL',
      undefined,
      url('postgres:', 'postgresql:'),
      'a postgres:// or postgresql:// connection URL',
      true,
    ),
    dbPoolMax: read('PAVISE_DB_POOL_MAX', 10, integer(1, 1000), 'an integer from 1 to 1000'),
    adminSecret: read(
      'PAVISE_ADMIN_SECRET',
      undefined,
      (raw) => {
        if (raw.length < 16) throw new Error('too short');
        return raw;
      },
      'a secret of at least 16 characters',
      true,
    ),
    jwtSecret: read(
      'PAVISE_JWT_SECRET',
      undefined,
      parseJwtSecret,
      'Hasura-format JSON such as {"type":"HS256","key":"<at least 32 characters>"} (types HS256/384/512, RS256/384/512, EdDSA with "key" and "signing_key" PEMs)',
      true,
    ),
    masterKey: read(
      'PAVISE_MASTER_KEY',
      undefined,
      parseMasterKey,
      '32 random bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)',
      true,
    ),
    masterKeysPrevious: read(
      'PAVISE_MASTER_KEY_PREVIOUS',
      [],
      (raw) =>
        raw
          .split(',')
          .filter((part) => part.trim() !== '')
          .map(parseMasterKey),
      'a comma-separated list of master keys, each 64 hex characters or base64',
      true,
    ),
    accessTokenExpiresIn: read(
      'PAVISE_ACCESS_TOKEN_EXPIRES_IN',
      3600,
      integer(1, 31_536_000),
      'a whole number of seconds from 1 to 31536000',
    ),
    refreshTokenExpiresIn: read(
      'PAVISE_REFRESH_TOKEN_EXPIRES_IN',
      43_200,
      integer(1, 31_536_000),
      'a whole number of seconds from 1 to 31536000',
    ),
    refreshGraceSeconds: read(
      'PAVISE_REFRESH_TOKEN_GRACE_SECONDS',
      10,
      integer(0, 60),
      'a whole number of seconds from 0 to 60',
    ),
    signup: read('PAVISE_SIGNUP', 'open' as const, oneOf('open', 'closed'), '"open" or "closed"'),
    bootstrap: read('PAVISE_BOOTSTRAP', true, boolean, '"true" or "false"'),
    bootstrapEmail: read(
      'PAVISE_BOOTSTRAP_EMAIL',
      'admin@localhost',
      (raw) => {
        const value = raw.trim().toLowerCase();
        if (!isEmail(value)) throw new Error('');
        return value;
      },
      'an e-mail address such as admin@example.com',
    ),
    redisUrl: read('REDIS_URL', undefined, url('redis:', 'rediss:'), 'a redis:// or rediss:// URL', true),
    smtpUrl: read('PAVISE_SMTP_URL', undefined, url('smtp:', 'smtps:'), 'an smtp:// or smtps:// URL', true),
    mailFrom: read(
      'PAVISE_MAIL_FROM',
      { name: 'Pavise', address: 'noreply@localhost' },
      parseMailbox,
      'an address such as noreply@example.com or "Pavise <noreply@example.com>"',
    ),
    publicUrl: read(
      'PAVISE_PUBLIC_URL',
      undefined,
      (raw) => {
        const parsed = new URL(raw.trim());
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`protocol ${parsed.protocol}`);
        return parsed.origin + parsed.pathname.replace(/\/+$/, '');
      },
      'an http:// or https:// URL such as https://pavise.example.com',
    ),
    redirectOrigins: read(
      'PAVISE_REDIRECT_ORIGINS',
      [],
      (raw) =>
        raw
          .split(',')
          .filter((part) => part.trim() !== '')
          .map(parseOrigin),
      'a comma-separated list of origins such as https://app.example.com',
    ),
    rateLimit: {
      enabled: read('PAVISE_RATE_LIMIT', true, boolean, '"true" or "false"'),
      ipFailures: rate('PAVISE_RATE_LIMIT_IP_FAILURES', 10, 300),
      perCredential: rate('PAVISE_RATE_LIMIT_PER_CREDENTIAL', 60, 300),
      vault: rate('PAVISE_RATE_LIMIT_VAULT', 1200, 60),
      anonymous: rate('PAVISE_RATE_LIMIT_ANONYMOUS', 600, 60),
      mail: rate('PAVISE_RATE_LIMIT_MAIL', 10, 3600),
    },
    graphqlLimits: {
      maxDepth: read(
        'PAVISE_GRAPHQL_MAX_DEPTH',
        DEFAULT_LIMITS.maxDepth,
        integer(1, 100),
        'a whole number from 1 to 100',
      ),
      maxSelections: read(
        'PAVISE_GRAPHQL_MAX_SELECTIONS',
        DEFAULT_LIMITS.maxSelections,
        integer(1, 100_000),
        'a whole number from 1 to 100000',
      ),
      maxRows: read(
        'PAVISE_GRAPHQL_MAX_ROWS',
        DEFAULT_LIMITS.maxRows,
        integer(1, 10_000_000),
        'a whole number from 1 to 10000000',
      ),
      maxFilterDepth: read(
        'PAVISE_GRAPHQL_MAX_WHERE_DEPTH',
        DEFAULT_LIMITS.maxFilterDepth,
        integer(1, 64),
        'a whole number from 1 to 64',
      ),
      maxFilterTerms: read(
        'PAVISE_GRAPHQL_MAX_WHERE_TERMS',
        DEFAULT_LIMITS.maxFilterTerms,
        integer(1, 1_000_000),
        'a whole number from 1 to 1000000',
      ),
      maxDocumentNesting: read(
        'PAVISE_GRAPHQL_MAX_NESTING',
        DEFAULT_LIMITS.maxDocumentNesting,
        integer(8, 1_000),
        'a whole number from 8 to 1000',
      ),
    },
    graphqlRequests: {
      maxQueryBytes: read('PAVISE_GRAPHQL_MAX_QUERY_BYTES', 262_144, bytes, byteRange),
      maxVariablesBytes: read('PAVISE_GRAPHQL_MAX_VARIABLES_BYTES', 1_048_576, bytes, byteRange),
      maxBatch: read('PAVISE_GRAPHQL_MAX_BATCH', 20, integer(1, 1_000), 'a whole number from 1 to 1000'),
    },
    statementTimeoutMs: read(
      'PAVISE_GRAPHQL_STATEMENT_TIMEOUT_MS',
      30_000,
      integer(0, 3_600_000),
      'milliseconds from 0 (no limit) to 3600000',
    ),
    maxJsonDepth: read('PAVISE_MAX_JSON_DEPTH', 64, integer(2, 1_000), 'a whole number from 2 to 1000'),
    cacheBudgets: {
      plans: read('PAVISE_CACHE_PLAN_BYTES', DEFAULT_CACHE_BUDGETS.plans, bytes, byteRange),
      statements: read('PAVISE_CACHE_STATEMENT_BYTES', DEFAULT_CACHE_BUDGETS.statements, bytes, byteRange),
      schemas: read('PAVISE_CACHE_SCHEMA_BYTES', DEFAULT_CACHE_BUDGETS.schemas, bytes, byteRange),
      verifiedTokens: read('PAVISE_CACHE_TOKEN_BYTES', 8 * MiB, bytes, byteRange),
    },
    trustProxy: read('PAVISE_TRUST_PROXY', false, boolean, '"true" or "false"'),
    corsOrigins: read(
      'PAVISE_CORS_ORIGINS',
      [],
      (raw) => list(raw).map(parseOrigin),
      'a comma-separated list of origins such as https://dashboard.example.com,http://localhost:3000 (scheme, host and port only)',
    ),
    originVerification: {
      // Development and tests verify sites on this machine; a production server must not be led
      // to its own network by a name that resolves there.
      allowPrivateAddresses: read(
        'PAVISE_ORIGIN_VERIFICATION_ALLOW_PRIVATE',
        !production,
        boolean,
        '"true" or "false"',
      ),
      dnsServers: read(
        'PAVISE_ORIGIN_VERIFICATION_DNS_SERVERS',
        [],
        (raw) => {
          const servers = list(raw);
          // The resolver's own parser decides: it throws on anything that is not ip or ip:port.
          new Resolver().setServers(servers);
          return servers;
        },
        'a comma-separated list of DNS server addresses such as 1.1.1.1,[2606:4700:4700::1111]:53',
      ),
    },
    logLevel: read(
      'PAVISE_LOG_LEVEL',
      'info' as const,
      oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
      'fatal, error, warn, info, debug, trace or silent',
    ),
    logFormat: read(
      'PAVISE_LOG_FORMAT',
      process.stdout.isTTY ? ('pretty' as const) : ('json' as const),
      oneOf('json', 'pretty'),
      '"json" or "pretty"',
    ),
    production,
  };

  if (config.masterKeysPrevious.length > 0 && config.masterKey === undefined) {
    problems.push('PAVISE_MASTER_KEY_PREVIOUS: only meaningful with PAVISE_MASTER_KEY; set the active master key too');
  }
  if (production && config.masterKey === undefined && !problems.some((p) => p.startsWith('PAVISE_MASTER_KEY'))) {
    problems.push(
      'PAVISE_MASTER_KEY: required when NODE_ENV=production; accepts 32 random bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function isEmail(value: string): boolean {
  // Deliberately permissive (admin@localhost is valid): delivery is the real test of an address.
  return value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value);
}

/** "noreply@example.com" or "Name <noreply@example.com>". */
export function parseMailbox(raw: string): { name: string; address: string } {
  const match = /^\s*(?:"?([^"<>]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(raw);
  const address = (match?.[2] ?? match?.[3] ?? '').toLowerCase();
  if (!isEmail(address)) throw new Error('');
  return { name: match?.[1]?.trim() || 'Pavise', address };
}

/** An origin (scheme, host and port, nothing else), normalised as browsers send it (input/origin.ts). */
export function parseOrigin(raw: string): string {
  const origin = normaliseOrigin(raw);
  if (!origin) throw new Error(`${JSON.stringify(raw.trim())} is not an origin`);
  return origin;
}

export function parseMasterKey(raw: string): Buffer {
  const value = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error('');
  return key;
}
