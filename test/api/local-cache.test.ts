// Two registry instances sharing one PostgreSQL database and one Redis (as two pods do), each with its own
// per-process cache: what one instance caches is dropped when the other publishes, yanks or changes the package,
// within a moment (the 'package-changed' message), not after the cache's TTL; and the cache does serve hits (a
// change written straight to the database, unannounced, is not seen until it is announced).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import { buildApp } from '../../src/http/app.js';
import { localCacheOf, LOCAL_TTL_MS } from '../../src/services/local-cache.js';
import { packageChanged } from '../../src/services/package-events.js';
import { published } from '../helpers/packages.js';
import { createTestRegistry, describeRealServices, TEST_REDIS_URL, type TestRegistry } from '../helpers/registry.js';
import { signUp, type TestUser } from '../helpers/users.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeRealServices('the per-process cache across two instances on one PostgreSQL and Redis', () => {
  let a: TestRegistry;
  let bKv: RedisKeyValue;
  let b: FastifyInstance;
  let owner: TestUser;

  beforeAll(async () => {
    a = await createTestRegistry('postgres');
    bKv = new RedisKeyValue({ url: TEST_REDIS_URL!, prefix: a.ctx.config.redisPrefix });
    expect(await bKv.connect()).toBe(true);
    b = (await buildApp({ ...a.ctx, kv: bKv })).fastify;
    await b.ready();
    owner = await signUp(a);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await bKv?.close();
    await a?.close();
  });

  const get = async (path: string) => {
    const response = await b.inject({ method: 'GET', url: path });
    expect(response.statusCode, response.body).toBe(200);
    return response;
  };
  const snapshot = async () => ({
    latest: (await get('/api/v1/packages/cached-thing')).json().latest_version as string,
    index: (await get('/api/v1/index/cached-thing')).body,
    version: (await get('/api/v1/packages/cached-thing/versions/latest')).json().version as string,
    yanked: await (async () => {
      const response = await b.inject({ method: 'GET', url: '/api/v1/packages/cached-thing/versions/1.1.0' });
      return response.statusCode === 200 ? (response.json().yanked as boolean) : null;
    })(),
    search: ((await get('/api/v1/search?q=cached-thing')).json().packages as { name: string; latest_version: string }[]).find((p) => p.name === 'cached-thing')?.latest_version,
    description: (await get('/api/v1/packages/cached-thing')).json().description as string,
  });

  /** Waits (well under the cache's TTL) until instance B's cache has received a change. */
  async function messageArrives(epoch: number) {
    const started = Date.now();
    while (localCacheOf(bKv).epoch === epoch) {
      if (Date.now() - started > 1000) throw new Error('no invalidation message within a second');
      await sleep(5);
    }
    expect(Date.now() - started).toBeLessThan(LOCAL_TTL_MS);
  }

  it('serves from its own cache, and drops it when the other instance publishes or yanks', { timeout: 60_000 }, async () => {
    await published(a, owner.auth, { name: 'cached-thing', version: '1.0.0', description: 'first' });
    await sleep(50);
    expect(localCacheOf(bKv).ready).toBe(true);
    await snapshot(); // a search answer is kept from its second asking on
    const first = await snapshot();
    expect(first).toMatchObject({ latest: '1.0.0', version: '1.0.0', search: '1.0.0', description: 'first' });
    expect(localCacheOf(bKv).size).toBeGreaterThanOrEqual(4);

    // Written behind the registry's back: B keeps answering from its cache (the cache is really used) ...
    await a.ctx.db.query("UPDATE packages SET description = 'changed unannounced' WHERE name = 'cached-thing'");
    await a.ctx.kv.del('doc:package:cached_thing');
    expect((await snapshot()).description).toBe('first');
    // ... until the change is announced, from the other instance.
    let epoch = localCacheOf(bKv).epoch;
    await packageChanged(a.ctx, 'cached-thing');
    await messageArrives(epoch);
    expect((await snapshot()).description).toBe('changed unannounced');

    // A publish on A: package, index, latest version and search on B show it as soon as the message arrives.
    epoch = localCacheOf(bKv).epoch;
    await published(a, owner.auth, { name: 'cached-thing', version: '1.1.0', description: 'second' });
    await messageArrives(epoch);
    const second = await snapshot();
    expect(second).toMatchObject({ latest: '1.1.0', version: '1.1.0', search: '1.1.0', yanked: false });
    expect(second.index).toContain('"vers":"1.1.0"');

    // A yank on A: B's cached version document and latest version follow.
    epoch = localCacheOf(bKv).epoch;
    const yank = await a.app.inject({ method: 'POST', url: '/api/v1/packages/cached-thing/versions/1.1.0/yank', headers: owner.auth });
    expect(yank.statusCode, yank.body).toBe(200);
    await messageArrives(epoch);
    const third = await snapshot();
    expect(third).toMatchObject({ latest: '1.0.0', version: '1.0.0', yanked: true });
    expect(third.index).toContain('"vers":"1.1.0","deps":[],"cksum"');
  });

  it('a download on B after a publish on A is found at once (the lookup is not cached as missing)', { timeout: 30_000 }, async () => {
    const missing = await b.inject({ method: 'GET', url: '/api/v1/packages/cached-later/versions/1.0.0/download' });
    expect(missing.statusCode).toBe(404);
    await published(a, owner.auth, { name: 'cached-later', version: '1.0.0' });
    const found = await b.inject({ method: 'GET', url: '/api/v1/packages/cached-later/versions/1.0.0/download' });
    expect(found.statusCode).toBe(200);
  });
});
