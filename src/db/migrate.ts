// Schema migrations: numbered SQL files in ./migrations, each applied once, in order, in its own transaction.
// Every process runs this at start; a PostgreSQL advisory lock makes pods that start together migrate exactly once
// (the others wait, then find nothing left to do).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../ports/database.js';

/** The advisory lock key for migrations: "sounio\0m" as a 64-bit integer, so it cannot clash with job locks by accident. */
const MIGRATION_LOCK = 0x736f756e696f006dn;

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file name must be NNN_name.sql: ${file}`);
      return { id: Number(match[1]), name: match[2]!, sql: readFileSync(`${dir}/${file}`, 'utf8') };
    })
    .sort((a, b) => a.id - b.id);
  migrations.forEach((migration, index) => {
    if (index > 0 && migration.id === migrations[index - 1]!.id) throw new Error(`two migrations numbered ${migration.id}`);
  });
  return migrations;
}

/** Applies every migration not yet applied; returns the names of those it applied. */
export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  return db.withAdvisoryLock(MIGRATION_LOCK, async (conn) => {
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await conn.query<{ id: number }>('SELECT id FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.id));
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await conn.query('BEGIN');
      try {
        await conn.query(migration.sql);
        await conn.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
        await conn.query('COMMIT');
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {});
        throw new Error(`migration ${migration.id}_${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(`${migration.id}_${migration.name}`);
    }
    return done;
  });
}
