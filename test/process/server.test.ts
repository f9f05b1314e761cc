// The real `sounio-registry` binary as child processes: one-line configuration errors, a first start on an empty
// DATA_DIR (generated secrets kept for the next start), the DATA_DIR lock against a second process, a graceful
// SIGTERM that lets an in-flight request finish, restarts on the same data, and PostgreSQL + Redis, including three
// processes migrating one empty database at the same moment.
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/db/migrate.js';
import { Children, freePort, freePorts, lines, sleep, waitFor, waitForExit, waitForReady, type RegistryProcess } from '../helpers/process.js';
import {
  createPostgresDatabase,
  deleteRedisPrefix,
  describeRealServices,
  TEST_REDIS_URL,
  tempDir,
  uniqueName,
  type TestDatabase,
} from '../helpers/registry.js';

const MIGRATIONS = loadMigrations().map((migration) => `${migration.id}_${migration.name}`);
const SECRET = 'x'.repeat(40);

const dirs: string[] = [];
function dataDir(): string {
  const dir = tempDir('sounio-process-');
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Exit code 1 and exactly one line on stderr, which contains `needle`; nothing on stdout. */
function expectOneLineFailure(result: { code: number | null; stdout: string; stderr: string }, needle: string): void {
  expect(result.code, result.stderr).toBe(1);
  const stderr = lines(result.stderr);
  expect(stderr, result.stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(/^sounio-registry: /);
  expect(stderr[0]).toContain(needle);
  expect(result.stdout).toBe('');
}

describe.concurrent('configuration errors stop the process with exit code 1 and one line naming the variable', () => {
  const children = new Children();
  afterAll(() => children.killAll());

  it('PORT=abc', async () => {
    const result = await children.run(['serve'], { PORT: 'abc', DATA_DIR: dataDir() });
    expectOneLineFailure(result, 'PORT');
    expect(result.stderr).toContain('"abc"');
  });

  it('DATABASE_URL=nonsense', async () => {
    const result = await children.run(['serve'], { DATABASE_URL: 'nonsense', DATA_DIR: dataDir() });
    expectOneLineFailure(result, 'DATABASE_URL');
  });

  it('NODE_ENV=production without JWT_SECRET', async () => {
    const result = await children.run(['serve'], { NODE_ENV: 'production', SESSION_SECRET: SECRET, DATA_DIR: dataDir() });
    expectOneLineFailure(result, 'JWT_SECRET');
  });

  it('NODE_ENV=production with JWT_SECRET but without SESSION_SECRET', async () => {
    const result = await children.run(['serve'], { NODE_ENV: 'production', JWT_SECRET: SECRET, DATA_DIR: dataDir() });
    expectOneLineFailure(result, 'SESSION_SECRET');
    expect(result.stderr).not.toContain('JWT_SECRET');
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses one complete HTTP/1.1 response with a Content-Length; null while it is still incomplete. */
function parseResponse(raw: string): RawResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.slice(end + 4);
  if (Buffer.byteLength(body) < Number(headers['content-length'])) return null;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]), headers, body };
}

describe('embedded database: start, lock, graceful stop and restart on one DATA_DIR', () => {
  // The tests below run in order on one DATA_DIR and hand the running server from one to the next.
  const children = new Children();
  afterAll(() => children.killAll());

  const dir = dataDir();
  const secretsFile = join(dir, 'secrets.json');
  const lockHolder = () => (JSON.parse(readFileSync(join(dir, 'db.lock'), 'utf8')) as { pid: number }).pid;
  let secrets = '';
  let running: { server: RegistryProcess; port: number; url: string } | undefined;
  const current = () => {
    if (running === undefined) throw new Error('no server is running (an earlier test failed)');
    return running;
  };

  /** Starts `serve` on the shared DATA_DIR (logging requests) and waits until /readyz is 200. */
  async function serve(timeoutMs = 30_000): Promise<{ server: RegistryProcess; port: number; url: string; readiness: unknown }> {
    const port = await freePort();
    const server = children.start(['serve'], { DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info' });
    const url = `http://127.0.0.1:${port}`;
    const readiness = await waitForReady(server, url, timeoutMs);
    return { server, port, url, readiness };
  }

  it('a first start on an empty DATA_DIR becomes ready and keeps generated secrets in secrets.json (0600)', { timeout: 60_000 }, async () => {
    expect(existsSync(join(dir, 'db'))).toBe(false);
    expect(existsSync(secretsFile)).toBe(false);
    // The first start creates and migrates the embedded database: seconds, more on a busy machine.
    const { server, port, url, readiness } = await serve(45_000);
    running = { server, port, url };
    expect(readiness).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', kv: 'ok' } });
    expect(server.stdout()).toContain('"database":"pglite"');
    expect(lockHolder()).toBe(server.pid);

    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    secrets = readFileSync(secretsFile, 'utf8');
    const parsed = JSON.parse(secrets) as { jwtSecret: string; sessionSecret: string };
    expect(parsed.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(parsed.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(parsed.jwtSecret).not.toBe(parsed.sessionSecret);
  });

  it('a second serve and a migrate on the same DATA_DIR are refused with one line naming the running process', { timeout: 60_000 }, async () => {
    const { server, url } = current();
    const [second, migrate] = await Promise.all([
      children.run(['serve'], { DATA_DIR: dir, PORT: String(await freePort()) }),
      children.run(['migrate'], { DATA_DIR: dir }),
    ]);
    for (const refused of [second, migrate]) {
      expectOneLineFailure(refused, `in use by process ${server.pid}`);
      expect(refused.stderr).toContain(dir);
    }
    // The running server is untouched: still the lock holder, still ready, its secrets unchanged.
    expect(server.exit()).toBeUndefined();
    expect(lockHolder()).toBe(server.pid);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
  });

  it('SIGTERM lets an in-flight request finish, then the process exits 0 and gives the lock back', { timeout: 60_000 }, async () => {
    const { server, port, url } = current();
    running = undefined;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    let raw = '';
    let responseComplete = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      responseComplete ||= parseResponse(raw) !== null;
    });
    const body = JSON.stringify({ padding: 'p'.repeat(100 - 14) });
    expect(Buffer.byteLength(body)).toBe(100);
    socket.write(
      'POST /api/v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' + body.slice(0, 30),
    );
    // The server has the request (it logs it once the headers are in) but not all of its body.
    await waitFor(() => /"url":"\/api\/v1\/nope".*"incoming request"/.test(server.stdout()), 'the request to arrive');

    server.child.kill('SIGTERM');
    await waitFor(() => server.stdout().includes('SIGTERM received'), 'the server to begin draining');
    // Draining: new connections are refused, yet the process waits for the request it has.
    await waitFor(async () => (await fetch(`${url}/healthz`).then(() => 'open', () => 'refused')) === 'refused', 'the listener to close');
    await sleep(300);
    expect(raw).toBe('');
    expect(server.exit()).toBeUndefined();

    let completeAtExit: boolean | undefined;
    server.child.once('exit', () => (completeAtExit = responseComplete));
    socket.write(body.slice(30));
    expect(await waitForExit(server, 10_000)).toEqual({ code: 0, signal: null });
    expect(completeAtExit).toBe(true);

    const response = parseResponse(raw)!;
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'not_found', message: expect.any(String) });
    socket.destroy();

    expect(server.stdout()).toContain('"msg":"stopped"');
    expect(server.stderr()).toBe('');
    expect(existsSync(join(dir, 'db.lock'))).toBe(false);
  });

  it('after a stop the data persists: migrate finds nothing to do, and a new start reuses the same secrets', { timeout: 60_000 }, async () => {
    const migrate = await children.run(['migrate'], { DATA_DIR: dir });
    expect(migrate.stderr).toBe('');
    expect(migrate).toMatchObject({ code: 0, stdout: 'database is up to date\n' });

    const { server, readiness } = await serve();
    expect(readiness).toMatchObject({ status: 'ok' });
    expect(server.stdout()).not.toContain('migration(s)');
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);

    server.child.kill('SIGTERM');
    expect(await waitForExit(server, 10_000)).toEqual({ code: 0, signal: null });
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
  });
});

describeRealServices('PostgreSQL + Redis', () => {
  const children = new Children();
  const databases: TestDatabase[] = [];
  const prefixes: string[] = [];
  afterEach(() => children.killAll());
  afterAll(async () => {
    await children.killAll();
    for (const database of databases) await database.drop();
    for (const prefix of prefixes) await deleteRedisPrefix(prefix);
  });

  async function emptyDatabase(): Promise<TestDatabase & { url: string }> {
    const database = await createPostgresDatabase({ migrated: false });
    databases.push(database);
    return database as TestDatabase & { url: string };
  }

  function serve(url: string, port: number): RegistryProcess {
    const prefix = `${uniqueName('sounio_proc')}:`;
    prefixes.push(prefix);
    return children.start(['serve'], {
      DATA_DIR: dataDir(),
      PORT: String(port),
      DATABASE_URL: url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
    });
  }

  async function appliedMigrations(database: TestDatabase): Promise<string[]> {
    const { rows } = await database.db.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
    return rows.map((row) => `${row.id}_${row.name}`);
  }

  it('serve on an empty PostgreSQL database with Redis migrates it and becomes ready', { timeout: 60_000 }, async () => {
    const database = await emptyDatabase();
    const port = await freePort();
    const server = serve(database.url, port);
    const readiness = await waitForReady(server, `http://127.0.0.1:${port}`);
    expect(readiness).toEqual({ status: 'ok', checks: { database: 'ok', blobs: 'ok', kv: 'ok' } });
    expect(server.stdout()).toContain('"database":"postgres"');
    expect(server.stdout()).toContain('"kv":"redis"');
    expect(await appliedMigrations(database)).toEqual(MIGRATIONS);

    server.child.kill('SIGTERM');
    expect(await waitForExit(server, 10_000)).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
  });

  it('three servers started together on one empty database all become ready; each migration is applied once', { timeout: 60_000 }, async () => {
    const database = await emptyDatabase();
    const ports = await freePorts(3);
    const servers = ports.map((port) => serve(database.url, port));
    await Promise.all(servers.map((server, index) => waitForReady(server, `http://127.0.0.1:${ports[index]}`)));

    expect(await appliedMigrations(database)).toEqual(MIGRATIONS);
    const migrators = servers.filter((server) => server.stdout().includes('migration(s)'));
    expect(migrators).toHaveLength(1);
    expect(migrators[0]!.stdout()).toContain(`"migrations":${JSON.stringify(MIGRATIONS)}`);

    for (const server of servers) server.child.kill('SIGTERM');
    const exits = await Promise.all(servers.map((server) => waitForExit(server, 10_000)));
    expect(exits).toEqual([0, 1, 2].map(() => ({ code: 0, signal: null })));
    for (const server of servers) expect(server.stderr()).toBe('');
  });
});
