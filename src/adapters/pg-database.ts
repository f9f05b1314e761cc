// The Database port over a node-postgres Pool. Both adapters end here: PostgreSQL with a real pool, PGlite through
// its node-postgres bridge with a pool of one connection (which also serialises its use, as PGlite requires).
import pg from 'pg';
import { BackendUnavailableError } from '../errors.js';
import type { Database, Queryable, QueryResult } from '../ports/database.js';

// bigint columns (counters, totals) come back as numbers rather than strings: counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/** True for failures that say "the database is not reachable right now" rather than "this query is wrong". */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNOS.has(code)) return true;
    // SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, cannot connect now), 53300 (too many connections).
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Query read timeout|Client was closed and is not queryable/i.test(error.message);
}

function translate(error: unknown): unknown {
  return isConnectionError(error) ? new BackendUnavailableError('database', error) : error;
}

async function run<Row>(target: pg.PoolClient, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
  try {
    const result = await target.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw translate(error);
  }
}

export class PgDatabase implements Database {
  constructor(
    readonly kind: 'pglite' | 'postgres',
    private readonly pool: pg.Pool,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  // Not pool.query(): that drops the connection after any failed statement (see release).
  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const client = await this.connect();
    let broken = false;
    try {
      return await run<Row>(client, sql, params);
    } catch (error) {
      broken = error instanceof BackendUnavailableError;
      throw error;
    } finally {
      this.release(client, broken);
    }
  }

  /**
   * A client checked out of the pool has no 'error' listener of the pool's (it has one only while idle), and its
   * connection can fail between two statements (the server gone, the network cut): an 'error' event nobody listens
   * to would crash the process. So every checked-out client gets one until it is released, which notes the failure
   * (the client is then dropped on release); the statement that follows fails as a connection error.
   */
  private readonly checkedOut = new WeakMap<pg.PoolClient, { listener: (error: Error) => void; failed: boolean }>();

  private async connect(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    const entry = { failed: false, listener: (_error: Error) => void (entry.failed = true) };
    this.checkedOut.set(client, entry);
    client.on('error', entry.listener);
    return client;
  }

  /**
   * Returns a client to the pool, dropping it only when its connection failed. Never on PGlite: its one session
   * outlives the client, and its bridge hands the same connection object to the next client, which then reads the
   * dropped client's leftover messages (after that every query failed, and the process could crash).
   */
  private release(client: pg.PoolClient, broken: boolean): void {
    const entry = this.checkedOut.get(client);
    if (entry !== undefined) {
      client.off('error', entry.listener);
      this.checkedOut.delete(client);
    }
    client.release((broken || entry?.failed === true) && this.kind === 'postgres');
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
    let broken = false;
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: do not return it to the pool
      }
      throw error;
    } finally {
      this.release(client, broken);
    }
  }

  async withAdvisoryLock<T>(key: bigint, work: (conn: Queryable) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const conn: Queryable = { query: (sql, params) => run(client, sql, params) };
    let broken = false;
    try {
      await conn.query('SELECT pg_advisory_lock($1)', [key.toString()]);
      try {
        return await work(conn);
      } finally {
        await conn
          .query('SELECT pg_advisory_unlock($1)', [key.toString()])
          // The work failed inside a transaction of its own: end that, then unlock (PGlite's one session must be
          // put right; a PostgreSQL connection that still fails is dropped, which releases a session lock as well).
          .catch(async () => {
            await conn.query('ROLLBACK');
            await conn.query('SELECT pg_advisory_unlock($1)', [key.toString()]);
          })
          .catch(() => {
            broken = true;
          });
      }
    } catch (error) {
      if (isConnectionError(error) || error instanceof BackendUnavailableError) broken = true;
      throw error;
    } finally {
      this.release(client, broken);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  poolStats(): { total: number; idle: number; waiting: number; max: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: this.pool.options.max ?? 10 };
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.onClose();
  }
}
