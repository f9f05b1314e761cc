// The Database port on both adapters: migrations (idempotent, exactly once across concurrent pools), the schema's
// guarantees (seeded categories, canonical names, the permanent version record), transactions, advisory locks,
// error translation (a wrong query keeps its PostgreSQL error; an unreachable server is BackendUnavailableError),
// and the embedded database's persistence and DATA_DIR lock against this and other processes.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseLockedError, openPglite } from '../../src/adapters/pglite.js';
import { openPostgres } from '../../src/adapters/postgres.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { BackendUnavailableError } from '../../src/errors.js';
import type { Database } from '../../src/ports/database.js';
import { Children, freePort, sleep, waitForExit, waitForReady } from '../helpers/process.js';
import { createPostgresDatabase, describeNeeding, openTemplateDatabase, tempDir, type TestDatabase } from '../helpers/registry.js';

const MIGRATIONS = loadMigrations().map((migration) => `${migration.id}_${migration.name}`);

const CATEGORIES = [
  'algorithms', 'async', 'cli', 'concurrency', 'cryptography', 'data-science', 'database', 'development', 'ffi', 'graphics',
  'gui', 'math', 'network', 'no-std', 'os', 'parser', 'science', 'text', 'web', 'wasm',
];

const CHECKSUM = 'a'.repeat(64);

async function insertUser(db: Pick<Database, 'query'>, username: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO users (username, email) VALUES ($1, $2) RETURNING id', [username, `${username}@example.org`]);
  return rows[0]!.id;
}

async function userExists(db: Database, username: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM users WHERE username = $1', [username]);
  return rows.length === 1;
}

