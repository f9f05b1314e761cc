// The PostgreSQL adapter (DATABASE_URL): a connection pool shared by every request of this process.
import pg from 'pg';
import { PgDatabase } from './pg-database.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Milliseconds to wait for a connection before the request fails with 503. */
  connectTimeoutMs?: number;
  /** Milliseconds a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
}

export function openPostgres(options: PostgresOptions): PgDatabase {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: 'sounio-registry',
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  return new PgDatabase('postgres', pool);
}
