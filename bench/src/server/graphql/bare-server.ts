/**
 * The bare baseline of the GraphQL benchmark: the statement Pavise's engine generates for the
 * benchmark's query, run with the `pg` driver behind a minimal Node HTTP handler — no GraphQL, no
 * authentication, no logging. It is the floor any server answering that query over HTTP must
 * pay, so "Pavise / bare" shows what the engine and its pipeline add.
 *
 * Environment: DATABASE_URL, PORT (0 = any), STATEMENT (JSON {"text", "values"}). Prints
 * "ready at http://127.0.0.1:<port>" once listening; SIGTERM stops it.
 */
import http from 'node:http';
import pg from 'pg';

const statement = JSON.parse(process.env.STATEMENT ?? 'null') as { text: string; values: unknown[] } | null;
if (!statement || typeof statement.text !== 'string' || !Array.isArray(statement.values))
  throw new Error('STATEMENT must be JSON {"text", "values"}');
// The same pool size as Pavise's default PAVISE_DB_POOL_MAX, and a named prepared statement as Pavise uses.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => {});
const query = { name: 'bench_list', text: statement.text, values: statement.values };

const server = http.createServer((request, response) => {
  // The body is read (a real server must), not parsed: the statement is fixed.
  request.resume();
  request.on('end', () => {
    pool.query<{ data: string }>(query).then(
      (result) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"data":${result.rows[0]!.data}}`);
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error.message);
      },
    );
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`ready at http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void pool.end();
});
