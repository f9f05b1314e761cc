// The embedded database (the default): PGlite, PostgreSQL compiled to WebAssembly, persisted under DATA_DIR/db.
// It belongs to one process at a time. DATA_DIR/db.lock names the holder; a second process gets a clear error
// naming it instead of corrupting the database, and a lock left by a process that died is taken over.
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PgDatabase } from './pg-database.js';

export class EmbeddedDatabaseLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database in ${lockFile.replace(/\/db\.lock$/, '')} is in use by process ${holder.pid}` +
        ` (${holder.command}, started ${holder.started_at}); stop that process first, or use PostgreSQL with DATABASE_URL`,
    );
    this.name = 'EmbeddedDatabaseLockedError';
  }
}

interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  started_at: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A recycled pid that now belongs to something other than Node does not hold our lock.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|sounio/.test(cmdline);
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Lock files this process holds right now (a second open of the same DATA_DIR in one process is refused too). */
const heldLocks = new Set<string>();

/** Takes DATA_DIR/db.lock for this process; returns the function that gives it back. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(dataDir, 'db.lock');
  const mine: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: ['sounio-registry', ...process.argv.slice(2)].join(' ').slice(0, 200),
    started_at: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine) + '\n', { flag: 'wx' });
      heldLocks.add(file);
      return () => {
        heldLocks.delete(file);
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder === null) {
      // Being written by another process this very moment, or a torn file from a crash: look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      if (readHolder(file) === null && attempt >= 2) moveAside(file);
      continue;
    }
    // A lock naming this very pid is stale (a restarted container often gets the same pid) unless this process took it.
    const taken = holder.pid === process.pid ? heldLocks.has(file) : holder.hostname !== mine.hostname || isAlive(holder.pid);
    if (taken) {
      throw new EmbeddedDatabaseLockedError(file, holder);
    }
    moveAside(file); // its holder died: take over
  }
  throw new Error(`could not take ${file}; remove it if no registry process is running`);
}

function moveAside(file: string): void {
  try {
    renameSync(file, `${file}.stale-${process.pid}`);
    unlinkSync(`${file}.stale-${process.pid}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export interface PgliteOptions {
  /** Directory that holds DATA_DIR/db and the lock; absent with `loadDataDir` for an in-memory database (tests). */
  dataDir?: string;
  /** A dump made by `dumpDataDir` to start from (tests copy one migrated template this way). */
  loadDataDir?: Blob;
}

export class PgliteDatabase extends PgDatabase {
  constructor(
    private readonly pglite: PGlite,
    pool: pg.Pool,
    onClose: () => Promise<void>,
  ) {
    super('pglite', pool, onClose);
  }

  /** The whole database as a tarball, for tests that copy one migrated template into many databases. */
  async dumpDataDir(): Promise<Blob> {
    return (await this.pglite.dumpDataDir('none')) as Blob;
  }
}

export async function openPglite(options: PgliteOptions): Promise<PgliteDatabase> {
  const release = options.dataDir === undefined ? () => {} : lockDataDir(options.dataDir);
  let db: PGlite;
  try {
    const extensions = { pg_trgm, fuzzystrmatch };
    db =
      options.dataDir === undefined
        ? new PGlite({ extensions, ...(options.loadDataDir && { loadDataDir: options.loadDataDir }) })
        : new PGlite(join(options.dataDir, 'db'), { extensions });
    await db.waitReady;
  } catch (error) {
    release();
    throw error;
  }
  const pool = new pg.Pool(createPgConfig(db));
  pool.on('error', () => {});
  return new PgliteDatabase(db, pool, async () => {
    try {
      await db.close();
    } finally {
      release();
    }
  });
}
