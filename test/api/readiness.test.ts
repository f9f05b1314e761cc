// /readyz names the backend that does not answer: 503 for the database or the blob store (the registry cannot
// serve), 200 "degraded" for the key-value store alone (it serves with per-process fallbacks). API requests that
// need an unreachable database get a 503 Error body, never a 500.
import { freePort } from '../helpers/process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/postgres.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registry.js';


describe('readiness with a backend down', () => {
  let registry: TestRegistry;
  let deadDatabase: App;

  beforeAll(async () => {
    const port = await freePort();
    registry = await createTestRegistry('embedded', {
      env: { S3_BUCKET: 'unreachable', S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    });
    const db = openPostgres({ url: `postgres://postgres@127.0.0.1:${port}/none`, poolSize: 2, connectTimeoutMs: 1000 });
    deadDatabase = await buildApp({ ...registry.ctx, db });
    await deadDatabase.fastify.ready();
  });
  afterAll(async () => {
    await deadDatabase?.fastify.close();
    await registry?.close();
  });

  it('an unreachable blob store makes /readyz 503 naming it', async () => {
    const response = await registry.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'unavailable', message: 'blob store unreachable', checks: { database: 'ok', kv: 'ok' } });
    expect(response.json().checks.blobs).not.toBe('ok');
  });

  it('an unreachable database makes /readyz 503 naming it, and API requests 503 Error bodies', async () => {
    const ready = await deadDatabase.fastify.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().message).toMatch(/^database/);
    const api = await deadDatabase.fastify.inject({ method: 'GET', url: '/api/v1/users/somebody' });
    expect(api.statusCode).toBe(503);
    expect(api.json()).toMatchObject({ error: 'service_unavailable' });
    expect(api.headers['retry-after']).toBe('5');
    expect((await deadDatabase.fastify.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
