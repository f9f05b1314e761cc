// `sounio-registry admin recount-downloads | gc-blobs | delete-package` as real processes on one embedded DATA_DIR:
// packages published and downloaded through a real server, then counts corrupted in the database and repaired,
// blobs no version references removed (and referenced or recent ones kept), a package deleted and gone from the API,
// the index and search, its tarball collected afterwards. The steps run in order; each relies on the earlier ones.
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/adapters/pglite.js';
import type { Database } from '../../src/ports/database.js';
import { multipart, packTarball } from '../helpers/packages.js';
import { Children, freePort, lines, waitForExit, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

const ROOT = { username: 'root', email: 'root@example.org', password: 'correct horse battery' };
const HOURS = 3600_000;

describe('admin repairs on the embedded database', () => {
  const children = new Children();
  let dataDir: string;
  let env: Record<string, string>;
  /** Blob keys of the published versions, by `name@version`. */
  const blobOf = new Map<string, string>();

  async function serve(): Promise<{ handle: RegistryProcess; url: string }> {
    const port = await freePort();
    const handle = children.start(['serve'], { ...env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(handle, url, 60_000);
    return { handle, url };
  }

  async function stop(server: { handle: RegistryProcess }): Promise<void> {
    server.handle.child.kill('SIGTERM');
    const exit = await waitForExit(server.handle, 130_000);
    expect(exit, `stderr:\n${server.handle.stderr()}\nstdout (logs):\n${server.handle.stdout()}`).toEqual({ code: 0, signal: null });
  }

  /** Opens the embedded database from this process (the DATA_DIR lock keeps it from a running server). */
  async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = await openPglite({ dataDir });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  async function counts(db: Database) {
    const versions = await db.query<{ name: string; version: string; downloads: number; truth: number }>(
      `SELECT p.name, v.version, v.downloads::int AS downloads, (SELECT coalesce(sum(d.downloads), 0)::int FROM downloads d WHERE d.version_id = v.id) AS truth
       FROM versions v JOIN packages p ON p.id = v.package_id ORDER BY p.name, v.version`,
    );
    const packages = await db.query<{ name: string; downloads: number; recent: number }>(
      'SELECT name, downloads::int AS downloads, recent_downloads::int AS recent FROM packages ORDER BY name',
    );
    const daily = await db.query<{ name: string; date: string; downloads: number }>(
      `SELECT p.name, d.date::text AS date, d.downloads::int AS downloads FROM package_downloads_daily d JOIN packages p ON p.id = d.package_id ORDER BY p.name, d.date`,
    );
    return { versions: versions.rows, packages: packages.rows, daily: daily.rows };
  }

  const blobPath = (key: string) => join(dataDir, 'blobs', ...key.split('/'));
  const age = (key: string, ms: number) => {
    const when = new Date(Date.now() - ms);
    utimesSync(blobPath(key), when, when);
  };

  beforeAll(async () => {
    dataDir = tempDir('sounio-admin-ops-');
    // A generous shutdown deadline: the final download flush must not be cut short on a loaded machine.
    env = { DATA_DIR: dataDir, HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_SECONDS: '120' };
    const created = await children.run(['admin', 'create-user', '--username', ROOT.username, '--email', ROOT.email, '--password', ROOT.password, '--admin', '--verified'], env, 60_000);
    expect(created.code, created.stderr).toBe(0);

    const server = await serve();
    try {
      const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ROOT.email, password: ROOT.password }) });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      for (const [name, version] of [['alpha', '1.0.0'], ['alpha', '1.1.0'], ['beta', '1.0.0'], ['gamma', '0.1.0']] as const) {
        const { payload, headers } = await multipart({ version }, await packTarball({ name, version }));
        const published = await fetch(`${server.url}/api/v1/packages/${name}/versions`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: payload });
        expect(published.status, await published.clone().text()).toBe(201);
      }
      for (const [name, version, times] of [['alpha', '1.0.0', 3], ['alpha', '1.1.0', 1], ['beta', '1.0.0', 2]] as const) {
        for (let i = 0; i < times; i++) {
          const response = await fetch(`${server.url}/api/v1/packages/${name}/versions/${version}/download`);
          expect(response.status).toBe(200);
          await response.arrayBuffer();
        }
      }
    } finally {
      await stop(server); // flushes the counted downloads
    }

    await withDb(async (db) => {
      const { rows } = await db.query<{ name: string; version: string; blob_key: string }>('SELECT p.name, v.version, v.blob_key FROM versions v JOIN packages p ON p.id = v.package_id');
      for (const row of rows) blobOf.set(`${row.name}@${row.version}`, row.blob_key);
      // History older than 90 days, written as the flush writes it (per version, per package, totals): counted in
      // downloads but not in recent_downloads.
      await db.query(
        `WITH v AS (SELECT v.id, v.package_id FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'alpha' AND v.version = '1.0.0')
         , a AS (INSERT INTO downloads (version_id, date, downloads) SELECT id, current_date - 200, 10 FROM v)
         , b AS (INSERT INTO package_downloads_daily (package_id, date, downloads) SELECT package_id, current_date - 200, 10 FROM v)
         , c AS (UPDATE versions SET downloads = downloads + 10 WHERE id IN (SELECT id FROM v))
         UPDATE packages SET downloads = downloads + 10 WHERE id IN (SELECT package_id FROM v)`,
      );
    });
  }, 300_000);

  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--help of each command shows an example and exits 0', async () => {
    for (const command of ['delete-package', 'gc-blobs', 'recount-downloads']) {
      const result = await children.run(['admin', command, '--help'], env, 30_000);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Example:\n\s+.*sounio-registry admin /);
      expect(result.stdout).toContain(`admin ${command}`);
    }
  }, 60_000);

  it('recount-downloads changes nothing when the totals agree with the per-day table', async () => {
    const before = await withDb(counts);
    expect(before.versions).toEqual([
      { name: 'alpha', version: '1.0.0', downloads: 13, truth: 13 },
      { name: 'alpha', version: '1.1.0', downloads: 1, truth: 1 },
      { name: 'beta', version: '1.0.0', downloads: 2, truth: 2 },
      { name: 'gamma', version: '0.1.0', downloads: 0, truth: 0 },
    ]);
    expect(before.packages).toEqual([
      { name: 'alpha', downloads: 14, recent: 4 },
      { name: 'beta', downloads: 2, recent: 2 },
      { name: 'gamma', downloads: 0, recent: 0 },
    ]);
    const result = await children.run(['admin', 'recount-downloads'], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(['download counts agree with the per-day table: nothing to correct']);
    expect(await withDb(counts)).toEqual(before);
  }, 90_000);

  it('recount-downloads repairs corrupted totals, per-day rows and recent downloads, and says what it changed', async () => {
    const truth = await withDb(counts);
    await withDb(async (db) => {
      await db.query(`UPDATE versions SET downloads = 999 WHERE version = '1.0.0' AND package_id = (SELECT id FROM packages WHERE name = 'alpha')`);
      await db.query(`UPDATE versions SET downloads = 7 WHERE package_id = (SELECT id FROM packages WHERE name = 'gamma')`);
      await db.query(`UPDATE packages SET downloads = 5000, recent_downloads = 0 WHERE name = 'alpha'`);
      await db.query(`UPDATE packages SET recent_downloads = 77 WHERE name = 'gamma'`);
      // beta's per-day row overstated (and its total with it), plus a stray row for gamma with no downloads behind it.
      await db.query(`UPDATE package_downloads_daily SET downloads = 42 WHERE package_id = (SELECT id FROM packages WHERE name = 'beta')`);
      await db.query(`UPDATE packages SET downloads = 42, recent_downloads = 42 WHERE name = 'beta'`);
      await db.query(`INSERT INTO package_downloads_daily (package_id, date, downloads) SELECT id, current_date - 1, 5 FROM packages WHERE name = 'gamma'`);
    });

    const result = await children.run(['admin', 'recount-downloads'], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines(result.stdout)).toEqual([
      'alpha 1.0.0: downloads 999 -> 13',
      'gamma 0.1.0: downloads 7 -> 0',
      'beta: 1 per-day row corrected',
      'gamma: 1 per-day row corrected',
      'alpha: downloads 5000 -> 14, recent downloads 0 -> 4',
      'beta: downloads 42 -> 2, recent downloads 42 -> 2',
      'gamma: recent downloads 77 -> 0',
      'corrected 2 version totals, 2 per-day package rows, 3 package totals; dropped the cached documents of 3 packages',
    ]);
    expect(await withDb(counts)).toEqual(truth);

    const again = await children.run(['admin', 'recount-downloads'], env, 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout)).toEqual(['download counts agree with the per-day table: nothing to correct']);
  }, 120_000);

  it('gc-blobs removes old unreferenced blobs only, printing each one', async () => {
    const orphan = `sha256/ab/cd/abcd${'0'.repeat(60)}.tar.gz`;
    const fresh = `sha256/ef/01/ef01${'0'.repeat(60)}.tar.gz`;
    for (const key of [orphan, fresh]) {
      mkdirSync(dirname(blobPath(key)), { recursive: true });
      writeFileSync(blobPath(key), 'left behind by a failed publish');
    }
    age(orphan, 2 * HOURS);
    // The published tarballs are old too: only their references keep them.
    for (const key of blobOf.values()) age(key, 2 * HOURS);

    const result = await children.run(['admin', 'gc-blobs'], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([`removed ${orphan}`, 'removed 1 unreferenced blob older than 1 h']);
    expect(existsSync(blobPath(orphan))).toBe(false);
    expect(existsSync(blobPath(fresh))).toBe(true); // within the grace period: a publish may be about to commit it
    for (const key of blobOf.values()) expect(existsSync(blobPath(key)), key).toBe(true);

    const nothing = await children.run(['admin', 'gc-blobs'], env, 60_000);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(lines(nothing.stdout)).toEqual(['no unreferenced blobs older than 1 h']);
    rmSync(blobPath(fresh));
  }, 90_000);

  it('delete-package refuses a bad name (2), an unknown package or --by user (1), with one line', async () => {
    const bad = await children.run(['admin', 'delete-package', 'Not A Name'], env, 30_000);
    expect(bad.code, bad.stderr).toBe(2);
    expect(lines(bad.stderr)).toEqual(['sounio-registry: "Not A Name" is not a valid package name']);
    const missing = await children.run(['admin', 'delete-package'], env, 30_000);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument/);
    const unknown = await children.run(['admin', 'delete-package', 'nothing-here'], env, 30_000);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(lines(unknown.stderr)).toEqual(['sounio-registry: There is no package named nothing-here.']);
    const nobody = await children.run(['admin', 'delete-package', 'beta', '--by', 'nobody'], env, 30_000);
    expect(nobody.code, nobody.stderr).toBe(1);
    expect(lines(nobody.stderr)).toEqual(['sounio-registry: there is no user named nobody']);
    expect(nobody.stdout).toBe('');
  }, 90_000);

  it('delete-package deletes as the API does: audit event, name reserved, the package gone from the API, index and search', async () => {
    const byRoot = await children.run(['admin', 'delete-package', 'beta', '--by', 'root'], env, 60_000);
    expect(byRoot.code, byRoot.stderr).toBe(0);
    expect(lines(byRoot.stdout)).toHaveLength(1);
    expect(byRoot.stdout).toMatch(/^deleted package beta \(1 version\) as root; /);
    const anonymous = await children.run(['admin', 'delete-package', 'gamma'], env, 60_000);
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(anonymous.stdout).toMatch(/^deleted package gamma \(1 version\); /);

    await withDb(async (db) => {
      const { rows } = await db.query<{ action: string; user_id: string | null; username: string | null; name: string; user_agent: string }>(
        `SELECT a.action, a.user_id, u.username, a.details->>'name' AS name, a.user_agent FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.action = 'package_delete' ORDER BY a.id`,
      );
      expect(rows).toEqual([
        { action: 'package_delete', user_id: expect.any(String), username: 'root', name: 'beta', user_agent: 'sounio-registry admin' },
        { action: 'package_delete', user_id: null, username: null, name: 'gamma', user_agent: 'sounio-registry admin' },
      ]);
      const deleted = await db.query<{ name: string }>('SELECT name FROM deleted_packages ORDER BY name');
      expect(deleted.rows.map((row) => row.name)).toEqual(['beta', 'gamma']);
      const left = await db.query<{ name: string }>('SELECT name FROM packages ORDER BY name');
      expect(left.rows.map((row) => row.name)).toEqual(['alpha']);
    });

    const server = await serve();
    try {
      for (const name of ['beta', 'gamma']) {
        expect((await fetch(`${server.url}/api/v1/packages/${name}`)).status).toBe(404);
        expect((await fetch(`${server.url}/api/v1/index/${name}`)).status).toBe(404);
        expect((await fetch(`${server.url}/api/v1/packages/${name}/versions/${name === 'beta' ? '1.0.0' : '0.1.0'}/download`)).status).toBe(404);
        const search = (await (await fetch(`${server.url}/api/v1/search?q=${name}`)).json()) as { packages: Array<{ name: string }> };
        expect(search.packages.map((pkg) => pkg.name)).not.toContain(name);
      }
      // alpha is untouched, with the counts recount-downloads repaired.
      const alpha = (await (await fetch(`${server.url}/api/v1/packages/alpha`)).json()) as { downloads: number };
      expect(alpha.downloads).toBe(14);
      expect((await fetch(`${server.url}/api/v1/index/alpha`)).status).toBe(200);

      // While the server holds the DATA_DIR, every repair is refused with one line naming it, and nothing changes.
      for (const args of [['delete-package', 'alpha'], ['gc-blobs'], ['recount-downloads']]) {
        const refused = await children.run(['admin', ...args], env, 30_000);
        expect(refused.code, refused.stderr).toBe(1);
        expect(lines(refused.stderr), refused.stderr).toHaveLength(1);
        expect(refused.stderr).toContain(`process ${server.handle.pid}`);
        expect(refused.stdout).toBe('');
      }
      expect((await fetch(`${server.url}/api/v1/packages/alpha`)).status).toBe(200);
    } finally {
      await stop(server);
    }
  }, 300_000);

  it('gc-blobs then removes the deleted packages’ tarballs, once past the grace period, and keeps alpha’s', async () => {
    for (const key of blobOf.values()) age(key, 2 * HOURS);
    const deletedKeys = [blobOf.get('beta@1.0.0')!, blobOf.get('gamma@0.1.0')!].sort();
    const result = await children.run(['admin', 'gc-blobs'], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out.slice(0, -1).sort()).toEqual(deletedKeys.map((key) => `removed ${key}`));
    expect(out.at(-1)).toBe('removed 2 unreferenced blobs older than 1 h');
    for (const key of deletedKeys) expect(existsSync(blobPath(key))).toBe(false);
    for (const version of ['alpha@1.0.0', 'alpha@1.1.0']) expect(existsSync(blobPath(blobOf.get(version)!))).toBe(true);
  }, 90_000);
});
