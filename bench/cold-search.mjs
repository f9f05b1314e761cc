// One registry under `npm run bench`'s cold search mix, for profiling: what a change does to cold search, measured in
// minutes instead of a full run. Prints req/s, p50/p99 latency and the server's CPU time per request (from /proc);
// node flags after `--` go to the server, so that it can be profiled under this load:
//
//   node bench/cold-search.mjs /tmp/sounio-bench/embedded-100000 10
//   node bench/cold-search.mjs /tmp/sounio-bench/embedded-100000 10 -- --cpu-prof --cpu-prof-dir=/tmp/prof
//   node bench/cold-search.mjs /tmp/sounio-bench/embedded-100000 10 -- --trace-gc
//   DATABASE_URL=postgres://…/sounio_bench_100000 REDIS_URL=redis://… node bench/cold-search.mjs /tmp/sounio-bench/postgres-100000
//
// DATA_DIR is a directory `npm run bench` seeded (BENCH_ROOT, /tmp/sounio-bench), or any seeded with
// `sounio-registry admin seed`; the server's environment is this process's. BENCH_DIST measures another build (a copy
// of dist/ made before a change: run the two in turns, the machine drifts). 50 connections, 3 s of warm-up. Summarise
// a profile with bench/profile-summary.mjs. Not a test.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldQueries } from './queries.mjs';
import { sleep, startRegistry, warmSearchIndex } from './registry.mjs';

const dist = process.env.BENCH_DIST ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { VOCABULARY } = await import(join(dist, 'services', 'seed.js'));
const dash = process.argv.indexOf('--');
const [dataDir, seconds = '10'] = process.argv.slice(2, dash < 0 ? undefined : dash);
const nodeFlags = dash < 0 ? [] : process.argv.slice(dash + 1);
if (dataDir === undefined) {
  console.error('usage: node bench/cold-search.mjs DATA_DIR [SECONDS] [-- NODE_FLAGS...]');
  process.exit(2);
}

const { child, base } = await startRegistry({ dist, port: 39700 + Math.floor(Math.random() * 200), env: { ...process.env, DATA_DIR: dataDir }, nodeFlags, stdio: ['ignore', 'inherit', 'inherit'] });
try {
  await warmSearchIndex(base);
  await sleep(3_000); // the index prepares its common terms' copies once it serves
  const stream = coldQueries(VOCABULARY);
  const load = (duration) =>
    new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url: base,
          connections: 50,
          duration,
          requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/api/v1/search?q=${encodeURIComponent(stream.next().value)}` }) }],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('error', reject);
    });
  // utime + stime of the server, in ms (clock ticks of 10 ms).
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  await load(3);
  const before = cpuMs();
  const result = await load(Number(seconds));
  const cpu = cpuMs() - before;
  console.log(
    `${dataDir}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `server CPU ${((cpu * 1000) / result.requests.total).toFixed(0)} µs a request, non-2xx ${result.non2xx}`,
  );
} finally {
  // SIGINT: the server shuts down cleanly, and --cpu-prof writes its profile.
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('exit', resolve));
}
