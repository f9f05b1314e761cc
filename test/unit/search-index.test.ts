// The search index's parts without a database: the edit distance, the tsvector reader, and the index itself against
// a brute-force reading of the same documents through random upserts, removals and compactions; and the JavaScript
// stemmer against PostgreSQL's English configuration (embedded) on a word list.
import { describe, expect, it } from 'vitest';
import { openPglite } from '../../src/adapters/pglite.js';
import type { IndexRow } from '../../src/db/search.js';
import { row } from '../helpers/search-rows.js';
import { packageSummaryView } from '../../src/services/package-views.js';
import { random, VOCABULARY } from '../../src/services/seed.js';
import { editDistance, forEachLexeme, SearchIndex } from '../../src/services/search-index.js';
import { englishLexemes } from '../../src/services/search-index-stem.js';

describe('editDistance (optimal string alignment)', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions, and stops above the bound', () => {
    expect(editDistance('jsn', 'json', 2)).toBe(1);
    expect(editDistance('sedre', 'serde', 2)).toBe(1);
    expect(editDistance('serdejsn', 'serdejson', 3)).toBe(1);
    expect(editDistance('kitten', 'sitting', 3)).toBe(3);
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('abc', 'abc', 0)).toBe(0);
    expect(editDistance('ab', 'abcdef', 2)).toBe(3);
    expect(editDistance('', 'abc', 3)).toBe(3);
  });

  it('agrees with the full optimal string alignment table on random pairs (capped at the bound plus one)', () => {
    const full = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
      }
      return d[a.length]![b.length]!;
    };
    const next = random(21);
    const word = (): string => Array.from({ length: Math.floor(next() * 14) }, () => 'abcde_'[Math.floor(next() * 6)]).join('');
    for (let n = 0; n < 5_000; n++) {
      const a = word();
      // Often a near copy of the first (edits, swaps), so that small distances are common.
      let b = next() < 0.5 ? word() : a;
      for (let e = Math.floor(next() * 4); e > 0 && b.length > 1; e--) {
        const at = Math.floor(next() * (b.length - 1));
        const kind = Math.floor(next() * 3);
        b = kind === 0 ? b.slice(0, at) + b[at + 1] + b[at] + b.slice(at + 2) : kind === 1 ? b.slice(0, at) + b.slice(at + 1) : b.slice(0, at) + 'x' + b.slice(at);
      }
      const max = Math.floor(next() * 5);
      expect(editDistance(a, b, max), `${a} ${b} ${max}`).toBe(Math.min(full(a, b), max + 1));
    }
  });
});

describe('forEachLexeme', () => {
  it('reads every lexeme once with its best weight (no letter: D)', () => {
    const read: Array<[string, number]> = [];
    forEachLexeme("'json':1A,3B 'read':5C,9 'x':2 'it''s':4B 'back\\\\slash':7 'plain'", (lexeme, weight) => read.push([lexeme, weight]));
    expect(read).toEqual([
      ['json', 3],
      ['read', 1],
      ['x', 0],
      ["it's", 2],
      ['back\\slash', 0],
      ['plain', 0],
    ]);
  });
});

