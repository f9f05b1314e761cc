// The per-process cache in front of the key-value store (src/services/local-cache.ts): off until subscribed, never
// keeps what a change raced, drops a package's answers and every catalog-wide answer on a change, bounded by TTL.
import { describe, expect, it } from 'vitest';
import { MemoryKeyValue } from '../../src/adapters/memory-kv.js';
import { CATALOG_GROUP, LocalCache, localCacheOf, locallyCached, PACKAGE_CHANGED_CHANNEL } from '../../src/services/local-cache.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readyCache(ttlMs?: number): LocalCache {
  const cache = new LocalCache(ttlMs);
  cache.ready = true;
  return cache;
}

describe('LocalCache', () => {
  it('keeps nothing until it receives invalidation messages', () => {
    const cache = new LocalCache();
    cache.set('k', 'json', 'v', 1, cache.epoch);
    expect(cache.get('k')).toBeUndefined();
    cache.ready = true;
    cache.set('k', 'json', 'v', 1, cache.epoch);
    expect(cache.get('k')).toBe('v');
  });

  it('does not keep an answer built while a change happened', () => {
    const cache = readyCache();
    const before = cache.epoch;
    cache.drop('json'); // a change commits while the answer is being built
    cache.set('doc:package:json', 'json', 'stale', 1, before);
    expect(cache.get('doc:package:json')).toBeUndefined();
  });

  it('a change of one package drops its answers and every catalog-wide answer, and no other package', () => {
    const cache = readyCache();
    cache.set('doc:package:json', 'json', 'a', 1, cache.epoch);
    cache.set('doc:index:json', 'json', 'b', 1, cache.epoch);
    cache.set('doc:package:http', 'http', 'c', 1, cache.epoch);
    cache.set('search:json', CATALOG_GROUP, 'd', 1, cache.epoch);
    cache.set('search:json', CATALOG_GROUP, 'd', 1, cache.epoch); // asked for twice: kept (see below)
    expect(cache.get('search:json')).toBe('d');
    cache.drop('json');
    expect(cache.get('doc:package:json')).toBeUndefined();
    expect(cache.get('doc:index:json')).toBeUndefined();
    expect(cache.get('search:json')).toBeUndefined();
    expect(cache.get('doc:package:http')).toBe('c');
  });

  it('keeps a catalog-wide answer from its second asking on, so that queries never repeated take no room', () => {
    const cache = readyCache();
    for (let i = 0; i < 1_000; i++) cache.set(`search:cold ${i}`, CATALOG_GROUP, i, 1, cache.epoch);
    expect(cache.size).toBe(0);
    cache.set('search:cold 7', CATALOG_GROUP, 'again', 1, cache.epoch);
    expect(cache.get('search:cold 7')).toBe('again');
    expect(cache.get('search:cold 8')).toBeUndefined();
    // A package's own answers are kept at once: they are asked for again and again.
    cache.set('doc:package:json', 'json', 'a', 1, cache.epoch);
    expect(cache.get('doc:package:json')).toBe('a');
    expect(cache.size).toBe(2);
  });

  it('forgets entries after its TTL', async () => {
    const cache = readyCache(30);
    cache.set('k', 'g', 'v', 1, cache.epoch);
    expect(cache.get('k')).toBe('v');
    await sleep(60);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its byte bound, dropping the oldest entries first', () => {
    const cache = readyCache();
    const big = 3 * 1024 * 1024; // 1/16 of the bound is the largest entry kept
    for (let i = 0; i < 30; i++) cache.set(`k${i}`, 'g', i, big, cache.epoch);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k29')).toBe(29);
    expect(cache.size).toBeLessThanOrEqual(Math.floor((64 * 1024 * 1024) / big));
    cache.set('huge', 'g', 'x', 8 * 1024 * 1024, cache.epoch);
    expect(cache.get('huge')).toBeUndefined();
  });
});

describe('localCacheOf and locallyCached', () => {
  it('subscribes to the package-changed channel: a message drops the package, and builds run once while cached', async () => {
    const kv = new MemoryKeyValue();
    try {
      const cache = localCacheOf(kv);
      expect(localCacheOf(kv)).toBe(cache);
      await sleep(10); // the subscription resolves
      expect(cache.ready).toBe(true);
      let builds = 0;
      const build = async () => `answer ${++builds}`;
      expect(await locallyCached(kv, 'doc:package:json', 'json', build, () => 10)).toBe('answer 1');
      expect(await locallyCached(kv, 'doc:package:json', 'json', build, () => 10)).toBe('answer 1');
      await kv.publish(PACKAGE_CHANGED_CHANNEL, 'json');
      await sleep(10);
      expect(await locallyCached(kv, 'doc:package:json', 'json', build, () => 10)).toBe('answer 2');
      // One cache per store: another store's cache is not this one.
      const other = new MemoryKeyValue();
      expect(localCacheOf(other)).not.toBe(cache);
      await other.close();
    } finally {
      await kv.close();
    }
  });

  it('a failing build is not cached', async () => {
    const kv = new MemoryKeyValue();
    try {
      localCacheOf(kv);
      await sleep(10);
      await expect(locallyCached(kv, 'k', 'g', () => Promise.reject(new Error('no')), () => 1)).rejects.toThrow('no');
      expect(await locallyCached(kv, 'k', 'g', async () => 'yes', () => 1)).toBe('yes');
    } finally {
      await kv.close();
    }
  });
});
