/**
 * The server package's test harness: a real Pavise server, in this process, on a fresh database
 * of the suite's lane (PGlite, or PostgreSQL with DATABASE_URL) — the very server the server's
 * own tests run. `npm run build` compiles the server before the SDK. A TestClock given to
 * startTestServer is the server's time (token lifetimes, rate-limit windows).
 */
export { startTestServer, TestClock, type TestServer } from '@pavise/server/test-harness';
