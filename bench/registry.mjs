// What the bench scripts share about running a registry: its environment (rate limiting on, limits raised so that
// nothing is refused: their cost is part of the hot path) and the processes' start.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Every rate-limit bucket raised out of reach. */
const RAISED_LIMITS = Object.fromEntries(
  ['SEARCH_ANON', 'SEARCH_AUTH', 'DOWNLOAD_ANON', 'DOWNLOAD_AUTH', 'PUBLISH_AUTH', 'OTHER_ANON', 'OTHER_AUTH', 'ACCOUNT', 'WEB_ANON', 'WEB_AUTH'].map((n) => [`RATE_LIMIT_${n}`, '1000000000']),
);

/** What every registry the bench runs gets (seeding included): quiet logs, rate limits on but out of reach, metrics. */
export const REGISTRY_ENV = { LOG_LEVEL: 'warn', RATE_LIMITS: 'on', ...RAISED_LIMITS, METRICS: 'on' };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `url` answers 2xx; fails when `child` exits first or after `seconds`. */
export async function waitFor(url, child, seconds = 60) {
  for (let i = 0; i < seconds * 10; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode})`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer in ${seconds} s`);
}

/**
 * Starts `sounio-registry serve` from the build in `dist` on `port` with `env` (DATA_DIR, and DATABASE_URL/REDIS_URL
 * for the PostgreSQL backend), node flags first (`--cpu-prof`, `--trace-gc`, ...). Resolves once /healthz answers.
 */
export async function startRegistry({ dist, port, env, nodeFlags = [], stdio = ['ignore', 'ignore', 'inherit'] }) {
  const child = spawn(process.execPath, [...nodeFlags, join(dist, 'main.js'), 'serve'], {
    env: { ...REGISTRY_ENV, ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child);
  return { child, base };
}

/**
 * Starts the registry's search index (built on the first search) and waits until it is built, so that no workload
 * is measured while the build takes the CPU: sounio_search_index_packages is -1 until then. Returns its size.
 */
export async function warmSearchIndex(base) {
  await fetch(`${base}/api/v1/search?q=${encodeURIComponent('index warm up')}`);
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const packages = Number(/^sounio_search_index_packages (\S+)$/m.exec(text)?.[1] ?? -1);
    if (packages >= 0) return packages;
    await sleep(500);
  }
  throw new Error(`${base}: the search index was not built within 10 minutes`);
}