/** The advisory locks held in this database right now (other test databases on the same server do not count). */
async function advisoryLocks(conn: Pick<Database, 'query'>): Promise<number> {
  const { rows } = await conn.query<{ count: number }>(
    `SELECT count(*) AS count FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0]!.count;
}

/** Two holders of advisory locks started together; true when their critical sections overlapped in time. */
async function holdersOverlap(first: [Database, bigint], second: [Database, bigint]): Promise<boolean> {
  const spans: Array<[number, number]> = [];
  const hold = ([db, key]: [Database, bigint]) =>
    db.withAdvisoryLock(key, async (conn) => {
      const start = performance.now();
      await conn.query('SELECT 1');
      await sleep(250);
      await conn.query('SELECT 1');
      spans.push([start, performance.now()]);
    });
  await Promise.all([hold(first), hold(second)]);
  spans.sort((a, b) => a[0] - b[0]);
  return spans[1]![0] < spans[0]![1];
}

/** The suite every adapter must pass; returns the suite's database for adapter-specific tests. */
function databasePortSuite(open: () => Promise<TestDatabase>): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(async () => {
    await database?.drop();
  });
  const current = () => {
    if (database === undefined) throw new Error('database not open');
    return database;
  };
  const db = () => current().db;

  it('migrate() on a migrated database applies nothing and changes nothing', async () => {
    const before = await db().query('SELECT id, name, applied_at FROM schema_migrations ORDER BY id');
    expect(before.rows.map((row) => `${row['id']}_${row['name']}`)).toEqual(MIGRATIONS);
    expect(await migrate(db())).toEqual([]);
    expect(await migrate(db())).toEqual([]);
    const after = await db().query('SELECT id, name, applied_at FROM schema_migrations ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('has the 20 seeded categories', async () => {
    const { rows } = await db().query<{ slug: string; name: string }>('SELECT slug, name FROM categories ORDER BY slug');
    expect(rows.map((row) => row.slug)).toEqual([...CATEGORIES].sort());
    expect(rows.every((row) => row.name.length > 0)).toBe(true);
  });

  it('package names that differ only by - and _ collide on the canonical name', async () => {
    await db().query('INSERT INTO packages (name) VALUES ($1)', ['foo-bar']);
    const { rows } = await db().query('SELECT canonical_name FROM packages WHERE name = $1', ['foo-bar']);
    expect(rows).toEqual([{ canonical_name: 'foo_bar' }]);
    await expect(db().query('INSERT INTO packages (name) VALUES ($1)', ['foo_bar'])).rejects.toMatchObject({
      code: '23505',
      constraint: 'packages_canonical_name_key',
    });
    await expect(db().query('INSERT INTO packages (name) VALUES ($1)', ['foo-bar'])).rejects.toMatchObject({ code: '23505' });
    // Upper case never gets as far as the canonical name: it is not a valid name at all.
    await expect(db().query('INSERT INTO packages (name) VALUES ($1)', ['Foo-Bar'])).rejects.toMatchObject({ code: '23514' });
    const count = await db().query<{ count: number }>("SELECT count(*) AS count FROM packages WHERE canonical_name = 'foo_bar'");
    expect(count.rows[0]!.count).toBe(1);
  });

  it('a (package, version) is recorded once for ever: published_versions has a primary key', async () => {
    const insert = 'INSERT INTO published_versions (canonical_name, version_key, checksum) VALUES ($1, $2, $3)';
    await db().query(insert, ['pv_pkg', '1.0.0', CHECKSUM]);
    await db().query(insert, ['pv_pkg', '1.0.1', CHECKSUM]);
    await db().query(insert, ['pv_other', '1.0.0', CHECKSUM]);
    await expect(db().query(insert, ['pv_pkg', '1.0.0', 'b'.repeat(64)])).rejects.toMatchObject({
      code: '23505',
      constraint: 'published_versions_pkey',
    });
    const { rows } = await db().query('SELECT checksum FROM published_versions WHERE canonical_name = $1 AND version_key = $2', ['pv_pkg', '1.0.0']);
    expect(rows).toEqual([{ checksum: CHECKSUM }]);
  });

  it('transaction() commits when the work resolves', async () => {
    const id = await db().transaction(async (tx) => {
      const inserted = await insertUser(tx, 'tx_commit');
      const seen = await tx.query('SELECT id FROM users WHERE username = $1', ['tx_commit']);
      expect(seen.rows).toEqual([{ id: inserted }]);
      return inserted;
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { rows } = await db().query('SELECT id FROM users WHERE username = $1', ['tx_commit']);
    expect(rows).toEqual([{ id }]);
  });

  it('transaction() rolls back everything when the work throws, and rethrows that error', async () => {
    const failure = new Error('changed my mind');
    await expect(
      db().transaction(async (tx) => {
        await insertUser(tx, 'tx_rollback_a');
        await insertUser(tx, 'tx_rollback_b');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await userExists(db(), 'tx_rollback_a')).toBe(false);
    expect(await userExists(db(), 'tx_rollback_b')).toBe(false);

    // A failing statement inside the transaction: its error comes out unchanged, and earlier writes are undone.
    await expect(
      db().transaction(async (tx) => {
        await insertUser(tx, 'tx_rollback_c');
        await insertUser(tx, 'tx_rollback_c');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await userExists(db(), 'tx_rollback_c')).toBe(false);

    // The connection went back to the pool in a usable state (not stuck in an aborted transaction).
    for (let i = 0; i < 3; i++) {
      expect(await db().transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n)).toBe(1);
    }
    await db().ping();
  });

  it('withAdvisoryLock() holds a session lock during the work, releases it after, and serialises holders', async () => {
    const key = 0x7465737431n;
    const result = await db().withAdvisoryLock(key, async (conn) => {
      expect(await advisoryLocks(conn)).toBe(1);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await advisoryLocks(db())).toBe(0);

    const failure = new Error('work failed');
    await expect(
      db().withAdvisoryLock(key, async (conn) => {
        expect(await advisoryLocks(conn)).toBe(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await advisoryLocks(db())).toBe(0);

    expect(await holdersOverlap([db(), key], [db(), key])).toBe(false);
  });

  it('withAdvisoryLock(): work failing inside its own transaction leaves the lock released and the database usable', async () => {
    const key = 0x7465737433n;
    await expect(
      db().withAdvisoryLock(key, async (conn) => {
        await conn.query('BEGIN');
        await insertUser(conn, 'lock_tx_user');
        await conn.query('SELEC 1');
      }),
    ).rejects.toMatchObject({ code: '42601' });
    expect(await advisoryLocks(db())).toBe(0);
    expect(await userExists(db(), 'lock_tx_user')).toBe(false);
    expect(await db().transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n)).toBe(2);
    expect(await db().withAdvisoryLock(key, async (conn) => advisoryLocks(conn))).toBe(1);
    expect(await advisoryLocks(db())).toBe(0);
  });

  it('a wrong query keeps its PostgreSQL error and is not a BackendUnavailableError', async () => {
    const syntax = await db().query('SELEC 1').catch((error: unknown) => error);
    expect(syntax).toBeInstanceOf(Error);
    expect(syntax).not.toBeInstanceOf(BackendUnavailableError);
    expect(syntax).toMatchObject({ code: '42601', message: expect.stringContaining('syntax error') });
    const missing = await db().query('SELECT * FROM no_such_table').catch((error: unknown) => error);
    expect(missing).not.toBeInstanceOf(BackendUnavailableError);
    expect(missing).toMatchObject({ code: '42P01' });
    await db().ping();
  });

  return current;
}

describe('Database port on embedded PGlite', () => {
  databasePortSuite(async () => {
    const db = await openTemplateDatabase();
    return { db, drop: () => db.close() };
  });
});

describeNeeding(['TEST_DATABASE_URL'], 'Database port on PostgreSQL', () => {
  const database = databasePortSuite(() => createPostgresDatabase());
  const db = () => database().db;

  it('transaction(): other connections do not see uncommitted writes', async () => {
    await db().transaction(async (tx) => {
      await insertUser(tx, 'tx_isolated');
      expect(await userExists(db(), 'tx_isolated')).toBe(false);
    });
    expect(await userExists(db(), 'tx_isolated')).toBe(true);
  });

  it('withAdvisoryLock() excludes holders on other pools (other processes), and only for the same key', async () => {
    const other = openPostgres({ url: database().url!, poolSize: 2 });
    try {
      const key = 0x7465737432n;
      await db().withAdvisoryLock(key, async () => {
        const { rows } = await other.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [key.toString()]);
        expect(rows[0]!.got).toBe(false);
      });
      const free = await other.withAdvisoryLock(key, async () => 'taken');
      expect(free).toBe('taken');

      // Same key on two pools: one after the other. Different keys: side by side (the exclusion above is the lock's).
      expect(await holdersOverlap([db(), key], [other, key])).toBe(false);
      expect(await holdersOverlap([db(), key], [other, key + 1n])).toBe(true);
      expect(await advisoryLocks(db())).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('three pools migrating one empty database at once apply each migration exactly once', async () => {
    const fresh = await createPostgresDatabase({ migrated: false });
    const pools = [0, 1, 2].map(() => openPostgres({ url: fresh.url!, poolSize: 2 }));
    try {
      // Connected first, so the three migrations really start together.
      await Promise.all(pools.map((pool) => pool.ping()));
      const tables = await pools[0]!.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'");
      expect(tables.rowCount).toBe(0);

      const results = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(results.filter((applied) => applied.length > 0)).toEqual([MIGRATIONS]);
      expect(results.flat()).toEqual(MIGRATIONS);

      const { rows } = await pools[1]!.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
      expect(rows.map((row) => `${row.id}_${row.name}`)).toEqual(MIGRATIONS);
      const categories = await pools[2]!.query<{ count: number }>('SELECT count(*) AS count FROM categories');
      expect(categories.rows[0]!.count).toBe(20);

      expect(await Promise.all(pools.map((pool) => migrate(pool)))).toEqual([[], [], []]);
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
      await fresh.drop();
    }
  });

  it('a pool pointed at a dead port rejects with BackendUnavailableError at once', async () => {
    const port = await freePort();
    const dead = openPostgres({ url: `postgres://postgres@127.0.0.1:${port}/test`, poolSize: 1, connectTimeoutMs: 2000 });
    try {
      const started = Date.now();
      const error = await dead.query('SELECT 1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error).toMatchObject({ backend: 'database', message: expect.stringContaining('ECONNREFUSED') });
      await expect(dead.transaction(async () => 1)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(dead.withAdvisoryLock(1n, async () => 1)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(dead.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await dead.close();
    }
  });

  it('a server that accepts but never answers fails with BackendUnavailableError after the connect timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = openPostgres({ url: `postgres://postgres@127.0.0.1:${port}/test`, poolSize: 1, connectTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const error = await stuck.query('SELECT 1').catch((caught: unknown) => caught);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(4000);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      await stuck.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('embedded database under DATA_DIR', () => {
  const children = new Children();
  let dataDir: string;
  let lockFile: string;
  const holder = () => (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid;

  beforeAll(() => {
    dataDir = tempDir();
    lockFile = join(dataDir, 'db.lock');
  });
  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('persists: migrated once, a row written, closed, reopened, the row is there', { timeout: 60_000 }, async () => {
    const first = await openPglite({ dataDir });
    try {
      expect(await migrate(first)).toEqual(MIGRATIONS);
      expect(await migrate(first)).toEqual([]);
      await insertUser(first, 'persistent');
    } finally {
      await first.close();
    }
    expect(existsSync(lockFile)).toBe(false);

    const second = await openPglite({ dataDir });
    try {
      expect(await userExists(second, 'persistent')).toBe(true);
      expect(await migrate(second)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('a second open while the first is open fails naming the holder pid; after close it opens', async () => {
    const first = await openPglite({ dataDir });
    try {
      const error = await openPglite({ dataDir }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EmbeddedDatabaseLockedError);
      expect((error as Error).message).toContain(`process ${process.pid}`);
      expect((error as EmbeddedDatabaseLockedError).holder.pid).toBe(process.pid);
      // The refused attempt left the lock and the open database alone.
      expect(holder()).toBe(process.pid);
      expect(await userExists(first, 'persistent')).toBe(true);
    } finally {
      await first.close();
    }
    expect(existsSync(lockFile)).toBe(false);
    const again = await openPglite({ dataDir });
    expect(holder()).toBe(process.pid);
    await again.close();
  });

  it('a lock left by a process that died is taken over', async () => {
    const dead = children.start(['-e', ''], {}, { node: true });
    expect(await waitForExit(dead)).toEqual({ code: 0, signal: null });
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: dead.pid, hostname: hostname(), command: 'sounio-registry serve', started_at: new Date(Date.now() - 60_000).toISOString() }) + '\n',
    );
    const db = await openPglite({ dataDir });
    try {
      expect(holder()).toBe(process.pid);
      expect(await userExists(db, 'persistent')).toBe(true);
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a lock held by another live process (a running server) is refused, naming that process', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = children.start(['serve'], { DATA_DIR: dataDir, PORT: String(port) });
    await waitForReady(server, `http://127.0.0.1:${port}`);
    expect(holder()).toBe(server.pid);

    const error = await openPglite({ dataDir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbeddedDatabaseLockedError);
    expect((error as Error).message).toContain(`process ${server.pid}`);
    expect((error as EmbeddedDatabaseLockedError).holder.pid).toBe(server.pid);
    expect(holder()).toBe(server.pid);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);

    // Stopped gracefully, the server gives the lock back.
    server.child.kill('SIGTERM');
    expect(await waitForExit(server)).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile)).toBe(false);
  });
});
