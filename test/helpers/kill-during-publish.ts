// The SIGKILL-during-publish fault, for either backend: a real `serve` process takes a few publishes at once and is
// SIGKILLed at a random moment while they run, again and again on the same data. Afterwards nothing acknowledged
// is missing, no version is partial or points at a missing blob, and the sweep removes every unreferenced blob.
// SOUNIO_FAULT_ITERATIONS sets the number of kills (30 in `npm test`, 100 in `npm run test:faults`).
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Context } from '../../src/context.js';
import { sweepBlobs } from '../../src/jobs/blob-sweep.js';
import { createLogger } from '../../src/logger.js';
import type { BlobStore } from '../../src/ports/blobs.js';
import type { Database } from '../../src/ports/database.js';
import { createUser, login, publishOver } from './cluster.js';
import { packTarball } from './packages.js';
import { Children, freePort, sleep, waitForExit, waitForReady } from './process.js';

export const FAULT_ITERATIONS = Number(process.env['SOUNIO_FAULT_ITERATIONS'] ?? 30);
const PUBLISHES_PER_KILL = 3;

export interface KillReport {
  acknowledged: string[];
  /** Versions present afterwards that no client saw acknowledged (committed just before the kill). */
  unacknowledgedCommitted: string[];
  orphansSwept: number;
}

/**
 * Runs the kill loop with `env` (the backends), then opens the backends with `open` to check what was stored.
 * `open` is called only once every server process is gone.
 */
export async function killDuringPublishes(
  children: Children,
  env: Record<string, string>,
  open: () => Promise<{ db: Database; blobs: BlobStore; close(): Promise<void> }>,
  iterations = FAULT_ITERATIONS,
): Promise<KillReport> {
  const acknowledged: string[] = [];
  let token = '';
  const start = async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = children.start(['serve'], { ...env, PORT: String(port) });
    await waitForReady(server, url, 60_000);
    return { server, url };
  };

  await createUser(children, env, 'killed');
  // How long three publishes take on a fresh process (its first requests are its slowest): kills are spread over
  // 0–130% of it, so they land before, during and after the publishes' commits.
  let window = 0;
  for (let iteration = -1; iteration < iterations; iteration++) {
    const { server, url } = await start();
    if (token === '') token = await login(url, 'killed');
    const tarballs = await Promise.all(
      Array.from({ length: PUBLISHES_PER_KILL }, (_, j) => packTarball({ name: 'killed', version: `1.${iteration + 1}.${j}`, files: { 'data.bin': Buffer.alloc(20_000 + j, iteration) } })),
    );
    const publishes = tarballs.map((tarball, j) =>
      publishOver(url, token, 'killed', `1.${iteration + 1}.${j}`, { tarball }).then(
        async (response) => (await response.arrayBuffer(), response.status),
        () => 'lost' as const,
      ),
    );
    if (iteration === -1) {
      const started = Date.now();
      await Promise.all(publishes);
      window = (Date.now() - started) * 1.3;
    } else {
      await sleep(Math.floor(Math.random() * window));
    }
    server.child.kill('SIGKILL');
    const statuses = await Promise.all(publishes);
    expect((await waitForExit(server, 10_000)).signal).toBe('SIGKILL');
    statuses.forEach((status, j) => {
      expect([201, 'lost'], `publish 1.${iteration + 1}.${j}`).toContain(status);
      if (status === 201) acknowledged.push(`1.${iteration + 1}.${j}`);
    });
  }

  // One more start on the same data: it opens and serves every acknowledged version.
  const { server, url } = await start();
  for (const version of acknowledged.slice(-5)) expect((await fetch(`${url}/api/v1/packages/killed/versions/${version}`)).status, version).toBe(200);
  server.child.kill('SIGTERM');
  expect(await waitForExit(server, 15_000)).toEqual({ code: 0, signal: null });

  const backends = await open();
  try {
    const { rows } = await backends.db.query<{ version: string; checksum: string; blob_key: string; size: number }>(
      `SELECT v.version, v.checksum, v.blob_key, v.size
         FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'killed' ORDER BY v.version`,
    );
    const stored = new Set(rows.map((row) => row.version));
    // Every acknowledged publish is there.
    expect(acknowledged.filter((version) => !stored.has(version))).toEqual([]);
    // No row points at a missing or different blob: each one's bytes hash to its checksum.
    for (const row of rows) {
      const blob = await backends.blobs.get(row.blob_key);
      expect(blob, `blob of ${row.version}`).not.toBeNull();
      const hash = createHash('sha256');
      for await (const chunk of blob!.body) hash.update(chunk as Buffer);
      expect(hash.digest('hex'), `bytes of ${row.version}`).toBe(row.checksum);
      expect(blob!.size).toBe(Number(row.size));
    }
    // No partial version: each has its README and its audit row, written in the same transaction.
    const partial = await backends.db.query(
      `SELECT v.version FROM versions v JOIN packages p ON p.id = v.package_id
        WHERE p.name = 'killed' AND (v.readme_html IS NULL OR NOT EXISTS (
          SELECT 1 FROM audit_log a WHERE a.action = 'publish' AND a.resource_id = v.id::text))`,
    );
    expect(partial.rows).toEqual([]);
    // The sweep (grace period over) removes what died between storing a blob and committing its version.
    const ctx = { db: backends.db, blobs: backends.blobs, logger: createLogger('silent') } as unknown as Context;
    const swept = await sweepBlobs(ctx, { graceMs: 0, now: Date.now() + 1000 });
    const referenced = new Set(rows.map((row) => row.blob_key));
    expect(swept.filter((key) => referenced.has(key))).toEqual([]);
    const left: string[] = [];
    for await (const blob of backends.blobs.list('sha256/')) left.push(blob.key);
    expect(left.sort()).toEqual([...referenced].sort());
    return { acknowledged, unacknowledgedCommitted: [...stored].filter((version) => !acknowledged.includes(version)), orphansSwept: swept.length };
  } finally {
    await backends.close();
  }
}
