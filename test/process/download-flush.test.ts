// Counted downloads are not lost on SIGTERM: the server flushes what it buffered before it exits, so every
// download it answered is in the database afterwards (a real `serve` process on the embedded database).
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/adapters/pglite.js';
import { multipart, packTarball } from '../helpers/packages.js';
import { Children, freePort, waitForExit, waitForReady } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

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
    const server = children.start(['serve'], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
    await waitForReady(server, url, 60_000);

    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.org', password: 'correct horse' }) });
    const { token } = (await login.json()) as { token: string };
    const { payload, headers } = await multipart({ version: '1.0.0' }, await packTarball({ name: 'flushed', version: '1.0.0' }));
    const published = await fetch(`${url}/api/v1/packages/flushed/versions`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: payload });
    expect(published.status).toBe(201);

    const downloads = 57;
    for (let i = 0; i < downloads; i++) {
      const response = await fetch(`${url}/api/v1/packages/flushed/versions/1.0.0/download`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    server.child.kill('SIGTERM');
    expect((await waitForExit(server, 30_000)).code).toBe(0);

    const db = await openPglite({ dataDir });
    try {
      const { rows } = await db.query<{ v: number; p: number; d: number }>(
        `SELECT v.downloads AS v, p.downloads AS p, (SELECT sum(downloads)::int FROM downloads WHERE version_id = v.id) AS d
         FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'flushed'`,
      );
      expect(rows[0]).toEqual({ v: downloads, p: downloads, d: downloads });
    } finally {
      await db.close();
    }
  }, 150_000);
});