describe('SearchIndex', () => {
  it('finds what a brute-force reading of the documents finds, through upserts, removals and compactions', () => {
    const next = random(11);
    const vocabulary = [...new Set(VOCABULARY)].slice(0, 60);
    const pick = () => vocabulary[Math.floor(next() * vocabulary.length)]!;
    const index = new SearchIndex(100_000);
    const live = new Map<string, IndexRow>();
    let seq = 0;
    const lexemesOf = (r: IndexRow) => {
      const set = new Set<string>();
      forEachLexeme(r.search_vector!, (lexeme) => set.add(lexeme));
      return set;
    };
    const expectWords = (words: string[], label: string) => {
      const page = index.search({
        words,
        lexemes: new Map(words.map((word) => [word, { english: [word], simple: [word] }])),
        name: '',
        maxEdits: 0,
        keywords: [],
        category: null,
        order: 'name',
        limit: 100_000,
        offset: 0,
      });
      const expected = [...live.values()]
        .filter((r) => {
          const lexemes = lexemesOf(r);
          return words.every((word, i) => lexemes.has(word) || (i === words.length - 1 && word.length >= 3 && [...lexemes].some((l) => l.startsWith(word))));
        })
        .map((r) => r.name)
        .sort();
      expect(page.rows.map((r) => r.name), label).toEqual(expected);
      expect(page.total, label).toBe(expected.length);
    };
    for (let step = 0; step < 6_000; step++) {
      const name = `${pick()}-${pick()}-${Math.floor(next() * 400)}`;
      const action = next();
      if (action < 0.7) {
        const r = row(name, [pick(), pick()], [pick(), pick(), pick()], ++seq, Math.floor(next() * 1000), next() > 0.05);
        index.upsert(r);
        if (r.available) live.set(r.canonical_name, r);
        else live.delete(r.canonical_name);
      } else if (action < 0.85 && live.size > 0) {
        // Download counts only: the same document.
        const existing = [...live.values()][Math.floor(next() * live.size)]!;
        const updated = { ...existing, recent_downloads: Math.floor(next() * 1000), search_seq: String(++seq) };
        index.upsert(updated);
        live.set(updated.canonical_name, updated);
      } else {
        index.remove(name.replace(/-/g, '_'));
        live.delete(name.replace(/-/g, '_'));
      }
      if (step % 1_500 === 0) index.compact();
      if (step % 250 === 0) {
        // Names by prefix (read through the names' slots, kept beside the sorted names through every change).
        const prefix = pick().slice(0, 2 + Math.floor(next() * 3));
        const page = index.search({ words: [], lexemes: new Map(), name: prefix, maxEdits: 0, keywords: [], category: null, order: 'name', limit: 100_000, offset: 0 });
        const expected = [...live.values()].filter((r) => r.canonical_name.startsWith(prefix)).map((r) => r.name).sort();
        expect(page.rows.map((r) => r.name), `${prefix} at step ${step}`).toEqual(expected);
        // Words too, between changes: what a search keeps of a term (packed postings, bitsets) must follow them.
        const words = [pick(), pick()];
        expectWords(words, `${words.join(' ')} at step ${step}`);
      }
    }
    expect(index.size).toBe(live.size);
    for (let q = 0; q < 200; q++) {
      const words = next() < 0.5 ? [pick()] : [pick(), pick()];
      expectWords(words, words.join(' '));
    }
    // Removed and replaced packages leave dead slots until a compaction: neither path may find them, also after the
    // query marks wrap round (every slot's mark is reset then, a dead slot's to dead).
    for (const canonical of [...live.keys()].slice(0, 200)) {
      index.remove(canonical);
      live.delete(canonical);
    }
    expect((index as unknown as { dead: number }).dead).toBeGreaterThanOrEqual(200);
    const oneWord = (word: string) =>
      index.search({ words: [word], lexemes: new Map([[word, { english: [word], simple: [word] }]]), name: '', maxEdits: 0, keywords: [], category: null, order: 'relevance', limit: 100_000, offset: 0 });
    const having = (word: string) =>
      [...live.values()]
        .filter((r) => {
          const lexemes = lexemesOf(r);
          return lexemes.has(word) || (word.length >= 3 && [...lexemes].some((l) => l.startsWith(word)));
        })
        .map((r) => r.name)
        .sort();
    for (const wrap of [false, true]) {
      if (wrap) (index as unknown as { generation: number }).generation = 2_000_000_001;
      for (const word of vocabulary.slice(0, 20)) {
        const page = oneWord(word);
        expect(page.rows.map((r) => r.name).sort(), `${word}${wrap ? ' after the wrap' : ''}`).toEqual(having(word));
        expect(page.total).toBe(having(word).length);
      }
    }
  });

  it('pages by relevance exactly as the whole ranking would (the best k picked without sorting everything)', () => {
    const next = random(11);
    const index = new SearchIndex(100_000);
    const words = ['json', 'http', 'parser', 'stream', 'cache'];
    const pick = () => words[Math.floor(next() * words.length)]!;
    for (let i = 0; i < 600; i++) {
      // Few distinct download counts, so ties in score and downloads fall to the name.
      index.upsert(row(`${pick()}-${pick()}-p${i}`, [pick(), pick()], [pick(), pick(), pick()], i + 1, Math.floor(next() * 5) * 100));
    }
    for (const query of [['json'], ['pars'], ['stream', 'cache'], ['jsno'], ['http', 'json']]) {
      const search = (offset: number, limit: number) =>
        index.search({ words: query, lexemes: new Map(), name: query.join('_'), maxEdits: 1, keywords: [], category: null, order: 'relevance', limit, offset }).rows.map((r) => r.name);
      const whole = search(0, 100_000);
      expect(whole.length, query.join(' ')).toBeGreaterThan(20);
      for (const [offset, limit] of [[0, 1], [0, 20], [20, 20], [7, 13], [100, 50]] as const) expect(search(offset, limit), `${query.join(' ')} ${offset}+${limit}`).toEqual(whole.slice(offset, offset + limit));
    }
  });

  it('answers a one-word query by its own path exactly as the general path does (pages, totals, caps, name prefixes, corrections)', () => {
    for (const [seed, maxResults] of [[1, 40], [2, 100_000], [3, 300], [4, 100_000]] as const) {
      const next = random(seed);
      const index = new SearchIndex(maxResults);
      const words = ['json', 'jsonl', 'http', 'parser', 'parse', 'stream', 'cache', 'cached'];
      const pick = () => words[Math.floor(next() * words.length)]!;
      for (let i = 0; i < 700; i++) {
        const name = next() < 0.1 ? `${pick()}${i}` : `${pick()}-${pick()}-p${i}`;
        index.upsert(row(name, [pick(), pick()], [pick(), pick(), pick()], i + 1, Math.floor(next() * 4) * 100));
      }
      index.upsert(row('json', ['json'], ['parser'], 10_000, 0)); // an exact name with no downloads
      for (let i = 0; i < 50; i++) index.remove(`${words[i % words.length]}-x`); // (absent: nothing happens)
      index.compact();
      // As written, by prefix, corrected (a name close to the query's ranks up: every name match is visited), none.
      for (const word of ['json', 'jso', 'pars', 'stream', 'cache', 'cach', 'http', 'jsn', 'jsonn', 'parsr', 'strem', 'cahce', 'htp', 'zzz']) {
        for (const [offset, limit] of [[0, 20], [0, 1], [20, 20], [5, 50], [35, 10], [0, 500]] as const) {
          const query = { words: [word], lexemes: new Map(), name: word, maxEdits: 1, keywords: [], category: null, order: 'relevance' as const, limit, offset };
          index.useFastPath = false;
          const general = index.search(query);
          index.useFastPath = true;
          const fast = index.search(query);
          expect(fast.total, `${word} ${offset}+${limit} (cap ${maxResults})`).toBe(general.total);
          expect(fast.rows.map((r) => r.name), `${word} ${offset}+${limit} (cap ${maxResults})`).toEqual(general.rows.map((r) => r.name));
        }
      }
    }
  });

  it('takes a bucket no longer than the page reaches whole, and a longer one in ranking order, as the general path ranks them', () => {
    // One term in `size` descriptions (one bucket of equal scores, ordered by recent downloads) and in 5 names.
    for (let size = 1; size <= 30; size++) {
      const next = random(100 + size);
      const index = new SearchIndex(100_000);
      for (let i = 0; i < size; i++) index.upsert(row(`pkg-${i}`, [], ['alpha', 'beta'], i + 1, Math.floor(next() * 1_000)));
      for (let i = 0; i < 5; i++) index.upsert(row(`alpha-${i}`, [], ['gamma'], 1_000 + i, Math.floor(next() * 1_000)));
      for (const [offset, limit] of [[0, 1], [0, size - 1], [0, size], [0, size + 1], [0, size + 5], [2, size], [3, size + 2], [5, 3]] as const) {
        if (limit < 1) continue;
        const query = { words: ['alpha'], lexemes: new Map(), name: '', maxEdits: 0, keywords: [], category: null, order: 'relevance' as const, limit, offset };
        index.useFastPath = false;
        const general = index.search(query);
        index.useFastPath = true;
        const fast = index.search(query);
        expect(fast.rows.map((r) => r.name), `${size} packages, ${offset}+${limit}`).toEqual(general.rows.map((r) => r.name));
        expect(fast.total).toBe(general.total);
      }
    }
  });

  it('keeps the one-word path right through changes of recent downloads, removals, and buckets longer than it keeps in order', () => {
    const next = random(11);
    const index = new SearchIndex(100_000);
    const live: IndexRow[] = [];
    // `common` is in every description: a bucket of 2,600, longer than the 1,024 a term keeps in ranking order.
    // Recent downloads take few values, so most ties are broken by name.
    for (let i = 0; i < 2_600; i++) {
      const name = next() < 0.3 ? `json-p${i}` : next() < 0.5 ? `common-p${i}` : `pkg-p${i}`;
      const r = row(name, next() < 0.2 ? ['json'] : [], ['common', next() < 0.5 ? 'parser' : 'stream'], i + 1, Math.floor(next() * 5) * 10);
      index.upsert(r);
      live.push(r);
    }
    const compare = (label: string) => {
      for (const word of ['common', 'comon', 'json', 'jsn', 'pars', 'strem', 'commo']) {
        for (const [offset, limit] of [[0, 20], [0, 100], [990, 30], [1_000, 30], [2_000, 50]] as const) {
          const query = { words: [word], lexemes: new Map(), name: word, maxEdits: 1, keywords: [], category: null, order: 'relevance' as const, limit, offset };
          index.useFastPath = false;
          const general = index.search(query);
          index.useFastPath = true;
          const fast = index.search(query);
          const where = `${label}: ${word} ${offset}+${limit}`;
          expect(fast.total, where).toBe(general.total);
          expect(fast.rows.map((r) => r.name), where).toEqual(general.rows.map((r) => r.name));
        }
      }
    };
    compare('first');
    // New recent downloads for a third (the same documents: only numbers change), then the first of each bucket
    // removed (dead slots at the head of what the terms keep in order).
    for (const [i, r] of live.entries()) if (i % 3 === 0) index.upsert({ ...r, recent_downloads: 1_000 + Math.floor(next() * 5) * 10 });
    compare('after new recent downloads');
    const first = index.search({ words: ['common'], lexemes: new Map(), name: '', maxEdits: 0, keywords: [], category: null, order: 'relevance', limit: 600, offset: 0 });
    for (const r of first.rows) index.remove(r.name.replace(/-/g, '_'));
    compare('after removals');
  });

  it('answers the same with the common terms made ahead (prepareTerms, a few at a time) as without, through later changes', () => {
    const next = random(17);
    const vocabulary = [...new Set(VOCABULARY)].slice(0, 40);
    const pick = () => vocabulary[Math.floor(next() * vocabulary.length)]!;
    const prepared = new SearchIndex(100_000);
    const plain = new SearchIndex(100_000);
    const rows: IndexRow[] = [];
    // `common` is in every description (a bucket longer than the 1,024 kept in order, and a bitset); the rest of
    // the vocabulary gives terms on either side of the 64 postings from which copies are kept.
    for (let i = 0; i < 2_600; i++) {
      const r = row(`${pick()}-${pick()}-p${i}`, next() < 0.3 ? [pick()] : [], ['common', pick(), pick()], i + 1, Math.floor(next() * 5) * 10);
      prepared.upsert(r);
      plain.upsert(r);
      rows.push(r);
    }
    let steps = 0;
    for (let at = 0; at >= 0; steps++) at = prepared.prepareTerms(at, 7);
    expect(steps).toBeGreaterThan(2);
    const compare = (label: string) => {
      const queries = [['common'], ['comon'], [vocabulary[0]!], [vocabulary[3]!.slice(0, 3)], ['common', vocabulary[5]!], [vocabulary[1]!, vocabulary[2]!], [vocabulary[6]!, 'common']];
      for (const words of queries) {
        for (const [offset, limit] of [[0, 20], [1_000, 30]] as const) {
          const query = { words, lexemes: new Map(), name: words.join('_'), maxEdits: 1, keywords: [], category: null, order: 'relevance' as const, limit, offset };
          const [a, b] = [prepared.search(query), plain.search(query)];
          const where = `${label}: ${words.join(' ')} ${offset}+${limit}`;
          expect(a.total, where).toBe(b.total);
          expect(a.rows.map((r) => r.name), where).toEqual(b.rows.map((r) => r.name));
        }
      }
    };
    compare('made ahead');
    // Changes after the copies were made: new recent downloads, removals, new packages (new postings).
    for (const [i, r] of rows.entries()) {
      const changed = { ...r, recent_downloads: 500 + Math.floor(next() * 5) * 10 };
      if (i % 4 === 0) for (const index of [prepared, plain]) index.upsert(changed);
      if (i % 9 === 0) for (const index of [prepared, plain]) index.remove(r.canonical_name);
    }
    for (let i = 0; i < 300; i++) {
      const r = row(`${pick()}-new${i}`, [], ['common', pick()], 10_000 + i, 40);
      for (const index of [prepared, plain]) index.upsert(r);
    }
    compare('after changes');
  });

  it('intersects the words of a longer query by score, whatever their lengths (merged, galloped, as bitsets, a first word of several terms), without dead packages', () => {
    const next = random(5);
    const index = new SearchIndex(100_000);
    const rare = ['quark', 'gluon', 'boson', 'lepton'];
    const mid = ['json', 'jsonl', 'jsonrpc', 'jsonpath', 'jsonschema', 'http', 'parser'];
    const live = new Map<string, IndexRow>();
    // Every package has `common` (its description); the rare words are in one package in 20, so two of them leave
    // about 15 matches against 6,000 `common` postings (galloped into, not read through).
    for (let i = 0; i < 6_000; i++) {
      const words = ['common', mid[Math.floor(next() * mid.length)]!];
      for (const word of rare) if (next() < 1 / 20) words.push(word);
      // A word of about 90 packages: a term too rare for a bitset (94 postings at 6,000 packages), among common ones.
      if (i % 67 === 7) words.push('jsonx');
      // A term of about 110 packages (just common enough for a bitset), and a word of two terms (`tau` as a prefix:
      // tauon and tauonic, 150 packages): one word's postings are then read and looked up in the other's bitset.
      if (i % 55 === 3) words.push('muon');
      if (i % 80 === 11) words.push('tauon');
      if (i % 80 === 51) words.push('tauonic');
      const keywords = next() < 0.3 ? [mid[Math.floor(next() * mid.length)]!] : [];
      const name = next() < 0.2 ? `${rare[Math.floor(next() * rare.length)]}-${mid[Math.floor(next() * mid.length)]}-p${i}` : `pkg-p${i}`;
      const r = row(name, keywords, words, i + 1, Math.floor(next() * 4) * 10);
      index.upsert(r);
      live.set(r.canonical_name, r);
    }
    // Some replaced (a new slot, the old one dead) and some removed, then searched before any compaction.
    for (const r of [...live.values()].filter((_, i) => i % 17 === 0)) {
      if (r.name.endsWith('3')) {
        index.remove(r.canonical_name);
        live.delete(r.canonical_name);
      } else {
        const replaced = row(r.name, ['lepton'], ['common', 'quark'], Number(r.search_seq) + 10_000, 5);
        index.upsert(replaced);
        live.set(r.canonical_name, replaced);
      }
    }
    const weightOf = { A: 1, B: 0.4, C: 0.2, D: 0.1 } as Record<string, number>;
    /** A package's score for the words (brute force), or null when a word does not match. */
    const expectedScore = (r: IndexRow, words: string[]): number | null => {
      const lexemes = new Map<string, number>();
      for (const entry of r.search_vector!.split(' ')) {
        const [, lexeme, weight] = /^'([^']+)':\d+([A-D])$/.exec(entry)!;
        lexemes.set(lexeme!, weightOf[weight!]!);
      }
      let sum = 0;
      for (const [i, word] of words.entries()) {
        let best = 0;
        for (const [lexeme, weight] of lexemes) {
          if (lexeme === word) best = Math.max(best, weight);
          else if (i === words.length - 1 && word.length >= 3 && lexeme.startsWith(word)) best = Math.max(best, (0.5 + (0.5 * word.length) / lexeme.length) * weight);
        }
        if (best === 0) return null;
        sum += best;
      }
      return sum;
    };
    const queries = [['quark', 'gluon', 'common'], ['common', 'boson', 'lepton'], ['quark', 'common'], ['gluon', 'jso'], ['common', 'json'], ['lepton', 'quark', 'gluon', 'common'], ['boson', 'pars'], ['common', 'http', 'quark'], ['common', 'jso'], ['quark', 'common', 'jso'], ['quark', 'json'], ['gluon', 'jsonx'], ['common', 'p12'], ['lepton', 'p12'], ['common', 'tau'], ['quark', 'tau'], ['muon', 'tau'], ['muon', 'common'], ['muon', 'quark', 'tau'], ['tauon', 'muon']];
    for (const words of queries) {
      const page = index.search({ words, lexemes: new Map(), name: '', maxEdits: 0, keywords: [], category: null, order: 'relevance', limit: 100_000, offset: 0 });
      const expected = [...live.values()].flatMap((r) => {
        const score = expectedScore(r, words);
        return score === null ? [] : [{ name: r.name, score, recent: r.recent_downloads as number }];
      });
      const label = words.join(' ');
      expect(page.total, label).toBe(expected.length);
      expect(page.rows.map((r) => r.name).sort(), label).toEqual(expected.map((e) => e.name).sort());
      // In order: score (to rounding: the index adds the words rarest first), then recent downloads, then name.
      const byName = new Map(expected.map((e) => [e.name, e]));
      const ranked = page.rows.map((r) => byName.get(r.name)!);
      for (let i = 1; i < ranked.length; i++) {
        const [a, b] = [ranked[i - 1]!, ranked[i]!];
        expect(a.score, `${label}: ${a.name} before ${b.name}`).toBeGreaterThanOrEqual(b.score - 1e-9);
        if (Math.abs(a.score - b.score) < 1e-9) expect(a.recent > b.recent || (a.recent === b.recent && a.name < b.name), `${label}: ${a.name} before ${b.name}`).toBe(true);
      }
    }
  });

  it('gives a two-word query with a typo the closeness of a name near it, whichever word matched the name', () => {
    const index = new SearchIndex(100_000);
    // quark is rarer than json, so it is the first word; jsn is corrected to json, the second.
    for (let i = 0; i < 200; i++) index.upsert(row(`json-p${i}`, [], ['common'], 1 + i, 5));
    for (let i = 0; i < 40; i++) {
      index.upsert(row(`json-tool${i}`, [], ['quark'], 300 + i, 1_000 + i)); // json in the name
      index.upsert(row(`quark-tool${i}`, [], ['json'], 400 + i, 1_000 + i)); // quark in the name
    }
    index.upsert(row('json', [], ['quark'], 500, 0));
    index.upsert(row('quark', [], ['json'], 501, 0));
    const search = (name: string) =>
      index.search({ words: ['quark', 'jsn'], lexemes: new Map(), name, maxEdits: 1, keywords: [], category: null, order: 'relevance', limit: 1_000, offset: 0 }).rows.map((r) => r.name);
    // The name matched by the second word: json, one edit from jsonn, before the json-tools of equal score.
    const second = search('jsonn');
    expect(second.indexOf('json')).toBeGreaterThanOrEqual(0);
    expect(second.indexOf('json')).toBeLessThan(second.indexOf('json-tool39'));
    // By the first word: quark, one edit from quarkk, first of all.
    expect(search('quarkk')[0]).toBe('quark');
    expect(search('zzzzzz')[0]).toBe('quark-tool39');
  });

  it('ranks the exact name first, then by score, recent downloads and name; pages and caps the total', () => {
    const index = new SearchIndex(3);
    index.upsert(row('json', ['json'], ['read'], 1, 1));
    index.upsert(row('serde-json', ['json'], ['serde'], 2, 50));
    index.upsert(row('config', ['json'], ['loads'], 3, 500));
    index.upsert(row('tiny', ['http'], ['json'], 4, 5000));
    index.upsert(row('other', ['http'], ['json'], 5, 5000));
    const search = (words: string[], name: string, offset = 0, limit = 10) =>
      index.search({ words, lexemes: new Map(), name, maxEdits: 1, keywords: [], category: null, order: 'relevance', limit, offset });
    const all = search(['json'], 'json');
    expect(all.total).toBe(3); // capped
    expect(all.rows.map((r) => r.name)).toEqual(['json', 'serde-json', 'config']);
    expect(search(['json'], 'json', 1, 1).rows.map((r) => r.name)).toEqual(['serde-json']);
    // Corrections: jsn is one edit from json.
    expect(search(['jsn'], 'jsn').rows[0]!.name).toBe('json');
  });

  it("answers each package's Package JSON as stored with its latest document, through changes and compaction", () => {
    const index = new SearchIndex(100);
    const search = () => index.search({ words: ['json'], lexemes: new Map(), name: 'json', maxEdits: 1, keywords: [], category: null, order: 'name', limit: 10, offset: 0 });
    const alpha = { ...row('alpha', ['json'], ['says "hi" \\ naïve'], 1, 7), license: 'MIT' };
    index.upsert(alpha);
    index.upsert(row('beta', ['json'], ['text'], 2, 3));
    for (let i = 0; i < 1_200; i++) index.upsert(row(`filler-${i}`, ['other'], ['text'], 10 + i));
    const first = search();
    expect(first.rows.map((r) => r.name)).toEqual(['alpha', 'beta']);
    expect(first.json.map((text) => JSON.parse(text))).toEqual(first.rows.map((r) => JSON.parse(JSON.stringify(packageSummaryView(r)))));
    expect(JSON.parse(first.json[0]!)).toMatchObject({ name: 'alpha', license: 'MIT', downloads: 7, description: 'says "hi" \\ naïve' });
    // A change of numbers only (the same terms) stores a new document, and its JSON follows.
    index.upsert({ ...alpha, downloads: 99, recent_downloads: 99, updated_at: new Date(5_000_000) });
    // Removals enough to compact: the slots move, each package's JSON with them.
    for (let i = 0; i < 1_200; i++) index.remove(`filler_${i}`);
    const after = search();
    expect(JSON.parse(after.json[0]!)).toMatchObject({ name: 'alpha', downloads: 99, updated_at: new Date(5_000_000).toISOString() });
    expect(JSON.parse(after.json[1]!)).toMatchObject({ name: 'beta', downloads: 3 });
    // Rows are made per answer (callers may not share them with the index).
    expect(after.rows[1]).not.toBe(search().rows[1]);
    expect(after.rows[1]).toEqual(search().rows[1]);
  });

  it('corrects a typo in either part of a name written without separators, among many such names', () => {
    const index = new SearchIndex(100);
    index.upsert(row('serde-json', ['json'], ['serde'], 1));
    // Many other joined names, so the correction is looked for among the right ones, not found by luck.
    for (let i = 0; i < 300; i++) index.upsert(row(`${VOCABULARY[i % VOCABULARY.length]}-${VOCABULARY[(i * 7) % VOCABULARY.length]}-x${i}`, [], ['text'], 10 + i));
    const names = (word: string) =>
      index.search({ words: [word], lexemes: new Map(), name: word, maxEdits: 2, keywords: [], category: null, order: 'relevance', limit: 5, offset: 0 }).rows.map((r) => r.name);
    expect(names('serdejsn')[0]).toBe('serde-json'); // a typo in the rest
    expect(names('sedrejson')[0]).toBe('serde-json'); // a typo in the first part
    expect(names('serdejson')[0]).toBe('serde-json'); // as written (a prefix of the joined name)
  });

  it('corrects a typo in a joined name among many of every length with the same rest, added one at a time or in bulk', () => {
    // The longest first: the lists a typo is looked for in are kept in order of length, not of arrival.
    const firsts = [...new Set(VOCABULARY)].filter((word) => word !== 'serde').sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const bulk of [false, true]) {
      const index = new SearchIndex(100);
      index.bulk = bulk;
      firsts.forEach((first, i) => index.upsert(row(`${first}-json`, [], ['text'], 10 + i)));
      index.upsert(row('serde-json', [], ['text'], 1));
      firsts.forEach((first, i) => index.upsert(row(`serde-${first}`, [], ['text'], 1_000 + i)));
      index.bulk = false;
      index.sortIfNeeded();
      const names = (word: string) =>
        index.search({ words: [word], lexemes: new Map(), name: word, maxEdits: 2, keywords: [], category: null, order: 'relevance', limit: 5, offset: 0 }).rows.map((r) => r.name);
      expect(names('sedrejson')[0], `bulk ${bulk}`).toBe('serde-json'); // among the names whose rest is json
      expect(names('serdejsn')[0], `bulk ${bulk}`).toBe('serde-json'); // among the names whose first part is serde
    }
  });

  it('answers a word asked before as one asked for the first time, through new terms, removals, compactions and other lexemes', () => {
    const index = new SearchIndex(100);
    index.upsert(row('serde-json', ['json'], ['serde'], 1));
    index.upsert(row('http-client', ['http'], ['client'], 2));
    const names = (word: string, english?: string[]) =>
      index
        .search({ words: [word], lexemes: new Map(english === undefined ? [] : [[word, { english, simple: [word] }]]), name: '', maxEdits: 0, keywords: [], category: null, order: 'name', limit: 10, offset: 0 })
        .rows.map((r) => r.name);
    expect(names('jsn')).toEqual(['serde-json']); // corrected to json
    expect(names('jsn')).toEqual(['serde-json']); // the same, from the kept expansion
    index.upsert(row('jsn-tools', [], ['text'], 3));
    expect(names('jsn')).toEqual(['jsn-tools']); // now a term of its own: no correction
    index.remove('jsn_tools');
    index.compact();
    expect(names('jsn')).toEqual(['serde-json']); // the term has no postings left: corrected again
    expect(names('clie')).toEqual(['http-client']); // a last word, by prefix
    index.upsert(row('clier-x', [], ['clie'], 4));
    expect(names('clie')).toEqual(['clier-x', 'http-client']); // a new term with the prefix, and the word itself
    expect(names('jsonish', ['json'])).toEqual(['serde-json']); // its lexeme (as a stemmer gives it)
    expect(names('jsonish')).toEqual([]); // taken as written: another expansion
  });

  it('finds names and joined names by prefixes that go past a long shared start, as they are added and removed', () => {
    const index = new SearchIndex(100_000);
    const next = random(9);
    // Names sharing their first 8 characters and more (`quantumx_…`), with digits and separators after them.
    const live = new Set<string>();
    const tails = ['a', 'ab', 'abc', 'b', 'b_1', 'b_12', 'b1', 'ba', 'z', 'z_z', '0', '9_a'];
    for (let round = 0; round < 3; round++) {
      for (const tail of tails) {
        for (const stem of ['quantumx', 'quantumxy', 'quantumx_field', 'quantum']) {
          const name = `${stem}-${tail}${round}`;
          const canonical = name.replace(/-/g, '_');
          if (next() < 0.3 && live.has(canonical)) {
            index.remove(canonical);
            live.delete(canonical);
          } else {
            index.upsert(row(name, [], ['text'], live.size + 1 + round * 1_000));
            live.add(canonical);
          }
        }
      }
      for (const prefix of ['quantum', 'quantumx', 'quantumx_', 'quantumx_b', 'quantumx_b_1', 'quantumxy_a', 'quantumx_field_z', 'quantumx_0', 'quantumx_9']) {
        const page = index.search({ words: [], lexemes: new Map(), name: prefix, maxEdits: 0, keywords: [], category: null, order: 'name', limit: 100_000, offset: 0 });
        const expected = [...live].filter((canonical) => canonical.startsWith(prefix)).sort();
        expect(page.rows.map((r) => r.name.replace(/-/g, '_')).sort(), `round ${round}: ${prefix}`).toEqual(expected);
      }
      // A last word past a first part (`quantum`) reaches the joined names by prefix: `quantumxfieldz0` and the like.
      for (const word of ['quantumxfield', 'quantumxfieldz', 'quantumxyb', 'quantumxb1']) {
        const page = index.search({ words: [word], lexemes: new Map(), name: '', maxEdits: 0, keywords: [], category: null, order: 'name', limit: 100_000, offset: 0 });
        const expected = [...live].filter((canonical) => canonical.replace(/_/g, '').startsWith(word)).sort();
        expect(page.rows.map((r) => r.name.replace(/-/g, '_')).sort(), `round ${round}: ${word}`).toEqual(expected);
      }
    }
  });
});

