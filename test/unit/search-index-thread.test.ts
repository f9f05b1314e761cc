// The search index in its own thread (services/search-index-remote.ts and search-index-worker.ts): it answers what
// the same index answers in this thread, through upserts and removals sent without waiting (applied in order, before
// a later search); a row it cannot take stops the thread, and then every search is refused at once (the catalog then
// searches in SQL); closing it refuses what waits.
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexRow } from '../../src/db/search.js';
import { random, VOCABULARY } from '../../src/services/seed.js';
import { searchResultsJson } from '../../src/services/search.js';
import { SearchIndex, type IndexQuery } from '../../src/services/search-index.js';
import { RemoteSearchIndex } from '../../src/services/search-index-remote.js';
import { row } from '../helpers/search-rows.js';

const opened: RemoteSearchIndex[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((index) => index.close()));
});

function remote(): RemoteSearchIndex {
  const index = new RemoteSearchIndex(1_000);
  opened.push(index);
  return index;
}

function query(words: string[], order: IndexQuery['order'] = 'relevance', offset = 0, limit = 20): IndexQuery {
  const name = words.join('_');
  return { words, lexemes: new Map(), name, maxEdits: name.length >= 4 ? 1 : 0, keywords: [], category: null, order, limit, offset };
}

describe('RemoteSearchIndex (the index in a thread of its own)', () => {
  it('answers as the same index in this thread does, through changes sent without waiting', async () => {
    const next = random(5);
    const pick = () => VOCABULARY[Math.floor(next() * 40)]!;
    const here = new SearchIndex(1_000);
    here.bulk = true;
    const there = remote();
    const live: IndexRow[] = [];
    for (let i = 0; i < 1_500; i++) {
      const r = row(`${pick()}-${pick()}-p${i}`, [pick()], [pick(), pick(), pick()], i + 1, Math.floor(next() * 50));
      here.upsert(r);
      there.upsert(r);
      live.push(r);
    }
    here.bulk = false;
    here.sortIfNeeded();
    await there.built();
    expect(there.size).toBe(here.size);

    const queries = [query([VOCABULARY[0]!]), query([VOCABULARY[1]!, VOCABULARY[2]!], 'name'), query([VOCABULARY[3]!.slice(0, 3)], 'downloads', 20, 50), query([`${VOCABULARY[4]!}x`], 'newest')];
    const compare = async (label: string) => {
      for (const q of queries) {
        const mine = here.search(q);
        const theirs = await there.search(q);
        const where = `${label}: ${q.words.join(' ')} by ${q.order}`;
        expect(theirs.total, where).toBe(mine.total);
        expect(theirs.rows, where).toEqual(mine.rows);
        // The API's bytes, from the JSON the thread keeps, are those made from the rows.
        const input = { page: 1, perPage: q.limit };
        expect(theirs.packagesJson, where).toBeDefined();
        expect(searchResultsJson(theirs, input), where).toBe(searchResultsJson({ total: mine.total, rows: mine.rows }, input));
      }
    };
    await compare('built');
    expect(there.estimateBytes()).toBeGreaterThan(0);

    // Changes and a search sent in the same turn: the search sees every change made before it was asked.
    for (const [i, r] of live.entries()) {
      if (i % 7 === 0) {
        here.remove(r.canonical_name);
        there.remove(r.canonical_name);
      } else if (i % 5 === 0) {
        const changed = { ...r, recent_downloads: 1_000 + i, search_seq: String(10_000 + i), keywords: [VOCABULARY[0]!] };
        here.upsert(changed);
        there.upsert(changed);
      }
    }
    const gone = live[7]!;
    expect(there.has(gone.canonical_name)).toBe(false);
    expect(there.seqOf(live[5]!.canonical_name)).toBe(10_005);
    await compare('after changes');
  });

  it('stops on a row it cannot take: what waits and what is asked later is refused, and the failure is told once', async () => {
    const there = remote();
    there.upsert(row('json', ['json'], ['read'], 1));
    await there.built();
    expect((await there.search(query(['json']))).total).toBe(1);
    const failures: Error[] = [];
    there.onFailure = (error) => failures.push(error);
    // A row without keywords: SearchIndex.upsert throws in the thread, which stops.
    there.upsert({ ...row('broken', [], [], 2), keywords: undefined } as unknown as IndexRow);
    await expect(there.search(query(['json']))).rejects.toThrow();
    await expect(there.search(query(['json']))).rejects.toThrow();
    expect(failures).toHaveLength(1);
  });

  it('refuses what waits when it is closed', async () => {
    const there = remote();
    there.upsert(row('json', ['json'], ['read'], 1));
    await there.built();
    const waiting = expect(there.search(query(['json']))).rejects.toThrow(/closed/);
    await there.close();
    await waiting;
    await expect(there.search(query(['json']))).rejects.toThrow(/closed/);
  });
});
