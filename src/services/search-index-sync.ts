// Keeping the per-process search index (search-index.ts) in step with the database.
//
//  * Built on the first search, a range of table pages at a time (each range a query, so the process keeps
//    answering; categories and owners are read for every package at once);
//    until it is built, searches run in SQL (db/search.ts), so answers are right from the first request.
//  * Every package change reaches it through the per-process cache's invalidation (local-cache.ts): packageChanged
//    drops the package in this process at once, and the 'package-changed' message drops it in every other process.
//    The index listens to those drops and re-reads just the named packages before the next search answers: a
//    process reads its own writes, and others see them as soon as the message arrives.
//  * A catch-up every few seconds (run by searches, in the background) reads the packages whose change number
//    (packages.search_seq, migration 005) moved: changes written without an announcement, or whose message was
//    lost, and download counts. It looks back a few seconds each time, for transactions that took a number early
//    and committed late. A rarer reconciliation finds packages deleted without an announcement.
//  * A row read earlier never replaces one read later: each carries its change number.
import type { Context } from '../context.js';
import {
  availableCount,
  availableNames,
  categoriesAndOwners,
  changedSince,
  indexRowsInPages,
  indexRowsNamed,
  latestSearchSeq,
  MAX_SEARCH_RESULTS,
  packagePages,
  wordLexemes,
  type IndexRow,
  type SearchQuery,
  type SearchPage,
  type WordLexemes,
} from '../db/search.js';
import type { Logger } from '../logger.js';
import type { Database } from '../ports/database.js';
import type { KeyValue } from '../ports/kv.js';
import { localCacheOf } from './local-cache.js';
import { RemoteSearchIndex } from './search-index-remote.js';
import { englishLexemes } from './search-index-stem.js';

/** Table pages read by one query of the first build (a few thousand packages). */
const BUILD_PAGES = 500;
const REFRESH_BATCH = 500;
export const CATCH_UP_INTERVAL_MS = 2_000;
const CATCH_UP_LOOKBACK_MS = 10_000;
const CATCH_UP_LIMIT = 20_000;
const RECONCILE_INTERVAL_MS = 60_000;
const MAX_CACHED_WORDS = 100_000;
/** After a failed build, searches stay in SQL this long before one tries again. */
const BUILD_RETRY_MS = 30_000;
const PREWARM_WORDS = 100_000;
/** Words the index answers: ASCII letters and digits (anything else is left to SQL, whose parser decides). */
const INDEXABLE_WORD = /^[a-z0-9]+$/;
/** Words the JavaScript stemmer reads (search-index-stem.ts); words with digits are asked of the database once. */
const LETTERS_ONLY = /^[a-z]+$/;

/** SOUNIO_SEARCH_INDEX=off keeps every search in SQL. */
const DISABLED = process.env['SOUNIO_SEARCH_INDEX'] === 'off';

export interface SearchIndexStats {
  state: 'idle' | 'building' | 'ready' | 'failed';
  packages: number;
  buildMs: number | null;
  estimatedBytes: number;
  /** Searches answered by the index, and by SQL while it was not ready (or for queries it leaves to SQL). */
  answered: number;
  fallbacks: number;
}

class IndexedCatalog {
  private index: RemoteSearchIndex | null = null;
  private building: Promise<void> | null = null;
  private state: SearchIndexStats['state'] = 'idle';
  private buildMs: number | null = null;
  private failedAt = 0;
  /** Packages announced as changed, to re-read before the next answer. */
  private readonly dirty = new Set<string>();
  private refreshing: Promise<void> | null = null;
  /** Change numbers of packages taken out (so a row read before their removal does not bring them back). */
  private readonly removed = new Map<string, number>();
  private highestSeq = 0;
  /** The catch-up reads changes above this number; it trails what was read by CATCH_UP_LOOKBACK_MS. */
  private safeSeq = '0';
  private readonly reads: Array<{ at: number; seq: string }> = [];
  private lastCatchUp = 0;
  private lastReconcile = 0;
  private catchingUp: Promise<void> | null = null;
  private readonly lexemes = new Map<string, WordLexemes>();
  /** False when the JavaScript stemmer disagreed with the database on a word of the corpus: then it asks the database. */
  private stemmerAgrees = true;
  answered = 0;
  fallbacks = 0;
  /** The registry closed it: searches still waiting for the thread go to SQL without a warning. */
  closed = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  changed(canonical: string): void {
    this.dirty.add(canonical);
  }

