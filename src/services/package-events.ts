// What happens after a package changes (publish, yank, owner change, metadata edit, delete): cached documents are
// dropped in every process (a kv delete plus an invalidation message for per-process caches). A failure here is
// logged, never fails the change that was already committed.
import type { Context } from '../context.js';
import { canonicalName } from '../core/names.js';

export const PACKAGE_CHANGED_CHANNEL = 'package-changed';

export function packageCacheKeys(name: string): string[] {
  const canonical = canonicalName(name);
  return [`doc:package:${canonical}`, `doc:versions:${canonical}`, `doc:index:${canonical}`];
}

export async function packageChanged(ctx: Context, name: string): Promise<void> {
  try {
    await ctx.kv.del(...packageCacheKeys(name));
    await ctx.kv.publish(PACKAGE_CHANGED_CHANNEL, canonicalName(name));
  } catch (error) {
    ctx.logger.warn({ err: error, package: name }, 'could not invalidate cached documents of a package');
  }
}
