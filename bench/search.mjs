// Search benchmark: a cold mix of distinct queries (single words, pairs, prefixes, typos, names and name typos,
// made from the seed corpus vocabulary and the registry's own names; none repeats) against seeded embedded
// registries, in process, through the search service. For each registry it reports, for the SQL search
// (db/search.ts) and for the per-process index (services/search-index*.ts): latency p50/p99 one query at a time,
// throughput with CONCURRENCY queries in flight, and for the index its build time and the heap it holds.
//
//   node scripts/build.mjs
//   DATA_DIR=/tmp/search-1k node dist/main.js admin seed --packages 1000
//   DATA_DIR=/tmp/search-100k node dist/main.js admin seed --packages 100000
//   node --expose-gc bench/search.mjs /tmp/search-1k /tmp/search-100k
//
// BENCH_DIST: another build to measure (a directory with the compiled src/). BENCH_QUERIES: queries per run
// (default 2000 for the index, a tenth of it for SQL, which is much slower). BENCH_SKIP_SQL=1: the index only. Not a test: the numbers depend on the
// machine (and on what else runs on it), so compare runs made together.
import { performance } from 'node:perf_hooks';

const dist = process.env.BENCH_DIST ?? new URL('../dist', import.meta.url).pathname;
const load = (path) => import(`file://${dist}/${path}`);
const { openPglite } = await load('adapters/pglite.js');
const { MemoryKeyValue } = await load('adapters/memory-kv.js');
const { migrate } = await load('db/migrate.js');
const { searchPackages } = await load('db/search.js');
const { search, searchQueryOf } = await load('services/search.js');
const { searchIndexReady, searchIndexStats } = await load('services/search-index-sync.js');
const { VOCABULARY, random } = await load('services/seed.js');
const { createLogger } = await load('logger.js');

const QUERIES = Number(process.env.BENCH_QUERIES ?? 2000);
const CONCURRENCY = 50;
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node --expose-gc bench/search.mjs DATA_DIR...');
  process.exit(2);
}


/** A typo: a letter dropped, doubled, replaced, or two neighbours swapped. */
function typo(word, next) {
  const i = Math.floor(next() * word.length);
  const kind = Math.floor(next() * 4);
  const letter = String.fromCharCode(97 + Math.floor(next() * 26));
  if (kind === 0 && word.length > 3) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 1) return word.slice(0, i) + word[i] + word.slice(i);
  if (kind === 2) return word.slice(0, i) + letter + word.slice(i + 1);
  const j = Math.min(i, word.length - 2);
  return word.slice(0, j) + word[j + 1] + word[j] + word.slice(j + 2);
}

/** `count` distinct queries: words, pairs, prefixes, typos of words, names, typos of names. */
function coldMix(count, names, seed) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const words = [...new Set(VOCABULARY)];
  const seen = new Set();
  const queries = [];
  for (let attempt = 0; queries.length < count && attempt < count * 50; attempt++) {
    const kind = Math.floor(next() * 6);
    let q;
    if (kind === 0) q = pick(words);
    else if (kind === 1) q = `${pick(words)} ${pick(words)}`;
    else if (kind === 2) {
      const word = pick(words.filter((w) => w.length >= 4));
      q = word.slice(0, 3 + Math.floor(next() * (word.length - 3)));
    } else if (kind === 3) q = next() < 0.5 ? typo(pick(words.filter((w) => w.length >= 4)), next) : `${pick(words)} ${typo(pick(words.filter((w) => w.length >= 4)), next)}`;
    else if (kind === 4) q = pick(names);
    else q = typo(pick(names), next);
    if (seen.has(q)) continue;
    seen.add(q);
    queries.push(q);
  }
  return queries;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function measure(label, queries, run, warmUp = []) {
  // Warm-up: other distinct queries, so the JIT has compiled the path (none of them is measured or repeated).
  for (const q of warmUp) await run(q);
  const half = Math.floor(queries.length / 2);
  // Latency: one at a time, over the first half.
  const times = [];
  let found = 0;
  for (const q of queries.slice(0, half)) {
    const started = performance.now();
    const result = await run(q);
    times.push(performance.now() - started);
    if (result.total > 0) found++;
  }
  times.sort((a, b) => a - b);
  // Throughput: CONCURRENCY in flight, over the other half (distinct from the first).
  const rest = queries.slice(half);
  let at = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (at < rest.length) await run(rest[at++]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const line = {
    run: label,
    queries: queries.length,
    p50_ms: +percentile(times, 50).toFixed(2),
    p99_ms: +percentile(times, 99).toFixed(2),
    max_ms: +times[times.length - 1].toFixed(2),
    req_per_s: Math.round(rest.length / seconds),
    found_share: +(found / half).toFixed(2),
  };
  console.log(JSON.stringify(line));
  return line;
}

const heap = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

for (const dir of dirs) {
  const db = await openPglite({ dataDir: dir });
  await migrate(db);
  const { rows } = await db.query('SELECT name, count(*) OVER ()::int AS n FROM packages WHERE available ORDER BY md5(name) LIMIT 3000');
  const packages = rows[0]?.n ?? 0;
  const names = rows.map((row) => row.name);
  const queries = coldMix(QUERIES, names, 42);
  const logger = createLogger('silent');
  console.log(JSON.stringify({ registry: dir, packages, distinct_queries: queries.length }));

  // SQL, a tenth of the queries (distinct from those the index gets).
  const sqlQueries = queries.slice(0, Math.max(20, Math.floor(queries.length / 10)));
  const sqlWarmUp = coldMix(30, names, 99).filter((q) => !queries.includes(q));
  if (process.env.BENCH_SKIP_SQL !== '1') await measure('sql', sqlQueries, (q) => searchPackages(db, searchQueryOf({ q, page: 1, perPage: 20 })), sqlWarmUp);

  // The index: built, then the service (which answers from it) over the full mix.
  const kv = new MemoryKeyValue();
  const ctx = { db, kv, logger };
  const before = heap();
  const started = performance.now();
  await searchIndexReady(ctx);
  const buildMs = performance.now() - started;
  const after = heap();
  console.log(
    JSON.stringify({ index_build_ms: Math.round(buildMs), index_heap_mb: +((after - before) / 1048576).toFixed(1), estimated_mb: +(searchIndexStats(ctx).estimatedBytes / 1048576).toFixed(1) }),
  );
  const indexQueries = coldMix(QUERIES + 300, names, 7);
  await measure('index', indexQueries.slice(300), (q) => search(ctx, { q, page: 1, perPage: 20 }), indexQueries.slice(0, 300));
  const stats = searchIndexStats(ctx);
  console.log(JSON.stringify({ answered_by_index: stats.answered, answered_by_sql: stats.fallbacks }));
  await kv.close();
  await db.close();
}
