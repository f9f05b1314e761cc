// Registry processes over HTTP for the cluster and fault tests: the environment of a pod on the shared backends,
// a user and a login token made through the real binary and API, publishes as multipart forms, and a small load
// generator that records every answer (or connection failure) it got.
import { Agent, get } from 'node:http';
import { multipart, packTarball } from './packages.js';
import type { Children } from './process.js';

/** Every limit out of the way (one client address drives everything), unless a test sets its own. */
export const RAISED_LIMITS: Record<string, string> = Object.fromEntries(
  ['SEARCH_ANON', 'SEARCH_AUTH', 'DOWNLOAD_ANON', 'DOWNLOAD_AUTH', 'PUBLISH_AUTH', 'OTHER_ANON', 'OTHER_AUTH', 'ACCOUNT', 'WEB_ANON', 'WEB_AUTH'].map((name) => [`RATE_LIMIT_${name}`, '100000000']),
);

export const PASSWORD = 'correct horse battery';

/** Creates a verified user with the admin command on the given backends, then logs in over HTTP; returns a JWT. */
export async function createUserAndLogin(children: Children, env: Record<string, string>, url: string, username: string): Promise<string> {
  await createUser(children, env, username);
  return login(url, username);
}

/** Creates a verified user with the admin command (with the embedded database: while no server runs). */
export async function createUser(children: Children, env: Record<string, string>, username: string): Promise<void> {
  const created = await children.run(['admin', 'create-user', '--username', username, '--email', `${username}@example.org`, '--password', PASSWORD, '--verified'], env, 60_000);
  if (created.code !== 0) throw new Error(`create-user failed: ${created.stderr}`);
}

/** Logs a user made by createUser in over HTTP; returns a JWT. */
export async function login(url: string, username: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${username}@example.org`, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { token: string }).token;
}

export async function publishOver(url: string, token: string, name: string, version: string, options: { description?: string; tarball?: Buffer } = {}): Promise<Response> {
  const tarball = options.tarball ?? (await packTarball({ name, version, ...(options.description !== undefined && { description: options.description }) }));
  const { payload, headers } = await multipart({ version }, tarball);
  return fetch(`${url}/api/v1/packages/${name}/versions`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: payload, signal: AbortSignal.timeout(30_000) });
}

export interface LoadResult {
  /** Status counts per target ("<url> <status>"), connection failures as "<url> error". */
  tally: Map<string, number>;
  total: number;
}

/** One GET over a keep-alive agent (node:http: several times cheaper than fetch per request); a 302 is not followed. */
function getStatus(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, timeout: 15_000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', reject);
  });
}

/** Sends `total` GETs (`path` on the targets in turn) with `concurrency` in flight, until done or `stop()` says so. */
export async function generateLoad(
  targets: string[],
  path: string,
  options: { total: number; concurrency: number; stop?: () => boolean; onAnswer?: (target: string, status: number | 'error') => void },
): Promise<LoadResult> {
  const tally = new Map<string, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  const worker = async () => {
    while (next < options.total && !(options.stop?.() ?? false)) {
      const target = targets[next++ % targets.length]!;
      let status: number | 'error';
      try {
        status = await getStatus(`${target}${path}`, agent);
      } catch {
        status = 'error';
      }
      options.onAnswer?.(target, status);
      const key = `${target} ${status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { tally, total: [...tally.values()].reduce((sum, count) => sum + count, 0) };
}

/** The count of answers with `status` from `target` (or from every target when it is undefined). */
export function answered(result: LoadResult, status: number | 'error', target?: string): number {
  let sum = 0;
  for (const [key, count] of result.tally) {
    const [url, got] = key.split(' ');
    if (got === String(status) && (target === undefined || url === target)) sum += count;
  }
  return sum;
}
