// The blob store (S3, here s3rver behind a TCP proxy of the test's own) unreachable during publishes: the proxy is
// cut in the middle of a tarball upload, and while it stays cut. Each publish gets a 503 `service_unavailable`
// Error body (never a 500) within a bounded time, leaves no version row, and /readyz is 503 naming the blob store;
// once the proxy forwards again the very same publishes succeed with 201 and serve the exact bytes.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RAISED_LIMITS, createUserAndLogin, publishOver } from '../helpers/cluster.js';
import { packTarball } from '../helpers/packages.js';
import { Children, freePort, waitFor, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { createPostgresDatabase, describeNeeding, tempDir, type TestDatabase } from '../helpers/registry.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** The longest a publish may take while S3 is unreachable (the SDK retries a refused connection a few times). */
const BOUND_MS = 15_000;

describeNeeding(['TEST_DATABASE_URL'], 'S3 unreachable during publishes', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-s3down-');
  let database: TestDatabase & { url: string };
  let s3: TestS3;
  let proxy: TcpProxy;
  let server: RegistryProcess;
  let url = '';
  let token = '';

  beforeAll(async () => {
    database = (await createPostgresDatabase()) as TestDatabase & { url: string };
    s3 = await startS3();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ...s3.env,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      ...RAISED_LIMITS,
      JWT_SECRET: 'j'.repeat(40),
      SESSION_SECRET: 's'.repeat(40),
      LOG_LEVEL: 'warn',
    };
    server = children.start(['serve'], { ...env, PORT: String(port) });
    await waitForReady(server, url, 60_000);
    token = await createUserAndLogin(children, env, url, 's3owner');
  });
  afterAll(async () => {
    await children.killAll();
    await proxy?.close();
    await s3?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function versionsOf(name: string): Promise<string[]> {
    const { rows } = await database.db.query<{ version: string }>('SELECT v.version FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = $1 ORDER BY v.version', [name]);
    return rows.map((row) => row.version);
  }

  async function publishTimed(name: string, version: string, tarball: Buffer): Promise<{ status: number; body: { error?: string; message?: string }; ms: number }> {
    const started = Date.now();
    const response = await publishOver(url, token, name, version, { tarball });
    return { status: response.status, body: (await response.json()) as { error?: string; message?: string }, ms: Date.now() - started };
  }

  async function download(name: string, version: string): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(`${url}/api/v1/packages/${name}/versions/${version}/download`);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  it('cut mid-upload and while cut: 503, no version row, /readyz 503; restored: the same publishes succeed with 201', { timeout: 60_000 }, async () => {
    // Incompressible, so the upload to S3 is a couple of megabytes long and the cut lands inside it.
    const first = await packTarball({ name: 's3pkg', version: '1.0.0', files: { 'data.bin': randomBytes(2 * 1024 * 1024) } });
    expect((await publishOver(url, token, 's3pkg', '1.0.0', { tarball: first })).status).toBe(201);
    expect((await download('s3pkg', '1.0.0')).bytes.equals(first)).toBe(true);

    // 1. The connection to S3 reset in the middle of the tarball's upload (then every new one refused).
    const midUpload = await packTarball({ name: 's3pkg', version: '1.1.0', files: { 'data.bin': randomBytes(2 * 1024 * 1024) } });
    const cutDone = proxy.cutAfter(512 * 1024);
    const interrupted = await publishTimed('s3pkg', '1.1.0', midUpload);
    await cutDone; // the cut really happened during this publish's upload
    expect(interrupted.status, JSON.stringify(interrupted.body)).toBe(503);
    expect(interrupted.body).toMatchObject({ error: 'service_unavailable', message: expect.stringMatching(/blob/) });
    expect(interrupted.ms).toBeLessThan(BOUND_MS);

    // 2. A publish while S3 stays unreachable: refused the same way, before anything is written.
    const whileCut = await packTarball({ name: 's3other', version: '0.1.0' });
    const refused = await publishTimed('s3other', '0.1.0', whileCut);
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.body.error).toBe('service_unavailable');
    expect(refused.ms).toBeLessThan(BOUND_MS);

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', message: 'blob store unreachable', checks: { database: 'ok', kv: 'ok' } });
    // Reading a tarball needs the store too: a 503 Error body, not a 500.
    const unreadable = await fetch(`${url}/api/v1/packages/s3pkg/versions/1.0.0/download`);
    expect(unreadable.status).toBe(503);
    expect(((await unreadable.json()) as { error: string }).error).toBe('service_unavailable');
    // What needs only the database still answers.
    expect(((await (await fetch(`${url}/api/v1/packages/s3pkg`)).json()) as { latest_version: string }).latest_version).toBe('1.0.0');

    // Nothing of the refused publishes exists.
    expect(await versionsOf('s3pkg')).toEqual(['1.0.0']);
    expect(await versionsOf('s3other')).toEqual([]);
    const index = await (await fetch(`${url}/api/v1/index/s3pkg`)).text();
    expect(index.trim().split('\n')).toHaveLength(1);

    // Restored: ready again, and the very same publishes (same bytes) now succeed.
    proxy.restore();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, '/readyz 200 once S3 is reachable again', 10_000);
    const retried = await publishTimed('s3pkg', '1.1.0', midUpload);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect((await publishTimed('s3other', '0.1.0', whileCut)).status).toBe(201);
    expect(await versionsOf('s3pkg')).toEqual(['1.0.0', '1.1.0']);
    expect(await versionsOf('s3other')).toEqual(['0.1.0']);

    // Consistent: every version row has its whole blob, byte for byte.
    for (const [name, version, tarball] of [['s3pkg', '1.0.0', first], ['s3pkg', '1.1.0', midUpload], ['s3other', '0.1.0', whileCut]] as const) {
      const got = await download(name, version);
      expect(got.status).toBe(200);
      expect(createHash('sha256').update(got.bytes).digest('hex')).toBe(createHash('sha256').update(tarball).digest('hex'));
    }
    expect(server.exit()).toBeUndefined();
    expect(server.stderr()).not.toMatch(/unhandled|uncaught|internal_error/i);
  });
});
