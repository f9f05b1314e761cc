// Counted downloads are not lost on SIGTERM: the server flushes what it buffered before it exits, so every
// download it answered is in the database afterwards (a real `serve` process on the embedded database). A download
// still being sent when the signal comes is finished first, and its keep-alive connection does not hold the stop.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/adapters/pglite.js';
import { multipart, packTarball } from '../helpers/packages.js';
import { Children, freePort, sleep, waitForExit, waitForReady } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

/** True once nothing accepts connections on `port` any more. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('downloads and SIGTERM', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-flush-');
  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every answered download is counted after a graceful stop', async () => {
    const created = await children.run(['admin', 'create-user', '--username', 'owner', '--email', 'owner@example.org', '--password', 'correct horse', '--verified'], { DATA_DIR: dataDir }, 60_000);
    expect(created.code, created.stderr).toBe(0);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = children.start(['serve'], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', MAX_TARBALL_BYTES: String(64 * 1024 * 1024) });
    await waitForReady(server, url, 60_000);
    const output = () => `stderr:\n${server.stderr()}\nstdout:\n${server.stdout()}`;

    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.org', password: 'correct horse' }) });
    const { token } = (await login.json()) as { token: string };
    const publish = async (version: string, tarball: Buffer) => {
      const { payload, headers } = await multipart({ version }, tarball);
      const published = await fetch(`${url}/api/v1/packages/flushed/versions`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: payload });
      expect(published.status, await published.text()).toBe(201);
    };
    await publish('1.0.0', await packTarball({ name: 'flushed', version: '1.0.0' }));
    // Larger than what the socket buffers hold: while its body is not read, its response cannot finish.
    const big = await packTarball({ name: 'flushed', version: '2.0.0', files: { 'data.bin': randomBytes(16 * 1024 * 1024) } });
    await publish('2.0.0', big);

    const downloads = 57;
    for (let i = 0; i < downloads; i++) {
      const response = await fetch(`${url}/api/v1/packages/flushed/versions/1.0.0/download`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    // Answered (200 and its headers) but still being sent when the signal comes; read only once the server stopped
    // accepting connections. Its connection is kept alive by the client afterwards, as every other one.
    const inFlight = await fetch(`${url}/api/v1/packages/flushed/versions/2.0.0/download`);
    expect(inFlight.status).toBe(200);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    while (!(await refused(port))) await sleep(20);
    const body = Buffer.from(await inFlight.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));

    const exit = await waitForExit(server, 30_000);
    expect(exit, output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt, output()).toBeLessThan(10_000);

    const db = await openPglite({ dataDir });
    try {
      const { rows } = await db.query<{ version: string; v: number; p: number; d: number }>(
        `SELECT v.version, v.downloads AS v, p.downloads AS p, (SELECT coalesce(sum(downloads), 0)::int FROM downloads WHERE version_id = v.id) AS d
         FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'flushed' ORDER BY v.version`,
      );
      expect(rows).toEqual([
        { version: '1.0.0', v: downloads, p: downloads + 1, d: downloads },
        { version: '2.0.0', v: 1, p: downloads + 1, d: 1 },
      ]);
    } finally {
      await db.close();
    }
  }, 150_000);
});
