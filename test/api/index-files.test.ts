// The sparse index through the API on each backend: config.json, a package's index file (one JSON line per version,
// publish order, every kind of dependency, features, checksums, yanks, sounio_version), its ETag and 304s, its cache
// (what is served is cached; publish, yank, unyank and deletion drop it; a download flush does not; a build that
// races a change is not cached), canonical names, 404s, and its rate-limit bucket (downloads).
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, expect, it } from 'vitest';
import { cachedBytes } from '../../src/services/documents.js';
import { countDownload, flushDownloads } from '../../src/services/downloads.js';
import { packageCacheKeys, packageChanged } from '../../src/services/package-events.js';
import { packTarball, publishTarball, published, type PackageSpec } from '../helpers/packages.js';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { signUp, type TestUser } from '../helpers/users.js';

const PUBLIC_URL = 'https://sounio.example.org';
const LINE_KEYS = ['name', 'vers', 'deps', 'cksum', 'features', 'yanked', 'sounio_version'];
const DEP_KEYS = ['name', 'req', 'features', 'optional', 'default_features', 'kind'];

/** The lines of an index file, parsed; checks the framing (text/plain, every line newline-terminated, key order). */
function lines(response: LightMyRequestResponse): Array<Record<string, unknown>> {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
  if (response.body === '') return [];
  expect(response.body.endsWith('\n')).toBe(true);
  return response.body
    .slice(0, -1)
    .split('\n')
    .map((text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(line)).toEqual(LINE_KEYS);
      for (const dep of line['deps'] as Array<Record<string, unknown>>) expect(Object.keys(dep)).toEqual(DEP_KEYS);
      return line;
    });
}

async function publishSpec(registry: TestRegistry, user: TestUser, spec: PackageSpec): Promise<{ checksum: string }> {
  const tarball = await packTarball(spec);
  const response = await publishTarball(registry, user.auth, spec.name, spec.version, tarball);
  expect(response.statusCode, response.body).toBe(201);
  return { checksum: createHash('sha256').update(tarball).digest('hex') };
}

const APP_0_1_0 = `[package]
name = "idx-app"
version = "0.1.0"
description = "An application of the index tests"
license = "MIT"
sounio-version = "0.9"

[dependencies]
idx-base = { version = "^1.0", features = ["extra"], default-features = false }
idx-opt = { version = "1", optional = true }

[dev-dependencies]
idx-helper = "^2"

[build-dependencies]
idx-build = "~0.3"

[features]
default = ["fast"]
fast = []
with-opt = ["dep:idx-opt", "idx-base/std"]
`;

