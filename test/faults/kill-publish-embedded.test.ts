// SIGKILL during publishes on the embedded backends (PGlite in DATA_DIR/db, blobs in DATA_DIR/blobs). PGlite with a
// data directory writes through to the files on every commit (see README, "The embedded database after a crash"):
// after a SIGKILL the database opens again (the stale DATA_DIR lock is taken over) with every acknowledged write.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/disk-blobs.js';
import { openPglite } from '../../src/adapters/pglite.js';
import { RAISED_LIMITS } from '../helpers/cluster.js';
import { FAULT_ITERATIONS, killDuringPublishes } from '../helpers/kill-during-publish.js';
import { Children } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

describe('SIGKILL during publishes, embedded backends', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-kill-');
  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${FAULT_ITERATIONS} kills: acknowledged publishes kept, nothing partial, orphans swept`, { timeout: 60_000 + FAULT_ITERATIONS * 6_000 }, async () => {
    const env = { DATA_DIR: dataDir, ...RAISED_LIMITS, JWT_SECRET: 'j'.repeat(40), SESSION_SECRET: 's'.repeat(40), LOG_LEVEL: 'warn' };
    const report = await killDuringPublishes(children, env, async () => {
      const db = await openPglite({ dataDir });
      const blobs = new DiskBlobStore(join(dataDir, 'blobs'));
      return { db, blobs, close: async () => (await db.close(), await blobs.close()) };
    });
    // The kills landed at different moments: some publishes were acknowledged, some were cut off.
    expect(report.acknowledged.length).toBeGreaterThan(0);
    expect(report.acknowledged.length).toBeLessThan(FAULT_ITERATIONS * 3);
  });
});
