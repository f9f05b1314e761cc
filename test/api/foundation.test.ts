// The HTTP foundation on each backend: health and readiness, the Error body for every 4xx under /api/, HTML 404s
// elsewhere, CORS only for public GETs, and the OpenAPI document.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Type } from 'typebox';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/registry.js';

function expectErrorBody(body: unknown, code: string): void {
  expect(body).toMatchObject({ error: code, message: expect.any(String) });
  const keys = Object.keys(body as object);
  expect(keys.every((key) => ['error', 'message', 'details'].includes(key))).toBe(true);
  expect((body as { message: string }).message.length).toBeGreaterThan(0);
}

describeEachBackend(
  'HTTP foundation',
  (registry) => {
    it('/healthz answers 200 and /readyz 200 with every check ok', async () => {
      const { app } = registry();
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', kv: 'ok' } });
    });

    it('an unknown API route is a 404 Error body', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/api/v1/nope' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectErrorBody(response.json(), 'not_found');
    });

    it('an unknown method on an API path is a 404 Error body too', async () => {
      const response = await registry().app.inject({ method: 'DELETE', url: '/api/v1/openapi.json' });
      expect(response.statusCode).toBe(404);
      expectErrorBody(response.json(), 'not_found');
    });

    it('an unknown page outside /api/ is an HTML 404 page', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/no/such/page' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('<h1>Page not found</h1>');
    });

    it('the home page is served', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('Sounio Package Registry');
    });

    it('schema-invalid input is a 400 Error body naming the field', async () => {
      const response = await registry().app.inject({ method: 'POST', url: '/api/v1/_test/echo', payload: { name: 'x', count: 'many' } });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expectErrorBody(body, 'invalid_request');
      expect(body.details.field).toBe('count');
    });

    it('a missing required field is named in details', async () => {
      const response = await registry().app.inject({ method: 'POST', url: '/api/v1/_test/echo', payload: { count: 1 } });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.field).toBe('name');
    });

    it('malformed JSON is a 400 invalid_json, not a 500', async () => {
      const response = await registry().app.inject({
        method: 'POST',
        url: '/api/v1/_test/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expect(response.statusCode).toBe(400);
      expectErrorBody(response.json(), 'invalid_json');
    });

    it('an unsupported content type is a 415 Error body', async () => {
      const response = await registry().app.inject({
        method: 'POST',
        url: '/api/v1/_test/echo',
        headers: { 'content-type': 'application/x-unknown' },
        payload: 'hello',
      });
      expect(response.statusCode).toBe(415);
      expectErrorBody(response.json(), 'unsupported_media_type');
    });

    it('a body over the limit is a 413 Error body', async () => {
      const response = await registry().app.inject({
        method: 'POST',
        url: '/api/v1/_test/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), count: 1 }),
      });
      expect(response.statusCode).toBe(413);
      expectErrorBody(response.json(), 'payload_too_large');
    });

    it('an unexpected exception is a 500 Error body without internals', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/api/v1/_test/boom' });
      expect(response.statusCode).toBe(500);
      expectErrorBody(response.json(), 'internal_error');
      expect(response.body).not.toContain('kaboom');
    });

    it('public GETs under /api/ allow any origin without credentials', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { origin: 'https://example.org' } });
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await registry().app.inject({
        method: 'OPTIONS',
        url: '/api/v1/openapi.json',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD');
      expect(String(preflight.headers['access-control-allow-headers']).split(', ')).toContain('If-None-Match');
      expect(preflight.headers['access-control-max-age']).toBe('86400');
      expect(preflight.body).toBe('');
      // A browser script may read the revalidation and rate-limit headers of the answer.
      const exposed = String(response.headers['access-control-expose-headers']).split(', ');
      for (const header of ['ETag', 'X-RateLimit-Remaining', 'Retry-After', 'X-Request-Id']) expect(exposed).toContain(header);
    });

    it('nothing else is open cross-origin', async () => {
      const { app } = registry();
      const post = await app.inject({ method: 'POST', url: '/api/v1/_test/echo', headers: { origin: 'https://evil.example' }, payload: { name: 'a', count: 1 } });
      expect(post.statusCode).toBe(200);
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/_test/echo',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
      const page = await app.inject({ method: 'GET', url: '/', headers: { origin: 'https://evil.example' } });
      expect(page.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('serves a valid OpenAPI 3.1 document and Swagger UI', async () => {
      const { app } = registry();
      const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(response.statusCode).toBe(200);
      const spec = response.json();
      expect(spec.openapi).toBe('3.1.0');
      const validator = new Validator();
      const result = await validator.validate(spec);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(['Error', 'Package', 'Version', 'User']));
      const docs = await app.inject({ method: 'GET', url: '/api/docs/' });
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toContain('swagger');
      const asset = await app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
      expect(asset.statusCode).toBe(200);
    });

    it('the test harness refuses a response that does not match its declared schema', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/api/v1/_test/off-contract' });
      expect(response.statusCode).toBe(500);
    });

    it('every response carries a request id', async () => {
      const response = await registry().app.inject({ method: 'GET', url: '/healthz' });
      expect(response.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
    });
  },
  {
    extraRoutes: (app) => {
      app.post(
        '/api/v1/_test/echo',
        { schema: { hide: true, body: Type.Object({ name: Type.String(), count: Type.Integer() }) } },
        async (request) => request.body,
      );
      app.get('/api/v1/_test/off-contract', { schema: { hide: true, response: { 200: Type.Ref('User') } } }, async () => ({
        id: 'not-a-uuid',
        username: 'x',
        email: 'x@example.org',
        created_at: 'yesterday',
      }));
      app.get('/api/v1/_test/boom', { schema: { hide: true } }, async () => {
        throw new Error('kaboom: internal detail');
      });
    },
  },
);
