// SIGTERM under load: a real `serve` process on the embedded backends takes downloads and package reads from many
// concurrent keep-alive clients when it is told to stop. Every request that got an answer got a complete, correct
// one (no 5xx, bodies intact), nothing hangs (a request after the stop is refused at the connection or answered),
// the process exits 0 within 10 s of the signal, and every download answered 200 is counted in the database.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/adapters/pglite.js';
import { createUser, login, publishOver, RAISED_LIMITS } from '../helpers/cluster.js';
import { packTarball } from '../helpers/packages.js';
import { Children, freePort, sleep, waitForExit, waitForReady } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

const CLIENTS = 32;
/** A request without an answer or a connection failure after this long is hung. */
const HANG_MS = 12_000;

type Outcome =
  | { kind: 'answered'; status: number; body: Buffer; endedAt: number }
  /** No response at all: refused, or the connection closed before an answer began (the request was never taken). */
  | { kind: 'connection'; code: string }
  /** A response that began and broke off, or no outcome in HANG_MS: never acceptable. */
  | { kind: 'broken'; reason: string };

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** One GET over a keep-alive agent, with its whole body, classified. */
function request(url: string, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(hang);
        resolve(outcome);
      }
    };
    const hang = setTimeout(() => {
      settle({ kind: 'broken', reason: `no outcome after ${HANG_MS} ms` });
      req.destroy();
    }, HANG_MS);
    const req = get(url, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => {
        if (!response.complete) return settle({ kind: 'broken', reason: `${response.statusCode} response cut off` });
        settle({ kind: 'answered', status: response.statusCode ?? 0, body: Buffer.concat(chunks), endedAt: Date.now() });
      });
      response.once('aborted', () => settle({ kind: 'broken', reason: `${response.statusCode} response aborted` }));
      response.once('error', (error) => settle({ kind: 'broken', reason: `${response.statusCode} response failed: ${error.message}` }));
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      // Before a response: the connection was refused or closed by the server before it took the request.
      const code = error.code ?? error.message;
      settle(CONNECTION_CODES.has(code) ? { kind: 'connection', code } : { kind: 'broken', reason: `request failed: ${code} ${error.message}` });
    });
  });
}

describe('SIGTERM under load', () => {
  const children = new Children();
  const dataDir = tempDir('sounio-sigterm-load-');
  afterAll(async () => {
    await children.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('in-flight requests complete, nothing hangs, counters are flushed, exit 0 within 10 s', { timeout: 120_000 }, async () => {
    const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', ...RAISED_LIMITS, LOG_LEVEL: 'warn' };
    await createUser(children, env, 'loader');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = children.start(['serve'], { ...env, PORT: String(port) });
    await waitForReady(server, url, 60_000);
    const output = () => `stderr:\n${server.stderr()}\nstdout:\n${server.stdout()}`;

    // Incompressible content, so a download takes a moment to send and is often still in flight at the signal.
    const tarball = await packTarball({ name: 'loaded', version: '1.0.0', files: { 'data.bin': randomBytes(96 * 1024) } });
    const checksum = createHash('sha256').update(tarball).digest('hex');
    const published = await publishOver(url, await login(url, 'loader'), 'loaded', '1.0.0', { tarball });
    expect(published.status, await published.text()).toBe(201);

    const targets = {
      download: `${url}/api/v1/packages/loaded/versions/1.0.0/download`,
      package: `${url}/api/v1/packages/loaded`,
      version: `${url}/api/v1/packages/loaded/versions/1.0.0`,
    };
    /** What is wrong with an answer, or null when it is complete and correct. */
    const check = (target: keyof typeof targets, outcome: Extract<Outcome, { kind: 'answered' }>): string | null => {
      if (outcome.status !== 200) return `${target}: ${outcome.status} ${outcome.body.toString('utf8').slice(0, 200)}`;
      if (target === 'download') {
        const sha = createHash('sha256').update(outcome.body).digest('hex');
        return sha === checksum ? null : `download: ${outcome.body.length} bytes with sha256 ${sha}, not the ${tarball.length} published`;
      }
      try {
        const json = JSON.parse(outcome.body.toString('utf8')) as Record<string, unknown>;
        const ok = target === 'package' ? json['name'] === 'loaded' : json['version'] === '1.0.0' && json['checksum'] === checksum;
        return ok ? null : `${target}: unexpected body ${outcome.body.toString('utf8').slice(0, 200)}`;
      } catch {
        return `${target}: body is not JSON: ${outcome.body.toString('utf8').slice(0, 200)}`;
      }
    };

    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const problems: string[] = [];
    const tally = { downloads: 0, downloadFailures: 0, answered: 0, answeredAfterSignal: 0, refused: 0 };
    let signalledAt = Infinity;
    let stopLoad = false;
    const client = async (index: number) => {
      for (let round = 0; !stopLoad; round++) {
        const target = (['download', 'download', 'package', 'download', 'version'] as const)[(index + round) % 5]!;
        const outcome = await request(targets[target], agent);
        if (outcome.kind === 'broken') {
          problems.push(`${target}: ${outcome.reason}`);
          if (target === 'download') tally.downloadFailures++;
        } else if (outcome.kind === 'connection') {
          tally.refused++;
          if (target === 'download') tally.downloadFailures++;
          await sleep(20); // refused: the server is going away; do not spin
        } else {
          const problem = check(target, outcome);
          if (problem !== null) problems.push(problem);
          tally.answered++;
          if (outcome.endedAt > signalledAt) tally.answeredAfterSignal++;
          if (target === 'download' && outcome.status === 200) tally.downloads++;
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, index) => client(index));

    try {
      await sleep(1500);
      expect(tally.answered, `answers before the signal; ${problems.join('; ')}`).toBeGreaterThan(0);
      signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await waitForExit(server, 15_000).catch((error: Error) => ({ code: null, signal: null, error: error.message }));
      const stoppedAfterMs = Date.now() - signalledAt;
      // A moment of requests against the stopped process: refused at the connection, not hung.
      await sleep(300);
      stopLoad = true;
      await Promise.all(clients);

      expect(exit, output()).toEqual({ code: 0, signal: null });
      expect(stoppedAfterMs, output()).toBeLessThan(10_000);
      expect(problems, output()).toEqual([]);
      // The load was real and straddled the signal: answers finished after it, and requests were refused after the exit.
      expect(tally.downloads).toBeGreaterThan(0);
      expect(tally.answeredAfterSignal, JSON.stringify(tally)).toBeGreaterThan(0);
      expect(tally.refused, JSON.stringify(tally)).toBeGreaterThan(0);
    } finally {
      stopLoad = true;
      await Promise.all(clients);
      agent.destroy();
    }

    // Every download answered 200 is in the database (and at most the ones that failed at the connection besides).
    const db = await openPglite({ dataDir });
    try {
      const { rows } = await db.query<{ v: number; p: number; d: number }>(
        `SELECT v.downloads AS v, p.downloads AS p, (SELECT coalesce(sum(downloads), 0)::int FROM downloads WHERE version_id = v.id) AS d
           FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'loaded'`,
      );
      const counted = rows[0]!;
      expect(counted.v, JSON.stringify({ counted, tally })).toBeGreaterThanOrEqual(tally.downloads);
      expect(counted.v, JSON.stringify({ counted, tally })).toBeLessThanOrEqual(tally.downloads + tally.downloadFailures);
      expect(counted.p).toBe(counted.v);
      expect(counted.d).toBe(counted.v);
    } finally {
      await db.close();
    }
  });
});
