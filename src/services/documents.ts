// Hot documents (a package, its versions, its index file) kept serialised in the key-value port with their ETag, so
// a hot read costs a cache lookup and no database query or re-serialisation. Entries are dropped on every change to
// the package (package-events.ts) and live at most a few minutes in any case; a key-value failure falls back to
// building the document.
//
// A read that misses builds from the database while a change may be committing: without care it would store what
// it read before the change after the change dropped the entry, and serve that for minutes. So a change first
// writes a new stamp for the package, then drops the entries; a build reads the stamp before it starts and again
// after it stored its result, and drops what it stored when the stamp moved in between.
//
// In front of the key-value store, the hottest documents are also kept a few seconds in the process itself
// (local-cache.ts): a hit there costs no round trip to Redis.
import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import { metricsOf } from '../metrics.js';
import { localCacheOf, locallyCached } from './local-cache.js';

export interface SerializedDocument {
  body: Buffer;
  etag: string;
}

export interface CacheOptions {
  /** Key of the stamp every change of the document's subject rewrites (see above). */
  stampKey?: string;
  /**
   * Also keep the document in this process's cache (local-cache.ts) under this group: the canonical name of the
   * package whose changes drop it.
   */
  localGroup?: string;
}

const TTL_MS = 5 * 60_000;

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function encode(document: SerializedDocument): Buffer {
  return Buffer.concat([Buffer.from(document.etag + '\n'), document.body]);
}

function decode(stored: Buffer): SerializedDocument | null {
  const newline = stored.indexOf(10);
  if (newline <= 0) return null;
  return { etag: stored.subarray(0, newline).toString(), body: stored.subarray(newline + 1) };
}

async function readStamp(ctx: Context, key: string): Promise<string | null> {
  return (await ctx.kv.get(key))?.toString() ?? null;
}

/** A document of any bytes (JSON, index lines), from the caches or built and cached. */
export function cachedBytes(ctx: Context, key: string, build: () => Promise<Buffer>, options: CacheOptions = {}): Promise<SerializedDocument> {
  if (options.localGroup === undefined) return sharedCachedBytes(ctx, key, build, options);
  const local = localCacheOf(ctx.kv).get<SerializedDocument>(key);
  if (local !== undefined) {
    metricsOf(ctx).cacheResults.hit.inc();
    return Promise.resolve(local);
  }
  return locallyCached(ctx.kv, key, options.localGroup, () => sharedCachedBytes(ctx, key, build, options), (document) => document.body.length + 64);
}

async function sharedCachedBytes(ctx: Context, key: string, build: () => Promise<Buffer>, options: CacheOptions): Promise<SerializedDocument> {
  try {
    const stored = await ctx.kv.get(key);
    const hit = stored === null ? null : decode(stored);
    if (hit !== null) {
      metricsOf(ctx).cacheResults.hit.inc();
      return hit;
    }
    metricsOf(ctx).cacheResults.miss.inc();
  } catch {
    metricsOf(ctx).cacheResults.unavailable.inc(); // key-value store unreachable: build it
  }
  const { stampKey } = options;
  let before: string | null | undefined;
  if (stampKey !== undefined) before = await readStamp(ctx, stampKey).catch(() => undefined);
  const body = await build();
  const document = { body, etag: etagOf(body) };
  // Without the stamp from before the build, a change may have raced it unseen: answer, but do not cache.
  if (stampKey !== undefined && before === undefined) return document;
  try {
    await ctx.kv.set(key, encode(document), TTL_MS);
    if (stampKey !== undefined && (await readStamp(ctx, stampKey)) !== before) await ctx.kv.del(key);
  } catch {
    // not cached this time (and not left cached if the stamp could not be checked)
    await ctx.kv.del(key).catch(() => {});
  }
  return document;
}

/** A JSON document, from the cache or built, serialised and cached. */
export function cachedDocument(ctx: Context, key: string, build: () => Promise<unknown>, options: CacheOptions = {}): Promise<SerializedDocument> {
  return cachedBytes(ctx, key, async () => Buffer.from(JSON.stringify(await build())), options);
}