describeEachBackend(
  'the sparse index',
  (registry) => {
    let author: TestUser;
    let admin: TestUser;
    const checksums: Record<string, string> = {};
    const get = (url: string, headers: Record<string, string> = {}) => registry().app.inject({ method: 'GET', url, headers });
    const index = (name: string, headers: Record<string, string> = {}) => get(`/api/v1/index/${name}`, headers);

    beforeAll(async () => {
      author = await signUp(registry());
      admin = await signUp(registry(), { admin: true });
      await published(registry(), author.auth, {
        name: 'idx-base',
        version: '1.1.0',
        manifest: '[package]\nname = "idx-base"\nversion = "1.1.0"\ndescription = "Base"\nlicense = "MIT"\n\n[features]\ndefault = ["std"]\nstd = []\nextra = []\n',
      });
      await published(registry(), author.auth, { name: 'idx-opt', version: '1.4.0' });
      await published(registry(), author.auth, { name: 'idx-helper', version: '2.0.1' });
      await published(registry(), author.auth, { name: 'idx-build', version: '0.3.2' });
      // Published out of SemVer order: a backport (0.1.1) after 0.2.0.
      checksums['0.1.0'] = (await publishSpec(registry(), author, { name: 'idx-app', version: '0.1.0', manifest: APP_0_1_0 })).checksum;
      checksums['0.2.0'] = (await publishSpec(registry(), author, { name: 'idx-app', version: '0.2.0', dependencies: { idx_base: '>=1.1, <2' } })).checksum;
      checksums['0.1.1'] = (await publishSpec(registry(), author, { name: 'idx-app', version: '0.1.1' })).checksum;
    });

    it('config.json names the download URL template and the API from PUBLIC_URL, and the template downloads', async () => {
      const response = await get('/api/v1/index/config.json');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.json()).toEqual({ dl: `${PUBLIC_URL}/api/v1/packages/{name}/versions/{version}/download`, api: `${PUBLIC_URL}/api/v1` });
      expect(response.headers['etag']).toMatch(/^"[\w-]+"$/);
      const revalidated = await get('/api/v1/index/config.json', { 'if-none-match': response.headers['etag'] as string });
      expect(revalidated.statusCode).toBe(304);
      expect(revalidated.body).toBe('');

      const url = (response.json().dl as string).replace('{name}', 'idx-app').replace('{version}', '0.1.0').slice(PUBLIC_URL.length);
      const download = await get(url);
      expect(download.statusCode).toBe(200);
      expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(checksums['0.1.0']);
    });

    it('has one line per version in publish order, with every kind of dependency, features, checksums and sounio_version', async () => {
      const response = await index('idx-app');
      expect(response.headers['etag']).toMatch(/^"[\w-]+"$/);
      expect(response.headers['cache-control']).toBe('public, max-age=0');
      const body = lines(response);
      expect(body.map((line) => line['vers'])).toEqual(['0.1.0', '0.2.0', '0.1.1']);
      expect(body[0]).toEqual({
        name: 'idx-app',
        vers: '0.1.0',
        deps: expect.arrayContaining([
          { name: 'idx-base', req: '^1.0', features: ['extra'], optional: false, default_features: false, kind: 'normal' },
          { name: 'idx-opt', req: '1', features: [], optional: true, default_features: true, kind: 'normal' },
          { name: 'idx-helper', req: '^2', features: [], optional: false, default_features: true, kind: 'dev' },
          { name: 'idx-build', req: '~0.3', features: [], optional: false, default_features: true, kind: 'build' },
        ]),
        cksum: checksums['0.1.0'],
        features: { default: ['fast'], fast: [], 'with-opt': ['dep:idx-opt', 'idx-base/std'] },
        yanked: false,
        sounio_version: '0.9',
      });
      expect(body[0]!['deps']).toHaveLength(4);
      expect(body[1]).toEqual({
        name: 'idx-app',
        vers: '0.2.0',
        deps: [{ name: 'idx_base', req: '>=1.1, <2', features: [], optional: false, default_features: true, kind: 'normal' }],
        cksum: checksums['0.2.0'],
        features: {},
        yanked: false,
        sounio_version: null,
      });
      expect(body[2]).toMatchObject({ vers: '0.1.1', deps: [], cksum: checksums['0.1.1'], sounio_version: null });

      // The checksum is the one the version API reports (and the SHA-256 of the uploaded bytes, above).
      for (const line of body) {
        const version = await get(`/api/v1/packages/idx-app/versions/${line['vers'] as string}`);
        expect(line['cksum']).toBe(version.json().checksum);
      }
      const base = lines(await index('idx-base'));
      expect(base).toEqual([expect.objectContaining({ name: 'idx-base', vers: '1.1.0', features: { default: ['std'], std: [], extra: [] } })]);
    });

    it('looks names up canonically and always names the package as published', async () => {
      const canonical = await index('idx-app');
      for (const spelling of ['idx_app', 'IDX-App', 'Idx_App']) {
        const response = await index(spelling);
        expect(response.body).toBe(canonical.body);
        expect(response.headers['etag']).toBe(canonical.headers['etag']);
      }
    });

    it('answers 304 with an empty body to If-None-Match with the current ETag (also weak or in a list), 200 otherwise', async () => {
      const first = await index('idx-app');
      const etag = first.headers['etag'] as string;
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const revalidated = await index('idx-app', { 'if-none-match': header });
        expect(revalidated.statusCode, header).toBe(304);
        expect(revalidated.body).toBe('');
        expect(revalidated.headers['etag']).toBe(etag);
      }
      const stale = await index('idx-app', { 'if-none-match': '"not-the-etag"' });
      expect(stale.statusCode).toBe(200);
      expect(stale.body).toBe(first.body);
    });

    it('a yank flips the line and the ETag at once; an unyank flips both back', async () => {
      const before = await index('idx-app');
      const yank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/idx-app/versions/0.2.0/yank', headers: author.auth, payload: { reason: 'bad' } });
      expect(yank.statusCode, yank.body).toBe(200);
      const yanked = await index('idx-app', { 'if-none-match': before.headers['etag'] as string });
      expect(yanked.headers['etag']).not.toBe(before.headers['etag']);
      expect(lines(yanked).map((line) => [line['vers'], line['yanked']])).toEqual([
        ['0.1.0', false],
        ['0.2.0', true],
        ['0.1.1', false],
      ]);

      const unyank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/idx-app/versions/0.2.0/unyank', headers: author.auth });
      expect(unyank.statusCode, unyank.body).toBe(200);
      const restored = await index('idx-app', { 'if-none-match': yanked.headers['etag'] as string });
      expect(lines(restored).every((line) => line['yanked'] === false)).toBe(true);
      // The same content as before the yank: the same ETag, so a client holding that copy gets a 304 again.
      expect(restored.body).toBe(before.body);
      expect(restored.headers['etag']).toBe(before.headers['etag']);
      expect((await index('idx-app', { 'if-none-match': before.headers['etag'] as string })).statusCode).toBe(304);
    });

    it('a new publish appears in the next read', async () => {
      await published(registry(), author.auth, { name: 'idx-fresh', version: '1.0.0' });
      const first = await index('idx-fresh');
      expect(lines(first).map((line) => line['vers'])).toEqual(['1.0.0']);
      const { checksum } = await publishSpec(registry(), author, { name: 'idx-fresh', version: '1.1.0', dependencies: { 'idx-base': '^1' } });
      const second = await index('idx-fresh', { 'if-none-match': first.headers['etag'] as string });
      expect(second.statusCode).toBe(200);
      expect(lines(second).map((line) => [line['vers'], line['cksum']])).toEqual([
        ['1.0.0', expect.stringMatching(/^[0-9a-f]{64}$/)],
        ['1.1.0', checksum],
      ]);
    });

    it('is served from the key-value cache, which a download flush leaves in place', async () => {
      await published(registry(), author.auth, { name: 'idx-cached', version: '1.0.0' });
      const keys = packageCacheKeys('idx-cached');
      const first = await index('idx-cached');
      expect((await registry().ctx.kv.get(keys.index))?.toString()).toContain(first.body);

      // A change behind the services' back is not seen: the cached file is what is served...
      await registry().ctx.db.query(
        `UPDATE versions SET yanked = true WHERE package_id = (SELECT id FROM packages WHERE canonical_name = 'idx_cached')`,
      );
      expect((await index('idx-cached')).body).toBe(first.body);

      // ...and a download flush (counts only) keeps it, while the package document, which shows counts, is dropped.
      await get('/api/v1/packages/idx-cached');
      expect(await registry().ctx.kv.get(keys.package)).not.toBeNull();
      const { rows } = await registry().ctx.db.query<{ id: string }>(
        `SELECT v.id FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.canonical_name = 'idx_cached'`,
      );
      await countDownload(registry().ctx, rows[0]!.id);
      expect(await flushDownloads(registry().ctx)).toBeGreaterThanOrEqual(1);
      expect(await registry().ctx.kv.get(keys.package)).toBeNull();
      expect((await index('idx-cached')).body).toBe(first.body);

      // A change through the services drops it.
      await packageChanged(registry().ctx, 'idx-cached');
      expect(await registry().ctx.kv.get(keys.index)).toBeNull();
      expect(lines(await index('idx-cached'))[0]).toMatchObject({ vers: '1.0.0', yanked: true });
    });

    it('does not cache a file built while the package changed (the build may have read the state before the change)', async () => {
      const ctx = registry().ctx;
      const keys = packageCacheKeys('idx-racing');
      let state = 'before';
      const racing = await cachedBytes(
        ctx,
        keys.index,
        async () => {
          const read = state;
          // The change commits and invalidates while this build still holds what it read before.
          state = 'after';
          await packageChanged(ctx, 'idx-racing');
          return Buffer.from(read);
        },
        { stampKey: keys.stamp },
      );
      expect(racing.body.toString()).toBe('before');
      expect(await ctx.kv.get(keys.index)).toBeNull();
      const next = await cachedBytes(ctx, keys.index, async () => Buffer.from(state), { stampKey: keys.stamp });
      expect(next.body.toString()).toBe('after');
      // Without a change during the build, the result is cached and served.
      const cached = await cachedBytes(ctx, keys.index, async () => Buffer.from('rebuilt'), { stampKey: keys.stamp });
      expect(cached.body.toString()).toBe('after');
    });

    it('a package without versions has an empty file; an unknown or deleted package is a 404 with the Error body', async () => {
      const created = await registry().app.inject({ method: 'POST', url: '/api/v1/packages', headers: author.auth, payload: { name: 'idx-empty' } });
      expect(created.statusCode, created.body).toBe(201);
      const empty = await index('idx-empty');
      expect(lines(empty)).toEqual([]);
      expect(empty.headers['etag']).toMatch(/^"[\w-]+"$/);

      const unknown = await index('idx-nothing-here');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/json/);
      expect(unknown.json()).toEqual({ error: 'not_found', message: expect.stringContaining('idx-nothing-here'), details: { package: 'idx-nothing-here' } });

      await published(registry(), author.auth, { name: 'idx-doomed', version: '1.0.0' });
      expect(lines(await index('idx-doomed'))).toHaveLength(1);
      const deleted = await registry().app.inject({ method: 'DELETE', url: '/api/v1/packages/idx-doomed', headers: admin.auth });
      expect(deleted.statusCode, deleted.body).toBe(204);
      expect(await registry().ctx.kv.get(packageCacheKeys('idx-doomed').index)).toBeNull();
      const gone = await index('idx-doomed');
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error).toBe('not_found');
    });

    it('refuses a name longer than any package name with a 400', async () => {
      const response = await index('a'.repeat(65));
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBeTypeOf('string');
    });
  },
  { env: { PUBLIC_URL } },
);

