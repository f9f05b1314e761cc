// PostgreSQL unreachable under a running registry: a TCP proxy of the test's own sits between `sounio-registry
// serve` and the shared PostgreSQL server, and the test cuts it (every open connection reset, every new one refused)
// while requests keep coming. Requests that need the database then get a 503 `service_unavailable` Error body
// quickly (never a 500, never a hang), /readyz is 503 naming the database while /healthz stays 200; once the proxy
// forwards again the same process serves normally within seconds, without a restart, and nothing half-done is left.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RAISED_LIMITS, createUserAndLogin, publishOver } from '../helpers/cluster.js';
import { Children, freePort, sleep, waitFor, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { createPostgresDatabase, describeNeeding, tempDir, type TestDatabase } from '../helpers/registry.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** The longest a request may take while PostgreSQL is unreachable (the pool's connect timeout is far above this). */
const BOUND_MS = 5_000;

interface Answer {
  status: number | 'error';
  ms: number;
  error?: string;
  body?: string;
}

describeNeeding(['TEST_DATABASE_URL'], 'PostgreSQL cut off from a running registry', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-pgcut-');
  let database: TestDatabase & { url: string };
  let proxy: TcpProxy;
  let server: RegistryProcess;
  let url = '';
  let token = '';

  beforeAll(async () => {
    database = (await createPostgresDatabase()) as TestDatabase & { url: string };
    const direct = new URL(database.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(database.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, DATABASE_URL: proxied.toString(), ...RAISED_LIMITS, JWT_SECRET: 'j'.repeat(40), SESSION_SECRET: 's'.repeat(40), LOG_LEVEL: 'warn' };
    server = children.start(['serve'], { ...env, PORT: String(port) });
    await waitForReady(server, url, 60_000);
    token = await createUserAndLogin(children, env, url, 'cutowner');
  });
  afterAll(async () => {
    await children.killAll();
    await proxy?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function ask(path: string, init: RequestInit = {}): Promise<Answer> {
    const started = Date.now();
    try {
      const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      const body = await response.text();
      return { status: response.status, ms: Date.now() - started, body, ...(response.status >= 400 && { error: errorCode(body) }) };
    } catch (error) {
      return { status: 'error', ms: Date.now() - started, error: (error as Error).message };
    }
  }

  function errorCode(body: string): string {
    try {
      return String((JSON.parse(body) as { error?: unknown }).error);
    } catch {
      return `not JSON: ${body.slice(0, 80)}`;
    }
  }

  async function versionsOf(name: string): Promise<string[]> {
    const { rows } = await database.db.query<{ version: string }>('SELECT v.version FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = $1 ORDER BY v.version', [name]);
    return rows.map((row) => row.version);
  }

  it('requests needing the database get 503 Error bodies within a bounded time, /readyz 503; restored, it recovers without a restart', { timeout: 60_000 }, async () => {
    expect((await publishOver(url, token, 'cutpkg', '1.0.0')).status).toBe(201);
    const auth = { authorization: `Bearer ${token}` };

    // Load through the whole cut: a profile (a query), the caller (token check and a query), a package list.
    const answers: Answer[] = [];
    let loading = true;
    const paths = ['/api/v1/users/cutowner', '/api/v1/me', '/api/v1/users/cutowner/packages'];
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let i = worker; loading; i++) {
          answers.push(await ask(paths[i % paths.length]!, { headers: auth }));
          await sleep(10);
        }
      }),
    );
    await sleep(500);
    const beforeCut = answers.length;

    proxy.cut();
    const cutAt = Date.now();
    // Every request that needs the database is a 503 from now on, quickly.
    let last: Answer | undefined;
    await waitFor(async () => (last = await ask('/api/v1/users/cutowner')).status === 503, 'a 503 once PostgreSQL is cut', BOUND_MS).catch((error: Error) => {
      throw new Error(`${error.message}; last answer ${JSON.stringify(last)}; stderr ${server.stderr().slice(-2000)}`);
    });
    const profile = await ask('/api/v1/users/cutowner');
    expect(profile.status).toBe(503);
    expect(profile.ms).toBeLessThan(BOUND_MS);
    expect(JSON.parse(profile.body!)).toMatchObject({ error: 'service_unavailable', message: expect.stringMatching(/database/) });
    const raw = await fetch(`${url}/api/v1/users/cutowner`);
    expect(raw.headers.get('retry-after')).toBe('5');
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    await raw.arrayBuffer();

    const ready = await ask('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(BOUND_MS);
    expect(JSON.parse(ready.body!)).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/^database/), checks: { blobs: 'ok', kv: 'ok' } });
    expect((await ask('/healthz')).status).toBe(200);

    // A publish while cut: 503, and it leaves nothing behind (checked once the database is back).
    const started = Date.now();
    const cutPublish = await publishOver(url, token, 'cutpkg', '1.1.0');
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(cutPublish.status).toBe(503);
    expect(((await cutPublish.json()) as { error: string }).error).toBe('service_unavailable');
    await sleep(1000); // a little more load while cut
    const duringCut = answers.slice(beforeCut);

    proxy.restore();
    const restoredAt = Date.now();
    await waitFor(async () => (await ask('/api/v1/users/cutowner')).status === 200, 'answers once PostgreSQL is reachable again', 5_000);
    const recoveredMs = Date.now() - restoredAt;
    await waitFor(async () => (await ask('/readyz')).status === 200, '/readyz 200 again', 5_000);
    expect(JSON.parse((await ask('/readyz')).body!)).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', kv: 'ok' } });
    await sleep(500);
    loading = false;
    await load;
    const afterRestore = answers.filter((answer, index) => index >= beforeCut + duringCut.length && answer.status !== 503);

    // While cut: only 200s (answered before the cut took effect, or from a cache) and 503 Error bodies; never a
    // 500, never a hang, never a dropped connection.
    expect(answers.length).toBeGreaterThan(50);
    for (const answer of answers) {
      expect(answer.status === 200 || (answer.status === 503 && answer.error === 'service_unavailable'), JSON.stringify(answer)).toBe(true);
      expect(answer.ms, JSON.stringify(answer)).toBeLessThan(BOUND_MS);
    }
    expect(duringCut.filter((answer) => answer.status === 503).length).toBeGreaterThan(10);
    expect(afterRestore.length).toBeGreaterThan(0);
    expect(recoveredMs).toBeLessThan(5_000);
    expect(Date.now() - cutAt).toBeLessThan(30_000);

    // Consistent: the refused publish left no version, the same publish now succeeds, and the process never restarted.
    expect(await versionsOf('cutpkg')).toEqual(['1.0.0']);
    expect((await publishOver(url, token, 'cutpkg', '1.1.0')).status).toBe(201);
    expect(await versionsOf('cutpkg')).toEqual(['1.0.0', '1.1.0']);
    expect(((await (await fetch(`${url}/api/v1/packages/cutpkg`)).json()) as { latest_version: string }).latest_version).toBe('1.1.0');
    expect(server.exit()).toBeUndefined();
    expect(server.stderr()).not.toMatch(/unhandled|uncaught/i);
  });
});