  /** Messages may have been missed (the subscription was made again): catch up at the next search. */
  changedAll(): void {
    this.lastCatchUp = 0;
  }

  stats(): SearchIndexStats {
    return {
      state: this.state,
      packages: this.index?.size ?? 0,
      buildMs: this.buildMs,
      estimatedBytes: this.index?.estimateBytes() ?? 0,
      answered: this.answered,
      fallbacks: this.fallbacks,
    };
  }

  /** Starts the build if it has not started; resolves when the index is ready (or rejects when the build failed). */
  ready(): Promise<void> {
    if (this.building === null) {
      if (this.state === 'failed' && Date.now() - this.failedAt < BUILD_RETRY_MS) return Promise.reject(new Error('the search index could not be built lately'));
      this.state = 'building';
      const started = Date.now();
      this.building = this.build().then(
        () => {
          // The thread may have stopped while the build's last steps ran (lost() then took it out).
          if (this.index === null) throw new Error('the search index thread stopped while the index was being built');
          this.state = 'ready';
          this.buildMs = Date.now() - started;
          this.logger.info({ packages: this.index!.size, ms: this.buildMs }, 'search index built');
        },
        (error: unknown) => {
          this.state = 'failed';
          this.failedAt = Date.now();
          this.building = null; // a search tries again after BUILD_RETRY_MS
          this.logger.warn({ err: error }, 'could not build the search index; searching in SQL meanwhile');
          throw error;
        },
      );
    }
    return this.building;
  }

  private async build(): Promise<void> {
    const index = new RemoteSearchIndex(MAX_SEARCH_RESULTS);
    index.onFailure = (error) => this.lost(index, error);
    try {
      await this.load(index);
    } catch (error) {
      await index.close();
      throw error;
    }
  }

  /** The thread failed or exited: searches go to SQL, and a later one builds the index again. */
  private lost(index: RemoteSearchIndex, error: Error): void {
    if (this.index !== index) return;
    this.logger.warn({ err: error }, 'the search index thread stopped; searching in SQL until it is built again');
    this.index = null;
    this.building = null;
    this.state = 'failed';
    this.failedAt = Date.now();
  }

