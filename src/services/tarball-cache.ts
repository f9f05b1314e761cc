// Small tarballs kept in the process's memory. Blobs are content-addressed (the key is the SHA-256 of the bytes),
// so a cached copy can never be stale: no invalidation is needed, only a bound on memory. A hot download then costs
// no file open or S3 round trip, and Fastify sends one Buffer instead of piping a stream. Large tarballs (over
// MAX_CACHED_TARBALL) are streamed as before. Concurrent misses of one key share a single read.
import type { BlobStore } from '../ports/blobs.js';

export const MAX_CACHED_TARBALL = 1024 * 1024;
const MAX_TOTAL = 64 * 1024 * 1024;

export class TarballCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly reading = new Map<string, Promise<Buffer | null>>();
  private bytes = 0;

  constructor(private readonly maxTotal = MAX_TOTAL) {}

  /** The whole blob, from memory or read once from the store; null when the store has no such blob. */
  async read(blobs: BlobStore, key: string): Promise<Buffer | null> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Least recently used goes first: a hit moves to the end of the Map's order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let pending = this.reading.get(key);
    if (pending === undefined) {
      pending = this.fill(blobs, key).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async fill(blobs: BlobStore, key: string): Promise<Buffer | null> {
    const blob = await blobs.get(key);
    if (blob === null) return null;
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of blob.body) {
      const buffer = chunk as Buffer;
      length += buffer.length;
      if (length > MAX_CACHED_TARBALL) {
        blob.body.destroy();
        throw new Error(`blob ${key} is larger than ${MAX_CACHED_TARBALL} bytes`);
      }
      chunks.push(buffer);
    }
    const bytes = Buffer.concat(chunks, length);
    this.store(key, bytes);
    return bytes;
  }

  private store(key: string, bytes: Buffer): void {
    if (bytes.length > this.maxTotal) return;
    this.entries.set(key, bytes);
    this.bytes += bytes.length;
    for (const [oldest, buffer] of this.entries) {
      if (this.bytes <= this.maxTotal) break;
      this.entries.delete(oldest);
      this.bytes -= buffer.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}

const caches = new WeakMap<BlobStore, TarballCache>();

/** The cache of this process for a blob store (one per store, so test registries in one process stay apart). */
export function tarballCacheOf(blobs: BlobStore): TarballCache {
  let cache = caches.get(blobs);
  if (cache === undefined) caches.set(blobs, (cache = new TarballCache()));
  return cache;
}