describe('the JavaScript stemmer', () => {
  it("agrees with PostgreSQL's English configuration", { timeout: 60_000 }, async () => {
    const words = new Set<string>([...VOCABULARY, 'generation', 'university', 'organization', 'emergency', 'laterally', 'added', 'egged', 'inned', 'skies', 'dying', 'news']);
    for (const base of [...words]) for (const suffix of ['s', 'es', 'ed', 'ing', 'ly', 'ness', 'ation', 'izer', 'ful', 'able', 'ment', 'er', 'ies', 'al', 'ive', 'ity', 'ous']) words.add(base + suffix);
    for (const stop of ['the', 'and', 'with', 'for', 'only', 'a']) words.add(stop);
    const list = [...words].filter((word) => /^[a-z0-9]+$/.test(word));
    const db = await openPglite({});
    try {
      const { rows } = await db.query<{ w: string; e: string[] }>(`SELECT w, tsvector_to_array(to_tsvector('english', w)) AS e FROM unnest($1::text[]) AS w`, [list]);
      const disagreements = rows.filter((r) => JSON.stringify(englishLexemes(r.w)) !== JSON.stringify(r.e)).map((r) => `${r.w}: ${r.e} / ${englishLexemes(r.w)}`);
      expect(disagreements).toEqual([]);
      expect(rows.length).toBe(list.length);
    } finally {
      await db.close();
    }
  });
});
