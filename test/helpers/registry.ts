// Test registries on real backends. The same API suite runs on the embedded backends (always) and on PostgreSQL +
// Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set. Every registry gets its own database (created and
// dropped) and its own REDIS_PREFIX, so test files never see each other, even in parallel. With CI=true a
// real-service suite that would be skipped fails instead.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/disk-blobs.js';
import { MemoryKeyValue } from '../../src/adapters/memory-kv.js';
import { OutboxMailer } from '../../src/adapters/outbox-mail.js';
import { openPglite } from '../../src/adapters/pglite.js';
import { openPostgres } from '../../src/adapters/postgres.js';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import { S3BlobStore } from '../../src/adapters/s3-blobs.js';
import { SmtpMailer } from '../../src/adapters/smtp-mail.js';
import { loadConfig } from '../../src/config.js';
import type { Context } from '../../src/context.js';
import { migrate } from '../../src/db/migrate.js';
import { buildApp } from '../../src/http/app.js';
import { checkResponses } from './conformance.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Database } from '../../src/ports/database.js';
import type { KeyValue } from '../../src/ports/kv.js';

export type BackendKind = 'embedded' | 'postgres';

/** Every test request comes from 127.0.0.1: limits high enough that only the rate-limit tests (which set their own) meet them. */
const GENEROUS_LIMITS: Record<string, string> = Object.fromEntries(
  ['SEARCH_ANON', 'SEARCH_AUTH', 'DOWNLOAD_ANON', 'DOWNLOAD_AUTH', 'PUBLISH_AUTH', 'OTHER_ANON', 'OTHER_AUTH', 'ACCOUNT', 'WEB_ANON', 'WEB_AUTH'].map((name) => [
    `RATE_LIMIT_${name}`,
    '1000000',
  ]),
);

export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'];
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'];
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

