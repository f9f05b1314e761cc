// GET /metrics in Prometheus's text format: what the registry did (requests by route pattern and status, publishes
// by outcome, downloads, 429s by class, document cache hits, job runs, flush lag) and how its backends are (pool use,
// backend checks). Not rate-limited, not authenticated, and gone with METRICS=off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../../src/jobs/runner.js';
import { downloadFlushJob } from '../../src/jobs/download-flush.js';
import { packTarball, published, publishTarball } from '../helpers/packages.js';
import { sample } from '../helpers/metrics.js';
import { searchIndexReady } from '../../src/services/search-index-sync.js';
import { createTestRegistry, describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { signUp } from '../helpers/users.js';


async function scrape(registry: TestRegistry): Promise<string> {
  const response = await registry.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

describeEachBackend('metrics', (registry, kind) => {
  it('counts requests by route pattern and status, publishes by outcome, downloads and cache hits', async () => {
    const author = await signUp(registry());
    const tarball = await packTarball({ name: 'metered', version: '1.0.0' });
    expect((await publishTarball(registry(), author.auth, 'metered', '1.0.0', tarball)).statusCode).toBe(201);
    expect((await publishTarball(registry(), author.auth, 'metered', '1.0.0', tarball)).statusCode).toBe(200);
    const other = await packTarball({ name: 'metered', version: '1.0.0', description: 'different bytes' });
    expect((await publishTarball(registry(), author.auth, 'metered', '1.0.0', other)).statusCode).toBe(409);
    for (let i = 0; i < 3; i++) {
      const download = await registry().app.inject({ method: 'GET', url: '/api/v1/packages/metered/versions/1.0.0/download' });
      expect(download.statusCode).toBe(200);
    }
    for (let i = 0; i < 4; i++) expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/metered' })).statusCode).toBe(200);
    expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/no-such-package' })).statusCode).toBe(404);

    const text = await scrape(registry());
    const route = '/api/v1/packages/:name';
    expect(sample(text, `sounio_http_request_duration_seconds_count{method="GET",route="${route}",status="200"}`)).toBe(4);
    expect(sample(text, `sounio_http_request_duration_seconds_count{method="GET",route="${route}",status="404"}`)).toBe(1);
    // Route patterns, never raw URLs: the package name appears in no label.
    expect(text).not.toMatch(/route="[^"]*metered/);
    expect(sample(text, 'sounio_publishes_total{outcome="created"}')).toBe(1);
    expect(sample(text, 'sounio_publishes_total{outcome="identical"}')).toBe(1);
    expect(sample(text, 'sounio_publishes_total{outcome="refused"}')).toBe(1);
    expect(sample(text, 'sounio_downloads_total')).toBe(3);
    // The first package GET after the publish builds the document; the next three are cache hits.
    expect(sample(text, 'sounio_document_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'sounio_document_cache_lookups_total{result="miss"}')).toBeGreaterThanOrEqual(1);
    const database = kind === 'embedded' ? 'pglite' : 'postgres';
    expect(sample(text, `sounio_backend_up{backend="database",kind="${database}"}`)).toBe(1);
    expect(sample(text, 'sounio_backend_up{backend="blobs",kind="disk"}')).toBe(1);
    expect(sample(text, `sounio_backend_up{backend="kv",kind="${kind === 'embedded' ? 'memory' : 'redis'}"}`)).toBe(1);
    expect(sample(text, 'sounio_database_pool_connections{state="max"}')).toBe(kind === 'embedded' ? 1 : 10);
    expect(sample(text, 'sounio_database_pool_connections{state="waiting"}')).toBe(0);
  });

  it('reports job runs and how long ago downloads were flushed', async () => {
    expect(sample(await scrape(registry()), 'sounio_download_flush_lag_seconds')).toBe(-1);
    const jobs = startJobs(registry().ctx, [downloadFlushJob]);
    try {
      await jobs.runNow('download-flush');
    } finally {
      await jobs.stop();
    }
    const text = await scrape(registry());
    // runNow and the final pass at stop: two successful runs.
    expect(sample(text, 'sounio_job_runs_total{job="download-flush",outcome="ok"}')).toBe(2);
    const lag = sample(text, 'sounio_download_flush_lag_seconds')!;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
  });

  it("reports the search index's size once the first search has built it, -1 before", async () => {
    expect(sample(await scrape(registry()), 'sounio_search_index_packages')).toBe(-1);
    const author = await signUp(registry());
    const tarball = await packTarball({ name: 'indexed-one', version: '1.0.0' });
    expect((await publishTarball(registry(), author.auth, 'indexed-one', '1.0.0', tarball)).statusCode).toBe(201);
    expect((await registry().app.inject({ method: 'GET', url: '/api/v1/search?q=indexed' })).statusCode).toBe(200);
    await searchIndexReady(registry().ctx);
    const { rows } = await registry().ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages WHERE available');
    expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
    expect(sample(await scrape(registry()), 'sounio_search_index_packages')).toBe(rows[0]!.n);
  });
});

describe('metrics and rate limits', () => {
  let limited: TestRegistry;
  let off: TestRegistry;
  beforeAll(async () => {
    limited = await createTestRegistry('embedded', { env: { RATE_LIMIT_SEARCH_ANON: '2', RATE_LIMIT_OTHER_ANON: '2', RATE_LIMIT_WEB_ANON: '2' } });
    off = await createTestRegistry('embedded', { env: { METRICS: 'off' } });
  });
  afterAll(async () => {
    await limited?.close();
    await off?.close();
  });

  it('counts 429s by rate class, and /metrics itself is never limited', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/api/v1/search?q=x' })).statusCode);
    expect(statuses).toEqual([200, 200, 429, 429]);
    for (let i = 0; i < 5; i++) await scrape(limited);
    const text = await scrape(limited);
    expect(sample(text, 'sounio_rate_limit_refusals_total{category="search"}')).toBe(2);
    expect(sample(text, 'sounio_http_request_duration_seconds_count{method="GET",route="/api/v1/search",status="429"}')).toBe(2);
  });

  it('METRICS=off: no /metrics route', async () => {
    const response = await off.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(404);
  });

  it('a published package is counted once per created version', async () => {
    const author = await signUp(limited);
    await published(limited, author.auth, { name: 'counted-twice', version: '1.0.0' });
    await published(limited, author.auth, { name: 'counted-twice', version: '1.1.0' });
    expect(sample(await scrape(limited), 'sounio_publishes_total{outcome="created"}')).toBe(2);
  });
});
