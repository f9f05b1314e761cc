// The sweep deletes blobs no version references once they are older than the grace period, and nothing else:
// what a failed publish or a deleted package leaves behind goes; published tarballs and fresh uploads stay.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sweepBlobs, SWEEP_GRACE_MS } from '../../src/jobs/blob-sweep.js';
import { blobKeyFor } from '../../src/services/publish.js';
import { describeEachBackend } from '../helpers/registry.js';
import { published } from '../helpers/packages.js';
import { signUp } from '../helpers/users.js';

describeEachBackend('blob sweep', (registry) => {
  it('removes old unreferenced blobs only', async () => {
    const { ctx, dataDir } = registry();
    const author = await signUp(registry());
    const version = await published(registry(), author.auth, { name: 'sweep-kept', version: '1.0.0' });
    const kept = blobKeyFor(version.checksum);

    const orphanFile = join(dataDir, 'orphan.tar.gz');
    writeFileSync(orphanFile, 'left behind by a publish that failed after storing its blob');
    const orphan = blobKeyFor('ab'.repeat(32));
    await ctx.blobs.putFile(orphan, orphanFile);

    expect(await sweepBlobs(ctx)).toEqual([]); // everything is younger than the grace period
    const later = Date.now() + SWEEP_GRACE_MS + 60_000;
    expect(await sweepBlobs(ctx, { now: later })).toEqual([orphan]);
    expect(await ctx.blobs.stat(orphan)).toBeNull();
    expect(await ctx.blobs.stat(kept)).not.toBeNull();

    const admin = await signUp(registry(), { admin: true });
    const deleted = await registry().app.inject({ method: 'DELETE', url: '/api/v1/packages/sweep-kept', headers: admin.auth });
    expect(deleted.statusCode).toBe(204);
    expect(await sweepBlobs(ctx, { now: later })).toEqual([kept]);
  });
});
