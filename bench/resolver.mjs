// Resolver benchmark (issue 7): generated registries of 100, 1,000 and 10,000 packages × 20 versions with a
// realistic dependency fan-out, in two shapes (dependencies drawn towards popular packages, as in real registries;
// and every dependency a recent package, whose resolutions reach most of the registry), plus adversarial registries
// that force backtracking. For each case it reports the first solve of the registry (what a one-shot client pays,
// V8 not yet having optimised the solver for it), then the steady-state time `solve` takes (with the index already
// parsed, after unmeasured warm-up solves: BENCH_WARM_SOLVES (20) and BENCH_WARM_MS (1,000 ms) at least) beside the
// time JSON.parse takes on the index lines the solve read, each the median of BENCH_REPEATS runs (9), a parse right
// after each solve: the goal is resolving at no more than 3× reading. Then the every-dependency-recent shape at
// 1,000 packages from BENCH_SEEDS (five more seeds), solved a few times each. BENCH_SIZES picks the registry sizes,
// BENCH_BUDGET_MS the solver's time budget, BENCH_VERBOSE prints failures. Run with `npm run bench` (or
// `node bench/resolver.mjs` after `npm run build`). Not a test: the numbers depend on the machine.
import { performance } from 'node:perf_hooks';

// BENCH_RESOLVER: another build of the resolver module to measure (a path or URL), for comparing builds.
const resolverModule = process.env.BENCH_RESOLVER ?? new URL('../dist/core/resolver.js', import.meta.url).href;
const resolverUrl = resolverModule.startsWith('/') ? `file://${resolverModule}` : resolverModule;
const { solve } = await import(resolverUrl);
// The seed's generator (mulberry32, deterministic: every run measures the same registries), from the same build.
const { random } = await import(new URL('../services/seed.js', resolverUrl).href);

const VERSIONS = 20;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const WARM_SOLVES = Number(process.env.BENCH_WARM_SOLVES ?? 20);
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 1_000);
/** A case whose first solve takes longer than this is solved three more times, without a warm-up. */
const SLOW_MS = 5_000;


const versionAt = (i) => `${1 + Math.floor(i / 8)}.${i % 8}.${i % 3}`; // 1.0.0 … 3.3.1: majors, minors and patches

/**
 * `count` packages; package p depends only on packages below it (a DAG, as most real graphs are close to), picked by
 * `pickTarget(p, next)`, with a fan-out of 0–6 (mean about 3), and requirements `^major.minor` of an existing version,
 * sometimes `>=`, `~` or exact.
 */
function generateWith(count, seed, pickTarget) {
  const next = random(seed);
  const files = new Map();
  for (let p = 0; p < count; p++) {
    const name = `pkg-${p}`;
    const lines = [];
    const fanOut = p === 0 ? 0 : Math.min(p, Math.floor(next() * next() * 7 + next() * 2));
    const targets = new Set();
    while (targets.size < fanOut) targets.add(pickTarget(p, next));
    for (let v = 0; v < VERSIONS; v++) {
      const deps = [...targets].map((t) => {
        // Versions of a package follow its dependencies' releases: version v asks for about the dependency's v-th
        // release (a little older at times), mostly with a caret as `cargo add` writes it, sometimes a lower bound.
        const at = versionAt(Math.max(0, v - Math.floor(next() * next() * 4)));
        const [major, minor] = at.split('.');
        const shape = next();
        const req = shape < 0.8 ? `^${major}.${minor}` : shape < 0.95 ? `>=${major}.${minor}` : `~${major}.${minor}`;
        return { name: `pkg-${t}`, req, features: [], optional: false, default_features: true, kind: next() < 0.1 ? 'dev' : 'normal' };
      });
      lines.push(JSON.stringify({ name, vers: versionAt(v), deps, cksum: 'f'.repeat(64), features: {}, yanked: next() < 0.03, sounio_version: null }));
    }
    files.set(name, lines.join('\n') + '\n');
  }
  return files;
}

/** Every dependency drawn towards recently numbered packages (within 200 below). */
export function generate(count, seed) {
  return generateWith(count, seed, (p, next) => Math.max(0, p - 1 - Math.floor(next() * next() * Math.min(p, 200))));
}

