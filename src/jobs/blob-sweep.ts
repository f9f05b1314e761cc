// Deletes blobs that no version references: what a publish leaves behind when it fails after storing its tarball
// (a crash, a lost race), and the tarballs of deleted packages. Only blobs older than a grace period are touched,
// so a publish between storing its blob and committing its version is never swept; a publish always rewrites its
// blob (refreshing its age) even when the same bytes are stored already.
import type { Context } from '../context.js';
import { isBlobReferenced } from '../db/versions.js';
import type { Job } from './runner.js';

export const SWEEP_GRACE_MS = 3600_000;

export async function sweepBlobs(ctx: Context, options: { graceMs?: number; now?: number } = {}): Promise<string[]> {
  const graceMs = options.graceMs ?? SWEEP_GRACE_MS;
  const now = options.now ?? Date.now();
  const deleted: string[] = [];
  for await (const blob of ctx.blobs.list('sha256/')) {
    if (now - blob.lastModified.getTime() < graceMs) continue;
    if (await isBlobReferenced(ctx.db, blob.key)) continue;
    // Look again just before deleting: a publish may have rewritten it since the listing.
    const fresh = await ctx.blobs.stat(blob.key);
    if (fresh === null || now - fresh.lastModified.getTime() < graceMs) continue;
    await ctx.blobs.delete(blob.key);
    deleted.push(blob.key);
  }
  if (deleted.length > 0) ctx.logger.info({ count: deleted.length }, `swept ${deleted.length} unreferenced blob(s)`);
  return deleted;
}

export const blobSweepJob: Job = {
  name: 'blob-sweep',
  intervalMs: 6 * 3600_000,
  exclusive: true,
  run: async (ctx) => {
    await sweepBlobs(ctx);
  },
};
