// Two registry instances sharing one PostgreSQL database and one Redis (as two pods do), each with its own search
// index: a publish, a yank and a deletion on one are found (or no longer found) by the other's index within a second
// (the 'package-changed' message), and a change nobody announced after the other's catch-up.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import type { Context } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { searchIndexed, searchIndexReady, searchIndexStats } from '../../src/services/search-index-sync.js';
import { searchQueryOf } from '../../src/services/search.js';
import { published } from '../helpers/packages.js';
import { createTestRegistry, describeRealServices, TEST_REDIS_URL, type TestRegistry } from '../helpers/registry.js';
import { signUp, type TestUser } from '../helpers/users.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeRealServices('the search index across two instances on one PostgreSQL and Redis', () => {
  let a: TestRegistry;
  let bKv: RedisKeyValue;
  let b: FastifyInstance;
  let bCtx: Context;
  let owner: TestUser;

  beforeAll(async () => {
    a = await createTestRegistry('postgres');
    bKv = new RedisKeyValue({ url: TEST_REDIS_URL!, prefix: a.ctx.config.redisPrefix });
    expect(await bKv.connect()).toBe(true);
    bCtx = { ...a.ctx, kv: bKv };
    b = (await buildApp(bCtx)).fastify;
    await b.ready();
    owner = await signUp(a);
    await published(a, owner.auth, { name: 'pod-anchor', version: '1.0.0', description: 'Always there' });
    await searchIndexReady(a.ctx);
    await searchIndexReady(bCtx);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await bKv?.close();
    await a?.close();
  });

  /** The names B's index finds for q (failing if SQL answered). */
  async function onB(q: string): Promise<string[]> {
    const page = await searchIndexed(bCtx, searchQueryOf({ q, page: 1, perPage: 50 }));
    expect(page, q).not.toBeNull();
    return page!.rows.map((row) => row.name);
  }

  /** Waits until B's index answers `expected` for q; returns how long it took. */
  async function until(q: string, expected: string[]): Promise<number> {
    const started = Date.now();
    for (;;) {
      const names = await onB(q);
      if (JSON.stringify(names) === JSON.stringify(expected)) return Date.now() - started;
      if (Date.now() - started > 1_000) expect(names, `${q} within a second`).toEqual(expected);
      await sleep(10);
    }
  }

  it('sees a publish, a new version, a yank and a deletion made on the other instance within a second', { timeout: 60_000 }, async () => {
    expect(await onB('anchor')).toEqual(['pod-anchor']);
    const answered = searchIndexStats(bCtx).answered;

    await published(a, owner.auth, { name: 'pod-pangolin', version: '1.0.0', description: 'Scaly anteater tools' });
    expect(await until('pangolin', ['pod-pangolin'])).toBeLessThan(1_000);
    expect(await until('anteater', ['pod-pangolin'])).toBeLessThan(1_000);

    await published(a, owner.auth, { name: 'pod-pangolin', version: '1.1.0', description: 'Armoured tools' });
    await until('armoured', ['pod-pangolin']);
    expect(await onB('anteater')).toEqual([]);
    // The summary B shows is the new one too.
    const shown = await b.inject({ method: 'GET', url: '/api/v1/search?q=armoured' });
    expect(shown.json().packages[0].latest_version).toBe('1.1.0');

    for (const version of ['1.0.0', '1.1.0']) {
      const yank = await a.app.inject({ method: 'POST', url: `/api/v1/packages/pod-pangolin/versions/${version}/yank`, headers: owner.auth });
      expect(yank.statusCode, yank.body).toBe(200);
    }
    await until('pangolin', []);

    const unyank = await a.app.inject({ method: 'POST', url: '/api/v1/packages/pod-pangolin/versions/1.0.0/unyank', headers: owner.auth });
    expect(unyank.statusCode, unyank.body).toBe(200);
    await until('pangolin', ['pod-pangolin']);

    const admin = await signUp(a, { admin: true });
    const deleted = await a.app.inject({ method: 'DELETE', url: '/api/v1/packages/pod-pangolin', headers: admin.auth });
    expect(deleted.statusCode, deleted.body).toBeLessThan(300);
    await until('pangolin', []);
    // All of it from B's index, none from SQL.
    expect(searchIndexStats(bCtx).answered).toBeGreaterThan(answered);
    expect(searchIndexStats(bCtx).state).toBe('ready');
  });

  it('catches up with a change nobody announced', { timeout: 30_000 }, async () => {
    await a.ctx.db.query("UPDATE packages SET description = 'Quietly renamed aardwolf' WHERE name = 'pod-anchor'");
    expect(await onB('aardwolf')).toEqual([]);
    await searchIndexReady(bCtx);
    expect(await onB('aardwolf')).toEqual(['pod-anchor']);
  });
});