/**
 * Like generate(), but most dependencies go to the oldest, most depended-on packages (a package's pick among those
 * below it is skewed to the low numbers, as crates.io's serde, syn or libc are everyone's), and about a third to a
 * package numbered shortly before it: the packages a resolution reaches stay in the tens to hundreds as the registry
 * grows, as they do in real registries. generate()'s graphs, where every dependency is a recent package, reach most of
 * the registry (84% at 10,000 packages): a worst case for a single-version resolver.
 */
export function generatePopular(count, seed) {
  return generateWith(count, seed, (p, next) => (next() < 0.3 ? Math.max(0, p - 1 - Math.floor(next() * Math.min(p, 200))) : Math.floor(p * next() ** 3)));
}

/**
 * Backtracking on purpose: `root` wants `left` and `right`; every version of `left` needs a different exact
 * version of `shared` and so does every version of `right`, and only the lowest pair agrees, so the solver must
 * learn its way down through the newest versions first.
 */
export function adversarial(width) {
  const files = new Map();
  const line = (name, vers, deps) => JSON.stringify({ name, vers, deps, cksum: 'f'.repeat(64), features: {}, yanked: false, sounio_version: null });
  const dep = (name, req) => ({ name, req, features: [], optional: false, default_features: true, kind: 'normal' });
  const shared = [];
  const left = [];
  const right = [];
  for (let i = 0; i < width; i++) {
    shared.push(line('shared', `1.0.${i}`, []));
    shared.push(line('shared', `2.0.${i}`, []));
    left.push(line('left', `1.${i}.0`, [dep('shared', `=1.0.${i}`), dep(`filler-${i % 10}`, '*')]));
    right.push(line('right', `1.${i}.0`, [dep('shared', i === 0 ? '=1.0.0' : `=2.0.${i}`)]));
  }
  files.set('shared', shared.join('\n') + '\n');
  files.set('left', left.join('\n') + '\n');
  files.set('right', right.join('\n') + '\n');
  for (let i = 0; i < 10; i++) files.set(`filler-${i}`, line(`filler-${i}`, '1.0.0', []) + '\n');
  return files;
}

