// Three `sounio-registry serve` processes sharing one PostgreSQL database, one Redis prefix and one S3 bucket
// (s3rver) behave as one registry: they migrate an empty database once, count 30,000 downloads spread across them
// exactly, share one search limit, let exactly one of three simultaneous publishes of a version win, show a publish
// on the others within a second, and keep serving without an error when one of them is SIGKILLed under load.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMigrations } from '../../src/db/migrate.js';
import { sample } from '../helpers/metrics.js';
import { RAISED_LIMITS, answered, createUserAndLogin, generateLoad, publishOver } from '../helpers/cluster.js';
import { Children, freePorts, sleep, waitFor, waitForExit, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { createPostgresDatabase, deleteRedisPrefix, describeRealServices, TEST_REDIS_URL, tempDir, uniqueName, type TestDatabase } from '../helpers/registry.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

const MIGRATIONS = loadMigrations().map((migration) => `${migration.id}_${migration.name}`);
const SEARCH_LIMIT = 100;
const DOWNLOADS = 30_000;

describeRealServices('three pods on one PostgreSQL, Redis and S3', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-pods-');
  const prefix = `${uniqueName('sounio_pods')}:`;
  let database: TestDatabase & { url: string };
  let s3: TestS3;
  let env: Record<string, string>;
  let pods: { server: RegistryProcess; url: string; metricsUrl: string }[] = [];
  let token = '';
  const urls = () => pods.map((pod) => pod.url);

  beforeAll(async () => {
    database = (await createPostgresDatabase({ migrated: false })) as TestDatabase & { url: string };
    s3 = await startS3();
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefix,
      ...s3.env,
      S3_REDIRECT_DOWNLOADS: 'true',
      ...RAISED_LIMITS,
      RATE_LIMIT_SEARCH_ANON: String(SEARCH_LIMIT),
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await children.killAll();
    await database?.drop();
    await s3?.stop();
    await deleteRedisPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function downloadsOf(name: string): Promise<number> {
    const { rows } = await database.db.query<{ downloads: number }>('SELECT coalesce(sum(v.downloads), 0)::int AS downloads FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = $1', [name]);
    return rows[0]!.downloads;
  }

  it('all three start at once on an empty database: migrations run once, all become ready', { timeout: 90_000 }, async () => {
    const ports = await freePorts(6);
    pods = [0, 1, 2].map((index) => {
      const port = ports[index]!;
      const metricsPort = ports[index + 3]!;
      const server = children.start(['serve'], { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) });
      return { server, url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}` };
    });
    const readiness = await Promise.all(pods.map((pod) => waitForReady(pod.server, pod.url, 60_000)));
    for (const ready of readiness) expect(ready).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', kv: 'ok' } });
    const { rows } = await database.db.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
    expect(rows.map((row) => `${row.id}_${row.name}`)).toEqual(MIGRATIONS);
    expect(pods.filter((pod) => pod.server.stdout().includes('migration(s)'))).toHaveLength(1);
    for (const pod of pods) expect(pod.server.stdout()).toContain('"blobs":"s3"');
    token = await createUserAndLogin(children, env, pods[0]!.url, 'podowner');
  });

  it('the same version published to all three at once: one 201, the others 409', { timeout: 60_000 }, async () => {
    // Different bytes for each, so a loser is a conflict rather than an identical retry.
    const answers = await Promise.all(pods.map((pod, index) => publishOver(pod.url, token, 'raced', '1.0.0', { description: `attempt ${index}` })));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    for (const answer of answers.filter((a) => a.status === 409)) expect(((await answer.json()) as { error: string }).error).toBe('version_exists');
    const { rows } = await database.db.query("SELECT v.version FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'raced'");
    expect(rows).toHaveLength(1);
  });

  it('a publish on one pod is visible on the others (package, index, search) within a second', { timeout: 60_000 }, async () => {
    const [a, b, c] = urls() as [string, string, string];
    // Warm every pod's caches with the old state first, so a stale cache would show.
    for (const url of [b, c]) {
      expect((await (await fetch(`${url}/api/v1/packages/raced`)).json()) as { latest_version: string }).toMatchObject({ latest_version: '1.0.0' });
      expect((await (await fetch(`${url}/api/v1/index/raced`)).text()).trim().split('\n')).toHaveLength(1);
    }
    expect((await publishOver(a, token, 'raced', '1.1.0')).status).toBe(201);
    const published = Date.now();
    const seen: Record<string, number> = {};
    await Promise.all(
      [b, c].map((url) =>
        waitFor(
          async () => {
            const pkg = (await (await fetch(`${url}/api/v1/packages/raced`)).json()) as { latest_version: string };
            const index = await (await fetch(`${url}/api/v1/index/raced`)).text();
            const search = (await (await fetch(`${url}/api/v1/search?q=raced`)).json()) as { packages: { name: string; latest_version: string }[] };
            const visible = pkg.latest_version === '1.1.0' && index.includes('"vers":"1.1.0"') && search.packages.some((p) => p.name === 'raced' && p.latest_version === '1.1.0');
            if (visible) seen[url] = Date.now() - published;
            return visible;
          },
          `1.1.0 to be visible on ${url}`,
          1000,
        ),
      ),
    );
    expect(Object.keys(seen)).toHaveLength(2);
  });

  it('the anonymous search limit is exact across the three: the 101st search, on whichever pod, is a 429', { timeout: 60_000 }, async () => {
    // The previous test searched a few times already; the window is shared, so count what is left.
    const first = await fetch(`${pods[0]!.url}/api/v1/search?q=raced`);
    expect(first.status).toBe(200);
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    expect(Number(first.headers.get('x-ratelimit-limit'))).toBe(SEARCH_LIMIT);
    expect(remaining).toBeGreaterThan(10);
    const statuses: number[] = [];
    for (let i = 0; i < remaining; i++) statuses.push((await fetch(`${urls()[i % 3]}/api/v1/search?q=raced`)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    for (const url of urls()) {
      const refused = await fetch(`${url}/api/v1/search?q=raced`);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: string }).error).toBe('rate_limited');
    }
  });

  it(`${DOWNLOADS} downloads spread across them are counted exactly once`, { timeout: 150_000 }, async () => {
    const load = await generateLoad(urls(), '/api/v1/packages/raced/versions/1.0.0/download', { total: DOWNLOADS, concurrency: 48 });
    expect(answered(load, 302)).toBe(DOWNLOADS);
    for (const url of urls()) expect(answered(load, 302, url)).toBe(DOWNLOADS / 3);
    // Each pod flushes every 5 s; the counts drain from one Redis hash, so together they write each download once.
    await waitFor(async () => (await downloadsOf('raced')) >= DOWNLOADS, 'the flushes', 30_000);
    await sleep(6000); // another round of flushes on every pod: nothing counted twice
    expect(await downloadsOf('raced')).toBe(DOWNLOADS);
    const { rows } = await database.db.query<{ total: number }>("SELECT p.downloads AS total FROM packages p WHERE p.name = 'raced'");
    expect(rows[0]!.total).toBe(DOWNLOADS);
    // Each pod's own metrics (on its METRICS_PORT) count what it answered; the main port has no /metrics.
    let counted = 0;
    for (const pod of pods) {
      expect((await fetch(`${pod.url}/metrics`)).status).toBe(404);
      const text = await (await fetch(`${pod.metricsUrl}/metrics`)).text();
      counted += sample(text, 'sounio_downloads_total') ?? 0;
      expect(sample(text, 'sounio_download_flush_lag_seconds')).toBeLessThan(10);
    }
    expect(counted).toBe(DOWNLOADS);
  });

  it('one pod SIGKILLed mid-load: the other two keep serving with no errors, and no acknowledged download is lost', { timeout: 120_000 }, async () => {
    const [victim, ...survivors] = pods as [(typeof pods)[0], ...(typeof pods)];
    // The kill comes after a sixth of the load is answered, not after a fixed time: on a fast machine a timer could
    // fire when the survivors had little left to answer, on a slow one before the load got going.
    let killed = false;
    let answeredSoFar = 0;
    let afterKill = 0;
    const load = generateLoad(urls(), '/api/v1/packages/raced/versions/1.0.0/download', {
      total: 6000,
      concurrency: 24,
      onAnswer: (target, status) => {
        if (killed && target !== victim.url && status === 302) afterKill++;
        if (!killed && ++answeredSoFar >= 1000) {
          victim.server.child.kill('SIGKILL');
          killed = true;
        }
      },
    });
    const result = await load;
    expect(killed).toBe(true);
    expect(await victim.server.exited).toMatchObject({ signal: 'SIGKILL' });
    // The survivors answered every request sent to them, before and after the kill.
    for (const pod of survivors) {
      expect(answered(result, 302, pod.url)).toBe(2000);
      expect(answered(result, 'error', pod.url)).toBe(0);
    }
    expect(afterKill).toBeGreaterThan(500);
    for (const pod of survivors) expect((await fetch(`${pod.url}/readyz`)).status).toBe(200);
    // Every download answered is counted, the victim's included (counted in Redis before the answer). A download the
    // victim counted but was killed before answering may be counted too: at most one per request in flight.
    const acknowledged = answered(result, 302);
    for (const pod of survivors) pod.server.child.kill('SIGTERM');
    for (const pod of survivors) expect(await waitForExit(pod.server, 10_000)).toEqual({ code: 0, signal: null });
    const counted = await downloadsOf('raced');
    expect(counted).toBeGreaterThanOrEqual(DOWNLOADS + acknowledged);
    expect(counted).toBeLessThanOrEqual(DOWNLOADS + acknowledged + 24);
  });
});
