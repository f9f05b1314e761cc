// Builds the four ports from configuration, once, into one object that the HTTP app, the jobs and the admin
// commands share. Each port has two adapters: the embedded default and the production one.
import { join } from 'node:path';
import { DiskBlobStore } from './adapters/disk-blobs.js';
import { MemoryKeyValue } from './adapters/memory-kv.js';
import { OutboxMailer } from './adapters/outbox-mail.js';
import { openPglite } from './adapters/pglite.js';
import { openPostgres } from './adapters/postgres.js';
import { RedisKeyValue } from './adapters/redis-kv.js';
import { S3BlobStore } from './adapters/s3-blobs.js';
import { SmtpMailer } from './adapters/smtp-mail.js';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import type { Logger } from './logger.js';
import type { BlobStore } from './ports/blobs.js';
import type { Database } from './ports/database.js';
import type { KeyValue } from './ports/kv.js';
import type { Mailer } from './ports/mail.js';

export interface Backends {
  db: Database;
  blobs: BlobStore;
  kv: KeyValue;
  mail: Mailer;
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.databaseUrl !== undefined
    ? openPostgres({ url: config.databaseUrl, poolSize: config.databasePoolSize })
    : openPglite({ dataDir: config.dataDir });
}

export function openBlobStore(config: Config): BlobStore {
  return config.s3 !== undefined ? new S3BlobStore(config.s3) : new DiskBlobStore(join(config.dataDir, 'blobs'));
}

export async function openKeyValue(config: Config, logger: Logger): Promise<KeyValue> {
  if (config.redisUrl === undefined) return new MemoryKeyValue();
  const kv = new RedisKeyValue({ url: config.redisUrl, prefix: config.redisPrefix });
  if (!(await kv.connect())) logger.warn('Redis is not reachable yet; serving with per-process fallbacks until it is');
  return kv;
}

export function openMailer(config: Config, logger: Logger): Mailer {
  return config.smtp !== undefined ? new SmtpMailer(config.smtp, config.mailFrom) : new OutboxMailer(join(config.dataDir, 'outbox'), logger);
}

/** Opens every backend and brings the database schema up to date (creating an empty embedded database first). */
export async function openBackends(config: Config, logger: Logger): Promise<Backends> {
  const db = await openDatabase(config);
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ migrations: applied }, `applied ${applied.length} migration(s)`);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return { db, blobs: openBlobStore(config), kv: await openKeyValue(config, logger), mail: openMailer(config, logger) };
}

export async function closeBackends(backends: Backends): Promise<void> {
  await Promise.allSettled([backends.kv.close(), backends.blobs.close(), backends.mail.close()]);
  await backends.db.close();
}