function parseFile(text) {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

async function measure(label, files, rootDeps, repeats = REPEATS, warm = true) {
  const parsed = new Map([...files].map(([name, text]) => [name, parseFile(text)]));
  const read = new Set();
  const provider = { versions: (name) => (read.add(name), parsed.get(name) ?? []) };
  const root = { name: 'bench-root', version: '0.1.0', dependencies: rootDeps.map(([name, req]) => ({ name, req, features: [], optional: false, default_features: true, kind: 'normal' })) };
  const options = { timeBudgetMs: Number(process.env.BENCH_BUDGET_MS ?? 60_000), maxPackages: 100_000 };
  const parseRead = () => {
    let lines = 0;
    const start = performance.now();
    for (const name of read) lines += parseFile(files.get(name) ?? '').length;
    return { lines, ms: performance.now() - start };
  };
  // The first solve of this registry, as a one-shot client (`sounio install`) pays it: the solver's code for this
  // registry's shapes not yet optimised by V8 (only the bench's small warm-up registry ran before).
  read.clear();
  let started = performance.now();
  let result = await solve(root, provider, options);
  const firstMs = performance.now() - started;
  let { lines, ms: firstParseMs } = parseRead();
  const solveTimes = [];
  const parseTimes = [];
  if (!result.ok && result.code === 'resolution_too_complex') {
    // Out of budget: once is enough to say so (that solve is the measurement).
    solveTimes.push(firstMs);
    parseTimes.push(firstParseMs);
  } else if (repeats > 0) {
    // A solve of seconds (every dependency recent at 10,000 packages) is its own warm-up: one more, then three.
    if (firstMs > SLOW_MS) {
      warm = false;
      repeats = Math.min(repeats, 3);
    }
    // Steady state, as the registry's POST /resolve runs in a long-lived server: unmeasured solves until V8 has
    // optimised the solver's code (at least WARM_SOLVES of them, or WARM_MS of solving; one warm-up was not enough:
    // the medians then still fell by half over the next tens of solves). JSON.parse is native code from the start,
    // and parseFile's few lines of JavaScript are warmed the same way.
    const warmStart = performance.now();
    for (let i = 0; warm && (i < WARM_SOLVES || performance.now() - warmStart < WARM_MS); i++) {
      await solve(root, provider, options);
      parseRead();
      if (i >= 10 * WARM_SOLVES) break;
    }
    // Each solve is followed by parsing exactly the index lines it read, so that both see the same machine load.
    // (A forced collection before each measurement was tried: the solves then took about twice as long here.)
    for (let i = 0; i < repeats; i++) {
      read.clear();
      started = performance.now();
      result = await solve(root, provider, options);
      solveTimes.push(performance.now() - started);
      const parsedNow = parseRead();
      lines = parsedNow.lines;
      parseTimes.push(parsedNow.ms);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const solveMs = median(solveTimes);
  const parseMs = median(parseTimes);
  if (!result.ok && process.env.BENCH_VERBOSE) console.error(result.message);
  return {
    label,
    outcome: result.ok ? `${result.packages.length} packages` : result.code,
    read: read.size,
    lines,
    firstMs,
    solveMs,
    parseMs,
    ratio: solveMs / parseMs,
  };
}

export async function resolverBenchmark() {
  const sizes = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
  const top = (count) => [count - 1, count - 2, count - 3, Math.floor(count * 0.9), Math.floor(count * 0.75)].map((p) => [`pkg-${p}`, '*']);
  // Each case as [label, make the registry, root dependencies, repeats, warm up]; the rows come out in this order.
  const cases = [
    ...sizes.map((count) => [`${count} packages × ${VERSIONS} versions, popularity-weighted`, () => generatePopular(count, count), top(count)]),
    ...sizes.map((count) => [`${count} packages × ${VERSIONS} versions, every dependency recent`, () => generate(count, count), top(count)]),
    ...[20, 100].map((width) => [`adversarial backtracking (${width} versions)`, () => adversarial(width), [['left', '*'], ['right', '*']]]),
    // The same shape at 1,000 packages drawn from other seeds: how long a solve takes varies from one such registry
    // to the next by two orders of magnitude (how soon the conflicts are met), so one registry says little. Each is
    // solved once, then BENCH_SEED_REPEATS (3) times for the median, with the solver's code already warm from the
    // cases before (no warm-up of their own: the slowest take seconds a solve).
    ...(process.env.BENCH_SEEDS ?? '1001,1002,1003,1004,1005')
      .split(',')
      .filter(Boolean)
      .map((seed) => [`1000 packages × ${VERSIONS} versions, every dependency recent, seed ${seed}`, () => generate(1000, Number(seed)), top(1000), Number(process.env.BENCH_SEED_REPEATS ?? 3), false]),
  ];
  // Measured in that order, except the every-dependency-recent registries of 10,000 packages and more, which go
  // last: a solve that runs to the time budget leaves a heap of garbage that slowed the cases after it.
  const isLarge = ([label]) => label.includes('every dependency recent') && !label.includes('seed') && Number(label.split(' ')[0]) >= 10_000;
  const results = new Map();
  // One unmeasured solve first, so that no case pays for compiling the solver (JSON.parse is native code already).
  await measure('warm-up', generatePopular(300, 7), top(300), 0);
  for (const [label, make, deps, repeats, warm] of [...cases.filter((c) => !isLarge(c)), ...cases.filter(isLarge)]) {
    results.set(label, await measure(label, make(), deps, repeats, warm));
  }
  return cases.map(([label]) => results.get(label));
}

export function formatResolverRows(rows) {
  const header = '| case | outcome | packages read | index lines | first solve (ms) | solve (ms) | JSON.parse (ms) | solve / parse |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|';
  const body = rows.map((r) => `| ${r.label} | ${r.outcome} | ${r.read} | ${r.lines} | ${r.firstMs.toFixed(1)} | ${r.solveMs.toFixed(2)} | ${r.parseMs.toFixed(2)} | ${r.ratio.toFixed(2)}× |`);
  return [header, rule, ...body].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await resolverBenchmark();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows));
  } else {
    console.log('Resolver: solve time against JSON.parse of the index lines it read (goal: ≤ 3×)\n');
    console.log(formatResolverRows(rows));
  }
}
