// A 304 answer is not counted against the download limit, so a client that caches with If-None-Match can install
// again and again; a revalidation over the limit that does not end in a 304 is still refused.
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/registry.js';

const ETAG = '"v1"';

describeEachBackend(
  'rate limits and revalidation',
  (registry) => {
    const get = (url: string, etag?: string) =>
      registry().app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': '203.0.113.9', ...(etag !== undefined && { 'if-none-match': etag }) } });

    it('304 answers are free; fresh downloads count; over the limit only a 304 still answers', async () => {
      const first = await get('/api/v1/_test/tarball');
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-ratelimit-remaining']).toBe('2');
      for (let i = 0; i < 10; i++) {
        const revalidated = await get('/api/v1/_test/tarball', ETAG);
        expect(revalidated.statusCode).toBe(304);
        expect(revalidated.headers['x-ratelimit-remaining']).toBe('2');
      }
      expect((await get('/api/v1/_test/tarball')).statusCode).toBe(200);
      expect((await get('/api/v1/_test/tarball')).statusCode).toBe(200);
      const refused = await get('/api/v1/_test/tarball');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toBe('rate_limited');
      // At the limit, a cached copy can still be revalidated...
      expect((await get('/api/v1/_test/tarball', ETAG)).statusCode).toBe(304);
      // ...but a stale ETag (which would download the body) is refused, with the Error body instead of the bytes.
      const stale = await get('/api/v1/_test/tarball', '"old"');
      expect(stale.statusCode).toBe(429);
      expect(stale.headers['content-type']).toMatch(/^application\/json/);
      expect(stale.headers['etag']).toBeUndefined();
      expect(stale.headers['retry-after']).toMatch(/^\d+$/);
      expect(stale.json()).toMatchObject({ error: 'rate_limited', details: { category: 'download', limit: 3 } });
    });
  },
  {
    env: { TRUST_PROXY: 'true', RATE_LIMIT_DOWNLOAD_ANON: '3' },
    extraRoutes: (app) => {
      app.get('/api/v1/_test/tarball', { config: { rateLimit: 'download' }, schema: { hide: true } }, async (request, reply) => {
        reply.header('etag', ETAG);
        if (request.headers['if-none-match'] === ETAG) return reply.code(304).send();
        return reply.type('application/gzip').send(Readable.from([Buffer.from('tarball bytes')]));
      });
    },
  },
);
