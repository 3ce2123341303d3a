import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config/config.js';
import type { Rate } from './config/rate.js';
import { loadMasterKeys } from './crypto/master-keys.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { createLogger } from './logger.js';
import type { CounterStore } from './rate-limit/limiter.js';
import { PAVISE_VERSION } from './version.js';

export interface RunningPavise {
  url: string;
  server: FastifyInstance;
  db: Database;
  logger: Logger;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where JSON logs go (default: stdout). */
  logDestination?: Writable;
  /** Where the first-start bootstrap block goes (default: stdout). */
  output?: Writable;
  /** Where every time-based decision takes the time from (default: the system clock); tests move one. */
  clock?: Clock;
}

const HOUSEKEEPING_INTERVAL_MS = 15 * 60_000;

/** Opens and migrates the database, bootstraps a first owner, and starts the HTTP server. */
export async function startPavise(config: Config, options: StartOptions = {}): Promise<RunningPavise> {
  const logger = createLogger(config, options.logDestination);
  const output = options.output ?? process.stdout;
  const clock = options.clock ?? systemClock;
  // The server's modules (Fastify, GraphQL, the domains: some 300 ms of loading) load while the
  // database opens, whose start waits on file reads and on WebAssembly compiling off the main
  // thread: the two overlap. The handler only keeps a failed load from being reported before
  // the database's own error; it is awaited below.
  const loading = import('./server-modules.js');
  loading.catch(() => {});
  const db = await openDatabase(config, config.statementTimeoutMs);
  let counters: CounterStore | undefined;
  let server: FastifyInstance | undefined;
  try {
    const {
      AuthService,
      bootstrapOwner,
      buildServer,
      createDefaultDataController,
      createPrivacyModel,
      formatBootstrapBlock,
      GraphQLEngine,
      privacyRestEndpoints,
      privacyServices,
      SignInLimiter,
      SqlCounterStore,
      Vault,
      VerifiedOrigins,
      RequestRateLimiter,
      MailDelivery,
      Mailer,
      smtpTransport,
      RedirectPolicy,
      SubjectSignIn,
      purgeOutbox,
    } = await loading;
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    // One set of master keys wraps the vault's project keys, the privacy domain's controller keys
    // and the users' TOTP secrets.
    const masterKeys = await loadMasterKeys(config);
    // Links in mail name the server's public URL: PAVISE_PUBLIC_URL, or else the URL it listens on.
    let publicUrl = config.publicUrl ?? '';
    const mailDelivery = new MailDelivery(
      db,
      config.smtpUrl ? await smtpTransport(config.smtpUrl) : undefined,
      clock,
      logger,
      { from: config.mailFrom, maxAttempts: 8, leaseSeconds: 120, pollMs: 1000, logLinks: !config.production },
    );
    const mailer = new Mailer(mailDelivery, {
      publicUrl: () => publicUrl,
      messageIdDomain: config.mailFrom.address.split('@')[1]!,
    });
    const redirects = new RedirectPolicy(() => new URL(publicUrl).origin, config.redirectOrigins);
    const auth = await AuthService.create(db, config, clock, masterKeys, mailer);
    const sqlCounters = new SqlCounterStore(db);
    // ioredis is loaded only when it is used.
    counters = config.redisUrl
      ? new (await import('./rate-limit/redis-store.js')).RedisCounterStore(config.redisUrl)
      : sqlCounters;
    const store = counters;
    const onStoreError = (error: unknown) => logger.error({ err: error }, 'rate-limit store failed; request allowed');
    const signInLimiter = new SignInLimiter(store, config.rateLimit, clock, onStoreError);
    // Bootstrap before listening, so that a server that answers /healthz has its owner account;
    // the block is printed once the URL (and so the curl to show) is known.
    const credentials = config.bootstrap
      ? await bootstrapOwner(db, config.bootstrapEmail, createDefaultDataController, clock)
      : null;
    const services = privacyServices(masterKeys, { db, mailer, clock }, config.originVerification);
    const subjectSignIn = new SubjectSignIn(db, services.keys, auth, mailer, clock);
    const engine = new GraphQLEngine(
      db,
      createPrivacyModel(services),
      logger,
      config.graphqlLimits,
      clock,
      config.cacheBudgets,
    );
    const vault = new Vault(db, masterKeys, clock);
    const requestLimiter = (rate: Rate) =>
      new RequestRateLimiter(store, rate, config.rateLimit.enabled, onStoreError, clock);
    const vaultLimiter = requestLimiter(config.rateLimit.vault);
    const anonymousLimiter = requestLimiter(config.rateLimit.anonymous);
    server = buildServer({
      config,
      db,
      auth,
      engine,
      restEndpoints: privacyRestEndpoints,
      signInLimiter,
      vault,
      vaultLimiter,
      anonymousLimiter,
      mailLimiter: requestLimiter(config.rateLimit.mail),
      subjectSignIn,
      team: services.team,
      redirects,
      verifiedOrigins: new VerifiedOrigins(db, clock),
      logger,
    });
    await server.listen({ port: config.port, host: config.host });
    const address = server.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

    publicUrl ||= url;
    if (credentials) output.write(formatBootstrapBlock(credentials, url));
    logger.info(
      { version: PAVISE_VERSION, url, database: db.kind === 'pglite' ? `embedded (${config.dataDir})` : 'postgresql' },
      `Pavise ${PAVISE_VERSION} ready at ${url}`,
    );

    if (!config.smtpUrl)
      logger.info(
        { outbox: db.kind === 'pglite' ? `embedded (${config.dataDir})` : 'postgresql' },
        'no PAVISE_SMTP_URL: mail is kept in the development outbox in the database (npx pavise mail list), its links logged here',
      );
    mailDelivery.start();
    vault.startSealing(logger);
    const housekeeping = setInterval(() => {
      Promise.all([auth.deleteExpired(), sqlCounters.prune(clock.now()), purgeOutbox(db, clock.now())]).catch((error) =>
        logger.warn({ err: error }, 'housekeeping failed'),
      );
    }, HOUSEKEEPING_INTERVAL_MS);
    housekeeping.unref();

    let closing: Promise<void> | undefined;
    const runningServer = server;
    const runningCounters = counters;
    return {
      url,
      server,
      db,
      logger,
      close() {
        closing ??= (async () => {
          clearInterval(housekeeping);
          await runningServer.close();
          await mailDelivery.stop();
          await vault
            .stopSealing()
            .catch((error: unknown) => logger.warn({ err: error }, 'sealing the audit trail at shutdown failed'));
          await runningCounters.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await server?.close().catch(() => {});
    await counters?.close().catch(() => {});
    await db.close().catch(() => {});
    throw error;
  }
}
