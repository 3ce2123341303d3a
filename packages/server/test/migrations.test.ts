import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { MIGRATIONS_DIR, MigrationError, migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { createTestDatabase, LANE } from './helpers/database.js';
import { runCli, startServerProcess } from './helpers/process.js';
import { parseBootstrapBlock } from './helpers/server.js';

describe('migrations', () => {
  it('apply all or nothing: a failing migration leaves the schema as it was', async () => {
    const database = await createTestDatabase({ empty: true });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pavise-migrations-'));
    const db = await openDatabase(loadConfig(database.env));
    try {
      await fs.writeFile(path.join(dir, '0001_good.sql'), 'CREATE TABLE first_table (id int);');
      await fs.writeFile(
        path.join(dir, '0002_bad.sql'),
        'CREATE TABLE second_table (id int); SELECT * FROM no_such_table;',
      );
      await assert.rejects(migrate(db, dir), /no_such_table/);
      const tables = await db.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_name IN ('first_table', 'second_table')",
      );
      assert.deepEqual(tables, []);
      const recorded = await db.query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'pavise' AND table_name = 'migrations'",
      );
      assert.deepEqual(recorded, [], 'not even the bookkeeping table was kept');

      await fs.writeFile(path.join(dir, '0002_bad.sql'), 'CREATE TABLE second_table (id int);');
      assert.deepEqual(await migrate(db, dir), ['0001_good', '0002_bad']);
      assert.deepEqual(await migrate(db, dir), []);
      // A corrected comment is not a change; a changed statement is.
      await fs.writeFile(path.join(dir, '0001_good.sql'), '-- the first table\nCREATE TABLE first_table (id int);\n');
      assert.deepEqual(await migrate(db, dir), []);
      await fs.writeFile(path.join(dir, '0001_good.sql'), 'CREATE TABLE first_table (id bigint);');
      await assert.rejects(
        migrate(db, dir),
        (error: unknown) => error instanceof MigrationError && /0001_good was changed/.test(error.message),
      );
      // Databases set up by an earlier Pavise recorded each file's whole hash: still accepted.
      const commented = '-- the first table\nCREATE TABLE first_table (id int);\n';
      await fs.writeFile(path.join(dir, '0001_good.sql'), commented);
      const legacy = createHash('sha256').update(commented).digest('hex');
      await db.query("UPDATE pavise.migrations SET checksum = $1 WHERE id = '0001_good'", [legacy]);
      assert.deepEqual(await migrate(db, dir), []);
      const [upgraded] = await db.query<{ checksum: string }>(
        "SELECT checksum FROM pavise.migrations WHERE id = '0001_good'",
      );
      assert.notEqual(upgraded!.checksum, legacy, 'the record is brought up to the statement checksum');
    } finally {
      await db.close();
      await fs.rm(dir, { recursive: true, force: true });
      await database.drop();
    }
  });

  it('serialise across processes starting together: each applied once, one bootstrap', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      if (LANE === 'pglite') {
        // The embedded database admits one process; a second one is refused, not raced.
        const results = await Promise.all([
          runCli(['migrate'], database.env),
          runCli(['migrate'], database.env),
          runCli(['migrate'], database.env),
        ]);
        assert.ok(results.some((r) => r.code === 0));
        for (const result of results.filter((r) => r.code !== 0))
          assert.match(result.stderr, /in use by another Pavise process/);
      } else {
        const results = await Promise.all([1, 2, 3].map(() => runCli(['migrate'], database.env)));
        assert.deepEqual(
          results.map((r) => r.code),
          [0, 0, 0],
          results.map((r) => r.stderr).join('\n'),
        );
        const servers = await Promise.all([startServerProcess(database.env), startServerProcess(database.env)]);
        try {
          const blocks = servers.map((s) => parseBootstrapBlock(s.stdout())).filter(Boolean);
          assert.equal(blocks.length, 1, 'exactly one process bootstraps');
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
        }
      }
      const db = await openDatabase(loadConfig(database.env));
      try {
        const applied = await db.query<{ id: string }>('SELECT id FROM pavise.migrations ORDER BY id');
        const files = (await fs.readdir(MIGRATIONS_DIR))
          .filter((f) => f.endsWith('.sql'))
          .map((f) => f.replace(/\.sql$/, ''))
          .sort();
        assert.deepEqual(
          applied.map((r) => r.id),
          files,
        );
      } finally {
        await db.close();
      }
    } finally {
      await database.drop();
    }
  });
});
