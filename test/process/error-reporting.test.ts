// SENTRY_DSN: a real `serve` process reports an unexpected server error to a Sentry ingest endpoint (a small local
// HTTP server standing in for sentry.io), without the credentials of the request that failed; expected answers
// (401, 404) are not reported; and without SENTRY_DSN not one module of @sentry/node is loaded. The failure is real:
// the blob store's temporary directory is a file, so storing a published tarball fails with EEXIST.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, packTarball } from '../helpers/packages.js';
import { Children, freePort, sleep, waitFor, waitForExit, waitForReady, type RegistryProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

const ROOT = { username: 'root', email: 'root@example.org', password: 'correct horse battery' };
const COOKIE_SECRET = 'cookie-value-that-must-not-leave';

interface Ingested {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Stands in for Sentry: records every request (bodies gunzipped) and answers 200. */
async function startIngest(): Promise<{ server: Server; port: number; received: Ingested[] }> {
  const received: Ingested[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      received.push({ path: request.url ?? '', headers: request.headers, body: body.toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/** The items of an envelope: a header line, then (item header, payload) pairs. */
function envelopeItems(body: string): Array<{ type: string; payload: Record<string, unknown> }> {
  const lines = body.split('\n').filter((line) => line !== '');
  const items: Array<{ type: string; payload: Record<string, unknown> }> = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    items.push({ type: (JSON.parse(lines[i]!) as { type: string }).type, payload: JSON.parse(lines[i + 1]!) as Record<string, unknown> });
  }
  return items;
}

describe('error reports to Sentry', () => {
  const children = new Children();
  let dataDir: string;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let tracer: string;
  let importLog: string;

  beforeAll(async () => {
    dataDir = tempDir('sounio-sentry-');
    ingest = await startIngest();
    // Records every module URL under @sentry/ that the child resolves (ESM resolve hook, registered by --import).
    importLog = join(dataDir, '..', `${dataDir.split('/').pop()}-imports.log`);
    writeFileSync(importLog, '');
    const hooks = `import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        if (result.url.includes('/@sentry/')) appendFileSync(${JSON.stringify(importLog)}, result.url + '\\n');
        return result;
      }`;
    tracer = join(dataDir, '..', `${dataDir.split('/').pop()}-trace.mjs`);
    writeFileSync(tracer, `import { register } from 'node:module';\nregister(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});\n`);
    const created = await children.run(['admin', 'create-user', '--username', ROOT.username, '--email', ROOT.email, '--password', ROOT.password, '--admin', '--verified'], { DATA_DIR: dataDir }, 60_000);
    expect(created.code, created.stderr).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await children.killAll();
    await new Promise((resolve) => ingest.server.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tracer, { force: true });
    rmSync(importLog, { force: true });
  });

  async function serve(extra: Record<string, string>): Promise<{ handle: RegistryProcess; url: string }> {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), SHUTDOWN_TIMEOUT_SECONDS: '120', NODE_OPTIONS: `--import ${pathToFileURL(tracer).href}`, ...extra };
    const handle = children.start(['serve'], env);
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(handle, url, 60_000);
    return { handle, url };
  }

  async function stop(server: { handle: RegistryProcess }): Promise<void> {
    server.handle.child.kill('SIGTERM');
    const exit = await waitForExit(server.handle, 130_000);
    expect(exit, `stderr:\n${server.handle.stderr()}\nstdout (logs):\n${server.handle.stdout()}`).toEqual({ code: 0, signal: null });
  }

  /** Logs in as root, then publishes with the blob store broken: the answer is a 500. Returns the token used. */
  async function failingPublish(url: string, name: string): Promise<string> {
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ROOT.email, password: ROOT.password }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    // The blob store writes through DATA_DIR/blobs/.tmp; a file in its place makes every write fail.
    mkdirSync(join(dataDir, 'blobs'), { recursive: true });
    writeFileSync(join(dataDir, 'blobs', '.tmp'), 'not a directory');
    const { payload, headers } = await multipart({ version: '1.0.0' }, await packTarball({ name, version: '1.0.0' }));
    const response = await fetch(`${url}/api/v1/packages/${name}/versions`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}`, cookie: `sounio_session=${COOKIE_SECRET}` },
      body: payload,
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: 'internal_error' });
    return token;
  }

  const events = () =>
    ingest.received.flatMap((request) => envelopeItems(request.body).filter((item) => item.type === 'event').map((item) => ({ request, event: item.payload })));

  it('with SENTRY_DSN, an unexpected 500 is reported with its message and without the request’s credentials', async () => {
    const server = await serve({ SENTRY_DSN: `http://public@127.0.0.1:${ingest.port}/1` });
    try {
      // Expected answers are not reported.
      expect((await fetch(`${server.url}/api/v1/me`, { headers: { authorization: 'Bearer sounio_notarealtokenatall000000000000000000' } })).status).toBe(401);
      expect((await fetch(`${server.url}/api/v1/packages/nothing-here`)).status).toBe(404);

      const token = await failingPublish(server.url, 'reported');
      await waitFor(() => events().length > 0, 'an event at the ingest endpoint', 15_000);
      await sleep(1000); // anything else would have arrived by now
      expect(events()).toHaveLength(1);
      const { request, event } = events()[0]!;

      expect(request.path).toMatch(/^\/api\/1\/envelope\//);
      expect(`${request.path} ${request.headers['x-sentry-auth'] ?? ''}`).toContain('sentry_key=public');
      const exception = (event['exception'] as { values: Array<{ type: string; value: string }> }).values.at(-1)!;
      expect(exception.value).toMatch(/EEXIST/);
      expect(exception.value).toContain('.tmp');
      expect(event['tags']).toMatchObject({ kind: 'request', route: '/api/v1/packages/:name/versions' });
      expect(event['release']).toMatch(/^sounio-registry@/);
      expect(event['request']).toBeUndefined();
      expect(event['contexts']).toMatchObject({ http: { method: 'POST', route: '/api/v1/packages/:name/versions', url: '/api/v1/packages/reported/versions' } });

      // No credential left the process, in any request to the endpoint.
      for (const received of ingest.received) {
        expect(received.body).not.toContain(token);
        expect(received.body).not.toContain(token.slice(-24));
        expect(received.body).not.toContain(COOKIE_SECRET);
        expect(received.body).not.toContain(ROOT.password);
        expect(received.body).not.toMatch(/"(authorization|cookie|cookies|headers|data|query_string)"\s*:/i);
      }
      const imported = readFileSync(importLog, 'utf8');
      expect(imported).toMatch(/\/@sentry\/node\//); // the tracer works: the module is seen when it is loaded
    } finally {
      await stop(server);
      rmSync(join(dataDir, 'blobs', '.tmp'), { force: true });
    }
  }, 240_000);

  it('without SENTRY_DSN, nothing of @sentry/node is loaded and nothing is sent', async () => {
    writeFileSync(importLog, '');
    const before = ingest.received.length;
    const server = await serve({});
    try {
      await failingPublish(server.url, 'unreported');
      await sleep(1500);
      expect(ingest.received.length).toBe(before);
      expect(readFileSync(importLog, 'utf8')).toBe('');
    } finally {
      await stop(server);
      rmSync(join(dataDir, 'blobs', '.tmp'), { force: true });
    }
  }, 240_000);
});
