// Summarises a V8 CPU profile (node --cpu-prof, e.g. of a server under bench/cold-search.mjs): self time by function
// (or by file with --by-file), the last --last=S seconds only (the load, not the start-up), without the last
// --skip-end=S seconds (the shut-down). With two profiles and their request counts, the self time per request of
// each function in both, largest difference first: where one registry spends more than the other.
//
//   node bench/profile-summary.mjs /tmp/prof/CPU.*.cpuprofile --last=10.5 --skip-end=0.5
//   node bench/profile-summary.mjs A.cpuprofile 70000 B.cpuprofile 48000 --last=10.5 --skip-end=0.5 --by-file
//   node bench/profile-summary.mjs A.cpuprofile --lines=probeWord     (self time of one function by source line)
//
// Not a test.
import { readFileSync } from 'node:fs';

const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [key, value = 'true'] = a.slice(2).split('=');
      return [key, value];
    }),
);
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(flags.top ?? 30);

/** Self time in µs by key over the window, and the window's total. */
function selfTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const from = flags.last ? profile.endTime - Number(flags.last) * 1e6 : -Infinity;
  const to = flags['skip-end'] ? profile.endTime - Number(flags['skip-end']) * 1e6 : Infinity;
  const times = new Map();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    const frame = nodes.get(profile.samples[i]).callFrame;
    const file = frame.url.split('/').slice(-2).join('/');
    const key = flags['by-file'] ? file || frame.functionName : `${frame.functionName || '(anonymous)'} ${file.split('/').pop()}:${frame.lineNumber + 1}`;
    times.set(key, (times.get(key) ?? 0) + delta);
    total += delta;
  }
  return { profile, times, total };
}

/** Ticks of one function's samples by source line (positionTicks), over the whole profile. */
function lines(file, name) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byLine = new Map();
  let ticks = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== name) continue;
    for (const { line, ticks: t } of node.positionTicks ?? []) {
      byLine.set(line, (byLine.get(line) ?? 0) + t);
      ticks += t;
    }
  }
  for (const [line, t] of [...byLine].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(t).padStart(7)} ${((100 * t) / ticks).toFixed(1).padStart(5)}%  line ${line}`);
  console.log(`${ticks} ticks in ${name}`);
}

if (args.length === 0) {
  console.error('usage: node bench/profile-summary.mjs PROFILE [REQUESTS PROFILE_B REQUESTS_B] [--last=S] [--skip-end=S] [--by-file] [--top=N] [--lines=FUNCTION]');
  process.exit(2);
}
if (flags.lines) {
  lines(args[0], flags.lines);
} else if (args.length >= 4) {
  const [a, b] = [selfTimes(args[0]), selfTimes(args[2])];
  const [ra, rb] = [Number(args[1]), Number(args[3])];
  const keys = new Set([...a.times.keys(), ...b.times.keys()]);
  const rows = [...keys].map((key) => [key, (a.times.get(key) ?? 0) / ra, (b.times.get(key) ?? 0) / rb]);
  rows.sort((x, y) => y[2] - y[1] - (x[2] - x[1]));
  console.log(`µs a request: ${(a.total / ra).toFixed(1)} against ${(b.total / rb).toFixed(1)}`);
  console.log('      A        B     B-A');
  for (const [key, x, y] of rows.slice(0, top)) console.log(`${x.toFixed(2).padStart(7)} ${y.toFixed(2).padStart(8)} ${(y - x).toFixed(2).padStart(7)}  ${key}`);
} else {
  const { times, total } = selfTimes(args[0]);
  for (const [key, time] of [...times].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    console.log(`${(time / 1000).toFixed(0).padStart(8)} ms ${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
  console.log(`${(total / 1e6).toFixed(2)} s in the window`);
}