  private async load(index: RemoteSearchIndex): Promise<void> {
    const startSeq = await latestSearchSeq(this.db);
    const { categories, owners } = await categoriesAndOwners(this.db);
    const pages = await packagePages(this.db);
    // The words of keywords and descriptions, for prewarm().
    const words = new Set<string>();
    for (let from = 0; ; from += BUILD_PAGES) {
      // The last range is open: the table may have grown meanwhile.
      const last = from + BUILD_PAGES >= pages;
      for (const row of await indexRowsInPages(this.db, from, last ? null : from + BUILD_PAGES)) {
        row.categories = categories.get(row.id) ?? [];
        row.owners = owners.get(row.id) ?? [];
        this.apply(index, row);
        if (row.available && words.size < PREWARM_WORDS) wordsOf(row, words);
      }
      if (last) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await index.built();
    this.highestSeq = Math.max(this.highestSeq, Number(startSeq));
    this.safeSeq = startSeq;
    this.reads.length = 0;
    this.reads.push({ at: Date.now(), seq: startSeq });
    this.index = index;
    // Changes committed while the pages were read: the announced ones are in `dirty`, the others come now.
    this.lastCatchUp = 0;
    this.lastReconcile = Date.now();
    await this.prewarm(words);
  }

  /** The English forms of the words of keywords and descriptions, read once, so most queries need no query. */
  private async prewarm(words: Set<string>): Promise<void> {
    const list = [...words].filter((word) => !this.lexemes.has(word));
    for (let at = 0; at < list.length; at += 5_000) {
      for (const [word, forms] of await wordLexemes(this.db, list.slice(at, at + 5_000))) {
        this.lexemes.set(word, forms);
        if (this.stemmerAgrees && LETTERS_ONLY.test(word) && JSON.stringify(englishLexemes(word)) !== JSON.stringify(forms.english)) {
          this.stemmerAgrees = false;
          this.logger.warn({ word, database: forms.english, javascript: englishLexemes(word) }, 'the search stemmer disagrees with the database; asking the database');
        }
      }
    }
  }

  /** Applies a row read from the database, unless the index already has a later one. */
  private apply(index: RemoteSearchIndex, row: IndexRow): void {
    const seq = Number(row.search_seq);
    const canonical = row.canonical_name;
    if (seq < (index.seqOf(canonical) ?? this.removed.get(canonical) ?? -1)) return;
    if (seq > this.highestSeq) this.highestSeq = seq;
    if (row.available) {
      this.removed.delete(canonical);
      index.upsert(row);
    } else {
      index.remove(canonical);
      this.removed.set(canonical, seq);
    }
  }

  private applyMissing(index: RemoteSearchIndex, canonical: string): void {
    index.remove(canonical);
    this.removed.set(canonical, this.highestSeq);
  }

  private async refresh(index: RemoteSearchIndex, names: string[]): Promise<void> {
    for (let at = 0; at < names.length; at += REFRESH_BATCH) {
      const batch = names.slice(at, at + REFRESH_BATCH);
      const rows = await indexRowsNamed(this.db, batch);
      const found = new Set<string>();
      for (const row of rows) {
        found.add(row.canonical_name);
        this.apply(index, row);
      }
      for (const canonical of batch) if (!found.has(canonical)) this.applyMissing(index, canonical);
    }
  }

  /** Re-reads every package announced as changed (waiting for a re-read already under way). */
  private async settle(index: RemoteSearchIndex): Promise<void> {
    while (this.dirty.size > 0 || this.refreshing !== null) {
      if (this.refreshing !== null) {
        await this.refreshing;
        continue;
      }
      const names = [...this.dirty];
      this.dirty.clear();
      this.refreshing = this.refresh(index, names)
        .catch((error: unknown) => {
          for (const name of names) this.dirty.add(name);
          throw error;
        })
        .finally(() => {
          this.refreshing = null;
        });
      await this.refreshing;
    }
  }

  private maybeCatchUp(index: RemoteSearchIndex): void {
    const now = Date.now();
    if (this.catchingUp !== null || now - this.lastCatchUp < CATCH_UP_INTERVAL_MS) return;
    this.lastCatchUp = now;
    this.catchingUp = this.catchUp(index, now)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'search index catch-up failed'))
      .finally(() => {
        this.catchingUp = null;
      });
  }

  /** Runs a catch-up now (tests, and the bench, use it to settle). */
  async catchUpNow(): Promise<void> {
    await this.ready();
    if (this.catchingUp !== null) await this.catchingUp;
    this.lastCatchUp = Date.now();
    await this.catchUp(this.index!, this.lastCatchUp);
    await this.settle(this.index!);
  }

  private async catchUp(index: RemoteSearchIndex, now: number): Promise<void> {
    const changed = await changedSince(this.db, this.safeSeq, CATCH_UP_LIMIT);
    const stale = changed.filter((row) => Number(row.search_seq) > (index.seqOf(row.canonical_name) ?? this.removed.get(row.canonical_name) ?? -1));
    if (stale.length > 0) await this.refresh(index, [...new Set(stale.map((row) => row.canonical_name))]);
    const readUpTo = changed.length > 0 ? changed[changed.length - 1]!.search_seq : this.safeSeq;
    if (changed.length === CATCH_UP_LIMIT) {
      // Far behind: move on, and come back at once.
      this.safeSeq = readUpTo;
      this.reads.length = 0;
      this.lastCatchUp = 0;
    } else {
      this.reads.push({ at: now, seq: readUpTo });
      while (this.reads.length > 1 && this.reads[1]!.at <= now - CATCH_UP_LOOKBACK_MS) this.reads.shift();
      if (this.reads[0]!.at <= now - CATCH_UP_LOOKBACK_MS) this.safeSeq = this.reads[0]!.seq;
    }
    // Only where other processes write (PostgreSQL): the embedded database has one process, which announces every
    // deletion it makes, and counting its packages would hold its only connection for a while.
    if (this.db.kind === 'postgres' && now - this.lastReconcile >= RECONCILE_INTERVAL_MS) {
      this.lastReconcile = now;
      await this.reconcile(index);
    }
  }

  /** Finds packages deleted (or added) without an announcement, by comparing the names. */
  private async reconcile(index: RemoteSearchIndex): Promise<void> {
    if ((await availableCount(this.db)) === index.size) return;
    const before = Number(await latestSearchSeq(this.db));
    const names = new Set(await availableNames(this.db));
    for (const canonical of [...index.canonicalNames()]) {
      if (!names.has(canonical) && (index.seqOf(canonical) ?? 0) <= before) this.applyMissing(index, canonical);
    }
    for (const canonical of names) if (!index.has(canonical)) this.dirty.add(canonical);
  }

  /** Stops the index's thread (the registry is closing). */
  async close(): Promise<void> {
    this.closed = true;
    const index = this.index;
    this.index = null;
    this.building = null;
    this.state = 'idle';
    await index?.close();
  }

  private remember(word: string, forms: WordLexemes): void {
    if (this.lexemes.size >= MAX_CACHED_WORDS) this.lexemes.clear();
    this.lexemes.set(word, forms);
  }

  /** The page from the index, or null when it is not ready (the build starts) or the query is left to SQL. */
  async search(query: SearchQuery): Promise<SearchPage | null> {
    if (DISABLED || !query.words.every((word) => INDEXABLE_WORD.test(word))) return null;
    if (this.index === null) {
      this.ready().catch(() => {});
      return null;
    }
    const index = this.index;
    let unknown = [...new Set(query.words.filter((word) => !this.lexemes.has(word)))];
    if (this.stemmerAgrees) {
      for (const word of unknown) if (LETTERS_ONLY.test(word)) this.remember(word, { english: englishLexemes(word), simple: [word] });
      unknown = unknown.filter((word) => !this.lexemes.has(word));
    }
    if (unknown.length > 0) {
      for (const [word, forms] of await wordLexemes(this.db, unknown)) this.remember(word, forms);
    }
    const lexemes = new Map<string, WordLexemes>();
    for (const word of query.words) {
      const forms = this.lexemes.get(word);
      if (forms !== undefined) lexemes.set(word, forms);
    }
    await this.settle(index);
    this.maybeCatchUp(index);
    return index.search({
      words: query.words,
      lexemes,
      name: query.name,
      maxEdits: query.maxEdits,
      keywords: query.keywords,
      category: query.category,
      order: query.order ?? 'relevance',
      limit: query.limit,
      offset: query.offset,
    });
  }
}

