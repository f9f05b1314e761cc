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
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // The server cancels a statement after statement_timeout, but only a server that still answers: when the network
    // silently drops everything (no reset), the client gives up a little later on its own, and the connection goes.
    query_timeout: statementTimeoutMs + 5_000,
    // Lets the kernel notice a peer that vanished from an idle pooled connection.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'sounio-registry',
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  return new PgDatabase('postgres', pool);
}