describeEachBackend(
  'the sparse index and rate limits',
  (registry) => {
    let address = 0;
    const from = () => `198.51.100.${++address}`;
    const get = (url: string, ip: string, headers: Record<string, string> = {}) =>
      registry().app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': ip, ...headers } });

    beforeAll(async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'idx-limited', version: '1.0.0' });
    });

    it('index reads count as downloads: they share the download bucket with tarballs, not the bucket of other requests', async () => {
      const ip = from();
      const first = await get('/api/v1/index/idx-limited', ip);
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-ratelimit-limit']).toBe('3');
      expect(first.headers['x-ratelimit-remaining']).toBe('2');
      expect((await get('/api/v1/index/config.json', ip)).headers['x-ratelimit-remaining']).toBe('1');
      expect((await get('/api/v1/packages/idx-limited/versions/1.0.0/download', ip)).statusCode).toBe(200);

      for (const url of ['/api/v1/index/idx-limited', '/api/v1/index/config.json', '/api/v1/packages/idx-limited/versions/1.0.0/download']) {
        const refused = await get(url, ip);
        expect(refused.statusCode, url).toBe(429);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        expect(refused.json()).toMatchObject({ error: 'rate_limited', details: { category: 'download', limit: 3 } });
      }
      // Other requests have their own bucket.
      const other = await get('/api/v1/packages/idx-limited', ip);
      expect(other.statusCode).toBe(200);
      expect(other.headers['x-ratelimit-limit']).toBe('1000000');
    });

    it('a 304 revalidation is free, and still answered at the limit', async () => {
      const ip = from();
      const first = await get('/api/v1/index/idx-limited', ip);
      const etag = first.headers['etag'] as string;
      for (let i = 0; i < 5; i++) {
        const revalidated = await get('/api/v1/index/idx-limited', ip, { 'if-none-match': etag });
        expect(revalidated.statusCode).toBe(304);
        expect(revalidated.headers['x-ratelimit-remaining']).toBe('2');
      }
      await get('/api/v1/index/idx-limited', ip);
      await get('/api/v1/index/idx-limited', ip);
      expect((await get('/api/v1/index/idx-limited', ip)).statusCode).toBe(429);
      expect((await get('/api/v1/index/idx-limited', ip, { 'if-none-match': etag })).statusCode).toBe(304);
      const stale = await get('/api/v1/index/idx-limited', ip, { 'if-none-match': '"old"' });
      expect(stale.statusCode).toBe(429);
      expect(stale.headers['content-type']).toMatch(/^application\/json/);
      expect(stale.headers['etag']).toBeUndefined();
    });
  },
  { env: { TRUST_PROXY: 'true', RATE_LIMIT_DOWNLOAD_ANON: '3' } },
);
