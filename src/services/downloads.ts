// Download counting without a database write per download. Each counted download increments a field
// `<version id>|<day>` of one hash in the key-value port (Redis: shared by every process); the flush job drains the
// hash atomically (each increment is taken by exactly one flusher, whatever the number of processes) and writes the
// batch in one transaction. If the key-value store is unreachable, counts wait in this process's memory and go out
// with its next flush. If the database write fails, the drained counts are put back for the next flush.
import type { Context } from '../context.js';
import { applyDownloadCounts, type DownloadCount } from '../db/downloads.js';
import { metricsOf } from '../metrics.js';
import { packageChanged } from './package-events.js';

const PENDING_KEY = 'downloads:pending';

/** Counts that could not reach the key-value store, kept in this process per store until its next flush. */
const pendingLocally = new WeakMap<object, Map<string, number>>();

function localCounts(ctx: Context): Map<string, number> {
  let counts = pendingLocally.get(ctx.kv);
  if (counts === undefined) pendingLocally.set(ctx.kv, (counts = new Map()));
  return counts;
}

function field(versionId: string, at: Date): string {
  return `${versionId}|${at.toISOString().slice(0, 10)}`;
}

export async function countDownload(ctx: Context, versionId: string, at = new Date()): Promise<void> {
  const key = field(versionId, at);
  metricsOf(ctx).downloads.inc();
  try {
    await ctx.kv.hincrBy(PENDING_KEY, key, 1);
  } catch {
    const local = localCounts(ctx);
    local.set(key, (local.get(key) ?? 0) + 1);
  }
}

function parse(fields: Record<string, number>): DownloadCount[] {
  const counts: DownloadCount[] = [];
  for (const [key, count] of Object.entries(fields)) {
    const [versionId, date] = key.split('|');
    if (versionId && date && count > 0) counts.push({ versionId, date, count });
  }
  return counts;
}

/** Moves every pending count into the database; returns how many downloads it wrote. */
export async function flushDownloads(ctx: Context): Promise<number> {
  let drained: Record<string, number> = {};
  try {
    drained = await ctx.kv.drainHash(PENDING_KEY);
  } catch (error) {
    ctx.logger.warn({ err: error }, 'download counts stay pending: the key-value store is unreachable');
  }
  const local = localCounts(ctx);
  for (const [key, count] of local) drained[key] = (drained[key] ?? 0) + count;
  local.clear();
  const counts = parse(drained);
  if (counts.length === 0) {
    metricsOf(ctx).lastFlushSeconds = Date.now() / 1000;
    return 0;
  }
  let changed: string[];
  try {
    changed = await ctx.db.transaction((tx) => applyDownloadCounts(tx, counts));
  } catch (error) {
    // Nothing was written (one transaction): keep the counts for the next flush.
    for (const [key, count] of Object.entries(drained)) local.set(key, (local.get(key) ?? 0) + count);
    throw error;
  }
  metricsOf(ctx).lastFlushSeconds = Date.now() / 1000;
  for (const name of changed) await packageChanged(ctx, name, 'counts');
  return counts.reduce((sum, count) => sum + count.count, 0);
}
