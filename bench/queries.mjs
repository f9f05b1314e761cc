// The cold search mix of `npm run bench`: an endless stream of distinct queries made from the seed corpus's vocabulary,
// the same stream for every registry size, so that the latency at 100,000 packages is compared with the latency at
// 1,000 on the very same queries. (An earlier mix took package names from the corpus, every 7th: 14,000 names at
// 100,000 packages against 143 at 1,000, where the mix was then almost all word pairs. The two sizes were measured
// on different queries.) The stream cycles through five kinds, so each keeps its share however many queries a run takes:
//   a word (as written about one time in ten, else with one or two typos, or its first letters),
//   two words, two words with a typo in the second,
//   a name as the seed makes them (one or two words and a common suffix, joined by '-'), and such a name with a typo.

// The seed's own generator (mulberry32, deterministic: every run sends the same queries), from the build measured.
const dist = process.env.BENCH_DIST ?? new URL('../dist', import.meta.url).pathname;
const { random } = await import(`file://${dist}/services/seed.js`);

/** One typo: a letter dropped, two neighbours swapped, or one doubled. */
function typo(word, next) {
  if (word.length < 2) return word;
  const kind = Math.floor(next() * 3);
  const i = Math.floor(next() * word.length);
  if (kind === 0 && word.length > 3) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 1 && i + 1 < word.length) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  return word.slice(0, i + 1) + word.slice(i);
}

const SUFFIXES = ['rs', 'lite', 'core', 'utils', 'derive', 'macros', 'sys', 'async', 'ext', 'kit', 'x'];

/** Queries never to send (the hot ones), and the vocabulary. */
export function* coldQueries(vocabulary, exclude = [], seed = 7) {
  const words = [...new Set(vocabulary)];
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const seen = new Set(exclude);
  const kinds = [
    () => {
      const word = pick(words);
      const roll = next();
      if (roll < 0.1) return word;
      if (roll < 0.2 && word.length > 4) return word.slice(0, 3 + Math.floor(next() * (word.length - 3)));
      return roll < 0.7 ? typo(word, next) : typo(typo(word, next), next);
    },
    () => `${pick(words)} ${pick(words)}`,
    () => `${pick(words)} ${typo(pick(words), next)}`,
    () => [...new Set(next() < 0.3 ? [pick(words)] : [pick(words), pick(words)]), pick(SUFFIXES)].join('-'),
    () => typo([...new Set(next() < 0.3 ? [pick(words)] : [pick(words), pick(words)]), pick(SUFFIXES)].join('-'), next),
  ];
  // Draw until the kind gives a query not sent before. A kind that gives none in 1,000 draws is spent (one word with
  // typos is, after some 100,000 queries) and leaves the rotation: drawing on would cost the load generator more
  // CPU per query than the registry spends answering it (it did: the cold figures of earlier runs were the client's).
  const active = [...kinds];
  for (let i = 0; active.length > 0; ) {
    const at = i % active.length;
    let found = false;
    for (let attempt = 0; attempt < 1_000 && !found; attempt++) {
      const query = active[at]();
      if (seen.has(query)) continue;
      seen.add(query);
      found = true;
      yield query;
    }
    if (found) i++;
    else active.splice(at, 1);
  }
}