/** Adds the words of a row's description and keywords to `words` (at most PREWARM_WORDS). */
function wordsOf(row: IndexRow, words: Set<string>): void {
  for (const text of [row.description ?? '', ...row.keywords]) {
    for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
      if (word !== '' && word.length <= 40) words.add(word);
    }
    if (words.size >= PREWARM_WORDS) return;
  }
}

const catalogs = new WeakMap<KeyValue, IndexedCatalog>();

/**
 * The search index of this process for this key-value store (one per store, as the per-process cache is, so test
 * registries sharing a process stay apart), listening to that cache's drops.
 */
function catalogOf(ctx: Pick<Context, 'db' | 'kv' | 'logger'>): IndexedCatalog {
  const known = catalogs.get(ctx.kv);
  if (known !== undefined) return known;
  const catalog = new IndexedCatalog(ctx.db, ctx.logger);
  catalogs.set(ctx.kv, catalog);
  const cache = localCacheOf(ctx.kv);
  const drop = cache.drop.bind(cache);
  cache.drop = (canonical: string) => {
    drop(canonical);
    catalog.changed(canonical);
  };
  const clear = cache.clear.bind(cache);
  cache.clear = () => {
    clear();
    catalog.changedAll();
  };
  // Closing the registry's key-value store stops the index's thread.
  const close = ctx.kv.close.bind(ctx.kv);
  ctx.kv.close = async () => {
    await catalog.close();
    await close();
  };
  return catalog;
}

/** A search answered by the index, or null when SQL must answer it (the index is being built, or the query is not for it). */
export async function searchIndexed(ctx: Pick<Context, 'db' | 'kv' | 'logger'>, query: SearchQuery): Promise<SearchPage | null> {
  const catalog = catalogOf(ctx);
  try {
    const page = await catalog.search(query);
    if (page === null) catalog.fallbacks++;
    else catalog.answered++;
    return page;
  } catch (error) {
    if (!catalog.closed) ctx.logger.warn({ err: error }, 'search index failed; searching in SQL');
    catalog.fallbacks++;
    return null;
  }
}

/** Builds the index now (if it is not built) and waits for it; then applies pending changes and a catch-up. */
export async function searchIndexReady(ctx: Pick<Context, 'db' | 'kv' | 'logger'>): Promise<void> {
  await catalogOf(ctx).catchUpNow();
}

export function searchIndexStats(ctx: Pick<Context, 'db' | 'kv' | 'logger'>): SearchIndexStats {
  return catalogOf(ctx).stats();
}