export function realServicesAvailable(): boolean {
  return TEST_DATABASE_URL !== undefined && TEST_REDIS_URL !== undefined;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function tempDir(prefix = 'sounio-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An embedded database copied from the migrated template made by the global setup. */
export async function openTemplateDatabase(): Promise<Database> {
  const dump = readFileSync(inject('pgliteTemplate'));
  return openPglite({ loadDataDir: new Blob([dump]) });
}

export interface TestDatabase {
  db: Database;
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database on the TEST_DATABASE_URL server, dropped by `drop()`. */
export async function createPostgresDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE_URL === undefined) throw new Error('TEST_DATABASE_URL is not set');
  const name = uniqueName('sounio_test');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = openPostgres({ url: url.toString(), poolSize: 10 });
  if (options.migrated !== false) await migrate(db);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close().catch(() => {});
      const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Deletes every Redis key under a prefix (a test's own namespace). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  if (TEST_REDIS_URL === undefined) return;
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function openTestRedis(prefix = uniqueName('sounio_test') + ':'): Promise<RedisKeyValue> {
  if (TEST_REDIS_URL === undefined) throw new Error('TEST_REDIS_URL is not set');
  const kv = new RedisKeyValue({ url: TEST_REDIS_URL, prefix });
  if (!(await kv.connect())) throw new Error(`cannot reach Redis at ${TEST_REDIS_URL}`);
  return kv;
}

export interface MailRecord {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  links: string[];
}

export interface TestRegistry {
  kind: BackendKind;
  ctx: Context;
  app: FastifyInstance;
  dataDir: string;
  /** Every message written to the outbox so far, oldest first. */
  outbox(): MailRecord[];
  close(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Extra environment for loadConfig (e.g. limits). */
  env?: Record<string, string>;
  /** Where logs go (a test that inspects them); silent otherwise. */
  logger?: Logger;
  /** Routes added before the app is ready (tests of the shared error handling). */
  extraRoutes?: (app: FastifyInstance) => void;
}

export async function createTestRegistry(kind: BackendKind, options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dataDir = tempDir();
  const prefix = uniqueName('sounio_test') + ':';
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', REDIS_PREFIX: prefix, ...GENEROUS_LIMITS, ...options.env });
  let database: TestDatabase;
  let kv: KeyValue;
  if (kind === 'embedded') {
    const db = await openTemplateDatabase();
    database = { db, drop: () => db.close() };
    kv = new MemoryKeyValue();
  } else {
    database = await createPostgresDatabase();
    kv = await openTestRedis(prefix);
  }
  const ctx: Context = {
    config,
    secrets: { jwtSecret: randomBytes(32).toString('hex'), sessionSecret: randomBytes(32).toString('hex') },
    logger: options.logger ?? createLogger('silent'),
    db: database.db,
    // S3_BUCKET in `env` stores blobs in S3 (tests that run s3rver); a directory otherwise.
    blobs: config.s3 !== undefined ? new S3BlobStore(config.s3) : new DiskBlobStore(join(dataDir, 'blobs')),
    kv,
    // SMTP_HOST in `env` sends real mail (tests that run an SMTP server); the outbox otherwise.
    mail: config.smtp !== undefined ? new SmtpMailer(config.smtp, config.mailFrom) : new OutboxMailer(join(dataDir, 'outbox')),
  };
  const app = await buildApp(ctx);
  options.extraRoutes?.(app.fastify);
  checkResponses(app.fastify);
  await app.fastify.ready();
  return {
    kind,
    ctx,
    app: app.fastify,
    dataDir,
    outbox: () => {
      const dir = join(dataDir, 'outbox');
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((file) => file.endsWith('.json')).sort();
      } catch {
        return [];
      }
      return files.map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as MailRecord);
    },
    close: async () => {
      await app.fastify.close();
      await kv.close();
      await database.drop();
      await deleteRedisPrefix(prefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The backends this run covers: always the embedded ones; PostgreSQL + Redis when configured. */
export function backendKinds(): BackendKind[] {
  return realServicesAvailable() ? ['embedded', 'postgres'] : ['embedded'];
}

/**
 * Declares a suite once per backend. Each gets its own registry (database, Redis prefix, data directory) built
 * before its tests and closed after. Without TEST_DATABASE_URL/TEST_REDIS_URL the PostgreSQL run is skipped with a
 * message, or fails when CI=true.
 */
export function describeEachBackend(
  title: string,
  body: (registry: () => TestRegistry, kind: BackendKind) => void,
  options: TestRegistryOptions = {},
): void {
  for (const kind of ['embedded', 'postgres'] as const) {
    const name = `${title} [${kind === 'embedded' ? 'PGlite + memory' : 'PostgreSQL + Redis'}]`;
    if (kind === 'postgres' && !realServicesAvailable()) {
      if (IN_CI) {
        describe(name, () => {
          it('needs TEST_DATABASE_URL and TEST_REDIS_URL (CI=true: a skipped real-service suite is a failure)', () => {
            throw new Error('CI=true but TEST_DATABASE_URL and/or TEST_REDIS_URL is not set');
          });
        });
      } else {
        describe.skip(`${name}: set TEST_DATABASE_URL and TEST_REDIS_URL to run`, () => {
          it('skipped', () => {});
        });
      }
      continue;
    }
    describe(name, () => {
      let registry: TestRegistry | undefined;
      beforeAll(async () => {
        registry = await createTestRegistry(kind, options);
      });
      afterAll(async () => {
        await registry?.close();
      });
      body(() => {
        if (registry === undefined) throw new Error('registry not ready');
        return registry;
      }, kind);
    });
  }
}

/** Like describeEachBackend, for suites that need only the real services (no registry is built for them). */
export function describeRealServices(title: string, body: () => void): void {
  if (realServicesAvailable()) {
    describe(title, body);
  } else if (IN_CI) {
    describe(title, () => {
      it('needs TEST_DATABASE_URL and TEST_REDIS_URL (CI=true: a skipped real-service suite is a failure)', () => {
        throw new Error('CI=true but TEST_DATABASE_URL and/or TEST_REDIS_URL is not set');
      });
    });
  } else {
    describe.skip(`${title}: set TEST_DATABASE_URL and TEST_REDIS_URL to run`, body);
  }
}

/**
 * Declares a suite that needs some of the TEST_* variables (e.g. only TEST_REDIS_URL). Without them it is skipped
 * with a message naming them, or fails when CI=true, like the real-service suites above.
 */
export function describeNeeding(variables: string[], title: string, body: () => void): void {
  const missing = variables.filter((name) => process.env[name] === undefined || process.env[name] === '');
  if (missing.length === 0) {
    describe(title, body);
  } else if (IN_CI) {
    describe(title, () => {
      it(`needs ${variables.join(' and ')} (CI=true: a skipped real-service suite is a failure)`, () => {
        throw new Error(`CI=true but ${missing.join(' and ')} is not set`);
      });
    });
  } else {
    describe.skip(`${title}: set ${missing.join(' and ')} to run`, body);
  }
}
