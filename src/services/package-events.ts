// What happens after a package changes (publish, yank, owner change, metadata edit, delete, a download-count flush):
// cached documents are dropped in every process (a kv delete plus an invalidation message for per-process caches),
// after the package's stamp is rewritten so that a document being built meanwhile is not cached (documents.ts).
// A failure here is logged, never fails the change that was already committed.
import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import { canonicalName } from '../core/names.js';
import { localCacheOf, PACKAGE_CHANGED_CHANNEL } from './local-cache.js';

export { PACKAGE_CHANGED_CHANNEL };

/** Outlives any document build; a stamp that expired only makes a build not cache its result. */
const STAMP_TTL_MS = 15 * 60_000;

export interface PackageCacheKeys {
  package: string;
  versions: string;
  index: string;
  /** Rewritten by every change (documents.ts, CacheOptions.stampKey). */
  stamp: string;
}

export function packageCacheKeys(name: string): PackageCacheKeys {
  const canonical = canonicalName(name);
  return { package: `doc:package:${canonical}`, versions: `doc:versions:${canonical}`, index: `doc:index:${canonical}`, stamp: `doc:stamp:${canonical}` };
}

/**
 * What changed: `everything` (the default), or only the download `counts`, which appear in the package and version
 * documents but not in the index file (so resolvers keep reading a cached index while downloads are flushed).
 */
export type PackageChange = 'everything' | 'counts';

export async function packageChanged(ctx: Context, name: string, change: PackageChange = 'everything'): Promise<void> {
  const keys = packageCacheKeys(name);
  const steps = [
    () => ctx.kv.set(keys.stamp, randomUUID(), STAMP_TTL_MS),
    () => ctx.kv.del(keys.package, keys.versions, ...(change === 'everything' ? [keys.index] : [])),
    // This process's cache at once (so the caller reads its own write), the others' when the message arrives.
    async () => localCacheOf(ctx.kv).drop(canonicalName(name)),
    () => ctx.kv.publish(PACKAGE_CHANGED_CHANNEL, canonicalName(name)),
  ];
  // In order (the stamp before the deletion), each tried even when an earlier one failed.
  let failure: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) ctx.logger.warn({ err: failure, package: name }, 'could not invalidate cached documents of a package');
}
