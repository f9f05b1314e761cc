// Reading versions and downloading tarballs on each backend: exact bytes and headers, ETag/304, Range, 404s, and
// download counting that is exact (every successful GET of the body once; not HEAD, not 304, not a later Range
// piece), moved into the database by the flush, also when two instances share Redis and flush at once.
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import type { Context } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { flushDownloads } from '../../src/services/downloads.js';
import { describeEachBackend, TEST_REDIS_URL } from '../helpers/registry.js';
import { packTarball, publishTarball, published } from '../helpers/packages.js';
import { signUp } from '../helpers/users.js';

async function downloads(ctx: Context, name: string, version: string) {
  const { rows } = await ctx.db.query<{ version_downloads: number; package_downloads: number; daily: number; recent: number }>(
    `SELECT v.downloads AS version_downloads, p.downloads AS package_downloads, p.recent_downloads AS recent,
       (SELECT coalesce(sum(d.downloads), 0)::int FROM downloads d WHERE d.version_id = v.id) AS daily
     FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = $1 AND v.version = $2`,
    [name, version],
  );
  return rows[0]!;
}

describeEachBackend('versions and downloads', (registry, kind) => {
  const get = (url: string, headers: Record<string, string> = {}) => registry().app.inject({ method: 'GET', url: `/api/v1${url}`, headers });

  it('serves the exact bytes with their headers; 304 on a matching ETag', async () => {
    const author = await signUp(registry());
    const tarball = await packTarball({ name: 'dl-bytes', version: '1.2.3' });
    expect((await publishTarball(registry(), author.auth, 'dl-bytes', '1.2.3', tarball)).statusCode).toBe(201);
    const checksum = createHash('sha256').update(tarball).digest('hex');
    const response = await get('/packages/dl-bytes/versions/1.2.3/download');
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(tarball)).toBe(true);
    expect(response.headers).toMatchObject({
      'content-type': 'application/gzip',
      'content-length': String(tarball.length),
      etag: `"${checksum}"`,
      'x-checksum-sha256': checksum,
      'content-disposition': 'attachment; filename="dl-bytes-1.2.3.tar.gz"',
      'accept-ranges': 'bytes',
    });
    expect(response.headers['cache-control']).toContain('immutable');
    const cached = await get('/packages/dl-bytes/versions/1.2.3/download', { 'if-none-match': `"${checksum}"` });
    expect(cached.statusCode).toBe(304);
    expect(cached.rawPayload.length).toBe(0);
  });

  it('honours Range requests; 416 outside the tarball', async () => {
    const author = await signUp(registry());
    const tarball = await packTarball({ name: 'dl-range', version: '1.0.0', files: { 'data.bin': Buffer.alloc(4000, 7) } });
    await publishTarball(registry(), author.auth, 'dl-range', '1.0.0', tarball);
    const first = await get('/packages/dl-range/versions/1.0.0/download', { range: 'bytes=0-99' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${tarball.length}`);
    expect(first.rawPayload.equals(tarball.subarray(0, 100))).toBe(true);
    const rest = await get('/packages/dl-range/versions/1.0.0/download', { range: 'bytes=100-' });
    expect(rest.statusCode).toBe(206);
    expect(Buffer.concat([first.rawPayload, rest.rawPayload]).equals(tarball)).toBe(true);
    const outside = await get('/packages/dl-range/versions/1.0.0/download', { range: `bytes=${tarball.length + 10}-` });
    expect(outside.statusCode).toBe(416);
    expect(outside.json().error).toBe('range_not_satisfiable');
    expect(outside.headers['content-range']).toBe(`bytes */${tarball.length}`);
  });

  it('counts each successful GET of the body once: not HEAD, not 304, not a later Range piece', async () => {
    const author = await signUp(registry());
    const version = await published(registry(), author.auth, { name: 'dl-count', version: '1.0.0' });
    await flushDownloads(registry().ctx);
    const url = '/api/v1/packages/dl-count/versions/1.0.0/download';
    await registry().app.inject({ method: 'GET', url });
    await registry().app.inject({ method: 'GET', url });
    await registry().app.inject({ method: 'HEAD', url });
    await registry().app.inject({ method: 'GET', url, headers: { 'if-none-match': `"${version.checksum}"` } });
    await registry().app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9' } });
    await registry().app.inject({ method: 'GET', url, headers: { range: 'bytes=10-' } });
    expect(await flushDownloads(registry().ctx)).toBe(3);
    expect(await downloads(registry().ctx, 'dl-count', '1.0.0')).toEqual({ version_downloads: 3, package_downloads: 3, daily: 3, recent: 3 });
  });

  it('1,000 concurrent downloads are counted exactly once each, and the documents show it after the flush', async () => {
    const author = await signUp(registry());
    await published(registry(), author.auth, { name: 'dl-many', version: '1.0.0' });
    const before = await get('/packages/dl-many');
    expect(before.json().downloads).toBe(0);
    const url = '/api/v1/packages/dl-many/versions/1.0.0/download';
    const responses = await Promise.all(Array.from({ length: 1000 }, () => registry().app.inject({ method: 'GET', url })));
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(await flushDownloads(registry().ctx)).toBe(1000);
    expect(await downloads(registry().ctx, 'dl-many', '1.0.0')).toEqual({ version_downloads: 1000, package_downloads: 1000, daily: 1000, recent: 1000 });
    const after = await get('/packages/dl-many');
    expect(after.json().downloads).toBe(1000);
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    expect((await get('/packages/dl-many/versions/1.0.0')).json().downloads).toBe(1000);
  });

  it('yanked versions still download, and count', async () => {
    const author = await signUp(registry());
    await published(registry(), author.auth, { name: 'dl-yanked', version: '1.0.0' });
    await registry().app.inject({ method: 'POST', url: '/api/v1/packages/dl-yanked/versions/1.0.0/yank', headers: author.auth });
    expect((await get('/packages/dl-yanked/versions/1.0.0/download')).statusCode).toBe(200);
    await flushDownloads(registry().ctx);
    expect((await downloads(registry().ctx, 'dl-yanked', '1.0.0')).version_downloads).toBe(1);
  });

  it('lists versions highest first; `latest`; ETag round trips; 404 Error bodies', async () => {
    const author = await signUp(registry());
    for (const version of ['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1']) await published(registry(), author.auth, { name: 'dl-list', version });
    const list = await get('/packages/dl-list/versions');
    expect(list.statusCode).toBe(200);
    expect(list.json().map((v: { version: string }) => v.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.2.0', '1.0.0']);
    expect(list.headers['cache-control']).toMatch(/max-age=\d+/);
    expect((await get('/packages/dl-list/versions', { 'if-none-match': list.headers['etag'] as string })).statusCode).toBe(304);
    const latest = await get('/packages/dl-list/versions/latest');
    expect(latest.json().version).toBe('1.10.0');
    const pkg = await get('/packages/dl-list');
    expect((await get('/packages/dl-list', { 'if-none-match': pkg.headers['etag'] as string })).statusCode).toBe(304);
    await published(registry(), author.auth, { name: 'dl-list', version: '1.11.0' });
    const changed = await get('/packages/dl-list', { 'if-none-match': pkg.headers['etag'] as string });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().latest_version).toBe('1.11.0');

    await registry().app.inject({ method: 'POST', url: '/api/v1/packages', headers: author.auth, payload: { name: 'dl-empty' } });
    for (const url of ['/packages/no-such-pkg', '/packages/no-such-pkg/versions', '/packages/dl-list/versions/9.9.9', '/packages/dl-empty/versions/latest', '/packages/dl-list/versions/9.9.9/download', '/packages/dl-list/versions/not-a-version']) {
      const missing = await get(url);
      expect(missing.statusCode, url).toBe(404);
      expect(missing.json().error, url).toBe('not_found');
    }
  });

  if (kind === 'postgres') {
    it('two instances sharing Redis count 1,000 downloads exactly, even when both flush at once', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'dl-two', version: '1.0.0' });
      const first = registry().ctx;
      const kv = new RedisKeyValue({ url: TEST_REDIS_URL!, prefix: first.config.redisPrefix });
      await kv.connect();
      const secondCtx: Context = { ...first, kv };
      const second: FastifyInstance = (await buildApp(secondCtx)).fastify;
      await second.ready();
      try {
        const url = '/api/v1/packages/dl-two/versions/1.0.0/download';
        const apps = [registry().app, second];
        const flushes: Promise<number>[] = [];
        const requests = Array.from({ length: 1000 }, async (_, i) => {
          const response = await apps[i % 2]!.inject({ method: 'GET', url });
          expect(response.statusCode).toBe(200);
          if (i % 100 === 0) flushes.push(flushDownloads(i % 200 === 0 ? first : secondCtx));
        });
        await Promise.all(requests);
        const flushed = (await Promise.all(flushes)).reduce((a, b) => a + b, 0);
        const [a, b] = await Promise.all([flushDownloads(first), flushDownloads(secondCtx)]);
        expect(flushed + a + b).toBe(1000);
        expect((await downloads(first, 'dl-two', '1.0.0')).version_downloads).toBe(1000);
      } finally {
        await second.close();
        await kv.close();
      }
    });
  }
});
