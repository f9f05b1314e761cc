// The database port. Both adapters (embedded PGlite and PostgreSQL) are PostgreSQL speaking through node-postgres,
// so there is one SQL dialect and one query path. Queries are always parameterised ($1, $2 ...).

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `work` on one connection holding a session-level advisory lock (a transaction-free mutual exclusion across
   * every process sharing this database). Used for migrations and for jobs that must run once.
   */
  withAdvisoryLock<T>(key: bigint, work: (conn: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Connections of this process's pool, for metrics. */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}
