// `sounio-registry admin …` as a real process on the embedded database: creating the first admin on an empty
// DATA_DIR, the exit codes (0 done, 1 refused, 2 bad input), suspension taking effect for the server that runs next,
// and the DATA_DIR lock refusing an admin command while `serve` holds the database. The steps run in order on one
// DATA_DIR; each later step relies on the earlier ones.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Children, freePort, lines, waitForExit, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

const ROOT = { username: 'root', email: 'root@example.org', password: 'correct horse battery' };
const CREATE_ROOT = ['admin', 'create-user', '--username', ROOT.username, '--email', ROOT.email, '--password', ROOT.password, '--admin', '--verified'];

describe('admin commands on the embedded database', () => {
  const children = new Children();
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dataDir = tempDir('sounio-admin-');
    env = { DATA_DIR: dataDir, HOST: '127.0.0.1' };
  });
  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function serve(): Promise<{ handle: RegistryProcess; url: string }> {
    const port = await freePort();
    const handle = children.start(['serve'], { ...env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(handle, url, 30_000);
    return { handle, url };
  }

  async function stop(server: { handle: RegistryProcess }): Promise<void> {
    server.handle.child.kill('SIGTERM');
    const exit = await waitForExit(server.handle, 20_000);
    expect(exit, server.handle.stderr()).toEqual({ code: 0, signal: null });
  }

  function login(url: string, password = ROOT.password): Promise<Response> {
    return fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ROOT.email, password }) });
  }

  it('create-user makes the first admin on an empty DATA_DIR, creating the database', async () => {
    expect(readdirSync(dataDir)).toEqual([]);
    const result = await children.run(CREATE_ROOT, env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(['created user root (root@example.org), admin, verified']);
    expect(result.stderr).toBe('');
    expect(existsSync(join(dataDir, 'db'))).toBe(true);
    expect(existsSync(join(dataDir, 'db.lock'))).toBe(false); // given back on exit
  }, 90_000);

  it('refuses to create the same user again with exit code 1 and one line', async () => {
    const result = await children.run(CREATE_ROOT, env, 30_000);
    expect(result.code, result.stderr).toBe(1);
    expect(lines(result.stderr)).toEqual(['sounio-registry: The username root is taken.']);
    expect(result.stdout).toBe('');
    const unknown = await children.run(['admin', 'suspend', 'nobody'], env, 30_000);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(lines(unknown.stderr)).toEqual(['sounio-registry: there is no user named nobody']);
    expect(unknown.stdout).toBe('');
  }, 60_000);

  it('refuses bad input with exit code 2 before touching the database', async () => {
    const args = ['admin', 'create-user', '--username', 'shorty', '--email', 'shorty@example.org', '--password', 'short'];
    const result = await children.run(args, env, 30_000);
    expect(result.code, result.stderr).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/password/);
    expect(result.stdout).toBe('');
    const missing = await children.run(['admin', 'create-user', '--username', 'nomail', '--password', 'long enough password'], env, 30_000);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/--email/);
  }, 40_000);

  it('serve: root logs in as an admin; an admin command meanwhile is refused naming the server’s pid', async () => {
    const server = await serve();
    try {
      const response = await login(server.url);
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ username: 'root', email: 'root@example.org', is_admin: true, email_verified: true });
      // The user with the bad password was never created.
      expect((await fetch(`${server.url}/api/v1/users/shorty`)).status).toBe(404);

      const refused = await children.run(['admin', 'create-user', '--username', 'second', '--email', 'second@example.org', '--password', 'another good password'], env, 30_000);
      expect(refused.code, refused.stderr).toBe(1);
      const stderr = lines(refused.stderr);
      expect(stderr, refused.stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(/^sounio-registry: /);
      expect(stderr[0]).toContain(`process ${server.handle.pid}`);
      expect(refused.stdout).toBe('');
      // The server is unharmed and the user was not created.
      expect((await fetch(`${server.url}/api/v1/users/second`)).status).toBe(404);
    } finally {
      await stop(server);
    }
  }, 60_000);

  it('suspend: the next server refuses root’s login with 403 account_suspended', async () => {
    const result = await children.run(['admin', 'suspend', 'root'], env, 30_000);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    expect(result.stdout).toMatch(/root is suspended/);
    const server = await serve();
    try {
      const response = await login(server.url);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'account_suspended' });
    } finally {
      await stop(server);
    }
  }, 60_000);

  it('unsuspend: root logs in again', async () => {
    const result = await children.run(['admin', 'unsuspend', 'root'], env, 30_000);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(['root is no longer suspended']);
    const server = await serve();
    try {
      const response = await login(server.url);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ token_type: 'Bearer', user: { username: 'root', is_admin: true } });
    } finally {
      await stop(server);
    }
  }, 60_000);
});
