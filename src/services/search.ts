// Searching packages: the query text is turned into words (for the full-text document: names, keywords,
// descriptions, authors, owners) and into a package name (for the exact, prefix and typo matches on names). The
// per-process index answers (search-index.ts, kept current by search-index-sync.ts); until it is built, and for
// queries it leaves alone (words beyond ASCII letters and digits), the database does (db/search.ts). Packages
// without a version that is not yanked are never found.
import type { Context } from '../context.js';
import { canonicalName, isValidPackageName } from '../core/names.js';
import { MAX_SEARCH_RESULTS, searchPackages, type SearchOrder, type SearchPage, type SearchQuery } from '../db/search.js';
import { badRequest } from '../errors.js';
import { CATALOG_GROUP, locallyCached } from './local-cache.js';
import { packageSummaryView, type PackageView } from './package-views.js';
import { allowedEdits } from './search-index.js';
import { searchIndexed } from './search-index-sync.js';

export { MAX_SEARCH_RESULTS, allowedEdits };
export const MAX_QUERY_LENGTH = 200;
/** Words beyond these are ignored: every word must match, so more would only narrow an already narrow search. */
const MAX_WORDS = 10;
const MAX_NAME_LENGTH = 64;

export interface ParsedQuery {
  words: string[];
  name: string;
  maxEdits: number;
}

export function parseQuery(q: string): ParsedQuery {
  const text = q.normalize('NFC').toLowerCase();
  const words = text
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_WORDS);
  // A query that is a package name is that name's canonical form; any other is read as words joined by '_'.
  const trimmed = text.trim();
  let name = isValidPackageName(trimmed) ? canonicalName(trimmed) : text.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (name.length > MAX_NAME_LENGTH) name = '';
  return { words, name, maxEdits: allowedEdits(name.length) };
}

export interface SearchInput {
  q: string;
  page: number;
  perPage: number;
  category?: string | undefined;
  keywords?: string[] | undefined;
  /** Relevance unless told (the web interface offers the others). */
  order?: SearchOrder | undefined;
}

export interface SearchResultsView {
  packages: PackageView[];
  total: number;
  page: number;
  per_page: number;
  has_next: boolean;
}

function checkInput(input: SearchInput): void {
  if (input.q.trim() === '') throw badRequest('The search query q is blank: say what to look for.', { location: 'querystring', field: 'q' });
  if (input.q.length > MAX_QUERY_LENGTH) {
    throw badRequest(`The search query q is longer than ${MAX_QUERY_LENGTH} characters.`, { location: 'querystring', field: 'q' });
  }
}

function cacheKey(kind: string, input: SearchInput): string {
  return `${kind}:${JSON.stringify([input.q, input.page, input.perPage, input.category ?? null, input.keywords ?? null, input.order ?? null])}`;
}

export async function search(ctx: Context, input: SearchInput): Promise<SearchResultsView> {
  checkInput(input);
  // Kept a few seconds in the process (local-cache.ts), dropped by any package change: hot queries cost no query.
  const key = cacheKey('search', input);
  return locallyCached(ctx.kv, key, CATALOG_GROUP, async () => resultsView(await searchPage(ctx, input), input), (view) => view.packages.length * 600 + key.length);
}

/** The search's answer as the API sends it (the contract's SearchResults), kept like search()'s: a hot query is bytes. */
export async function searchSerialized(ctx: Context, input: SearchInput): Promise<Buffer> {
  checkInput(input);
  const key = cacheKey('search-bytes', input);
  return locallyCached(ctx.kv, key, CATALOG_GROUP, async () => Buffer.from(searchResultsJson(await searchPage(ctx, input), input)), (body) => body.length + key.length);
}

/**
 * SearchResults as JSON: each package's JSON as the index keeps it (made when the package is stored, not per
 * answer), or made here for an answer from SQL.
 */
export function searchResultsJson(found: SearchPage, input: Pick<SearchInput, 'page' | 'perPage'>): string {
  // The index's rows are made only when read: an answer with JSON does not read them.
  const packages = found.packagesJson ?? found.rows.map((row) => JSON.stringify(packageSummaryView(row))).join(',');
  const hasNext = input.page * input.perPage < found.total;
  return `{"packages":[${packages}],"total":${found.total},"page":${input.page},"per_page":${input.perPage},"has_next":${hasNext}}`;
}

/** The query the index and SQL answer, from the request. */
export function searchQueryOf(input: SearchInput): SearchQuery {
  // Fields named, not spread: a spread of parseQuery's object cost 3-5 µs a search (5% of a cold search's CPU).
  const { words, name, maxEdits } = parseQuery(input.q);
  return {
    words,
    name,
    maxEdits,
    keywords: [...new Set((input.keywords ?? []).map((keyword) => keyword.trim().toLowerCase()).filter((keyword) => keyword !== ''))],
    category: input.category?.trim().toLowerCase() || null,
    order: input.order ?? 'relevance',
    limit: input.perPage,
    offset: (input.page - 1) * input.perPage,
  };
}

async function searchPage(ctx: Context, input: SearchInput): Promise<SearchPage> {
  const query = searchQueryOf(input);
  return (await searchIndexed(ctx, query)) ?? (await searchPackages(ctx.db, query));
}

function resultsView(found: SearchPage, input: SearchInput): SearchResultsView {
  return { packages: found.rows.map(packageSummaryView), total: found.total, page: input.page, per_page: input.perPage, has_next: input.page * input.perPage < found.total };
}
