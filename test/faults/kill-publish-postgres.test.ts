// SIGKILL during publishes on PostgreSQL + Redis + S3 (s3rver): see test/helpers/kill-during-publish.ts.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/postgres.js';
import { S3BlobStore } from '../../src/adapters/s3-blobs.js';
import { loadConfig } from '../../src/config.js';
import { RAISED_LIMITS } from '../helpers/cluster.js';
import { FAULT_ITERATIONS, killDuringPublishes } from '../helpers/kill-during-publish.js';
import { Children } from '../helpers/process.js';
import { createPostgresDatabase, deleteRedisPrefix, describeRealServices, TEST_REDIS_URL, tempDir, uniqueName, type TestDatabase } from '../helpers/registry.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

describeRealServices('SIGKILL during publishes, PostgreSQL + Redis + S3', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-kill-pg-');
  const prefix = `${uniqueName('sounio_kill')}:`;
  let database: TestDatabase & { url: string };
  let s3: TestS3;
  beforeAll(async () => {
    database = (await createPostgresDatabase()) as TestDatabase & { url: string };
    s3 = await startS3();
  });
  afterAll(async () => {
    await children.killAll();
    await database?.drop();
    await s3?.stop();
    await deleteRedisPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${FAULT_ITERATIONS} kills: acknowledged publishes kept, nothing partial, no row without its blob, orphans swept`, { timeout: 60_000 + FAULT_ITERATIONS * 6_000 }, async () => {
    const env = { DATA_DIR: dataDir, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL!, REDIS_PREFIX: prefix, ...s3.env, ...RAISED_LIMITS, JWT_SECRET: 'j'.repeat(40), SESSION_SECRET: 's'.repeat(40), LOG_LEVEL: 'warn' };
    const report = await killDuringPublishes(children, env, async () => {
      const db = openPostgres({ url: database.url, poolSize: 2 });
      const blobs = new S3BlobStore(loadConfig(env).s3!);
      return { db, blobs, close: async () => (await db.close(), await blobs.close()) };
    });
    expect(report.acknowledged.length).toBeGreaterThan(0);
    expect(report.acknowledged.length).toBeLessThan(FAULT_ITERATIONS * 3);
  });
});
