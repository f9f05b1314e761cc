// The in-memory cache of small tarballs (services/tarball-cache.ts) over a real disk blob store: bytes come back
// exact; concurrent misses of one key read the store once; the total stays under its bound, least recently used
// first out; a missing blob is null and is not remembered; a blob over the per-item limit is refused.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../src/adapters/disk-blobs.js';
import { MAX_CACHED_TARBALL, TarballCache } from '../../src/services/tarball-cache.js';
import { tempDir } from '../helpers/registry.js';

describe('TarballCache', () => {
  const dir = tempDir('sounio-tarball-cache-');
  const store = new DiskBlobStore(join(dir, 'blobs'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let counter = 0;
  const put = async (bytes: Buffer): Promise<string> => {
    const key = `tarballs/t${counter++}.tar.gz`;
    const file = join(dir, `src-${counter}`);
    writeFileSync(file, bytes);
    await store.putFile(key, file);
    return key;
  };
  /** Counts the reads that reach the store. */
  const counting = () => {
    let reads = 0;
    const wrapped = Object.create(store) as DiskBlobStore;
    wrapped.get = (key, range) => {
      reads++;
      return store.get(key, range);
    };
    return { blobs: wrapped, reads: () => reads };
  };

  it('returns the exact bytes, reading the store once for many concurrent and later requests', async () => {
    const bytes = randomBytes(15_000);
    const key = await put(bytes);
    const cache = new TarballCache();
    const { blobs, reads } = counting();
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.read(blobs, key)));
    for (const result of results) expect(result?.equals(bytes)).toBe(true);
    expect(await cache.read(blobs, key)).toEqual(bytes);
    expect(reads()).toBe(1);
  });

  it('keeps the total under its bound, dropping the least recently used first', async () => {
    const cache = new TarballCache(30_000);
    const { blobs, reads } = counting();
    const [a, b, c] = [await put(randomBytes(10_000)), await put(randomBytes(10_000)), await put(randomBytes(10_000))];
    await cache.read(blobs, a);
    await cache.read(blobs, b);
    await cache.read(blobs, a); // a is now the most recent
    const d = await put(randomBytes(10_000));
    await cache.read(blobs, c);
    await cache.read(blobs, d); // over the bound: b goes
    expect(cache.totalBytes).toBeLessThanOrEqual(30_000);
    const before = reads();
    await cache.read(blobs, a);
    expect(reads()).toBe(before);
    await cache.read(blobs, b);
    expect(reads()).toBe(before + 1);
  });

  it('answers null for a missing blob without remembering it, and refuses a blob over the per-item limit', async () => {
    const cache = new TarballCache();
    expect(await cache.read(store, 'tarballs/missing.tar.gz')).toBeNull();
    const big = await put(randomBytes(MAX_CACHED_TARBALL + 1));
    await expect(cache.read(store, big)).rejects.toThrow(/larger than/);
    expect(cache.size).toBe(0);
    const later = join(dir, 'later');
    writeFileSync(later, 'now here');
    await store.putFile('tarballs/missing.tar.gz', later);
    expect((await cache.read(store, 'tarballs/missing.tar.gz'))?.toString()).toBe('now here');
  });
});
