// Package search in SQL. Candidates come from index-backed sets, each with a LIMIT, so the work stays bounded in a
// registry of any size:
//  * packages with one of the query's words as a keyword (GIN on keywords);
//  * full-text matches anywhere (GIN on search_vector), the most downloaded lately first: a word found in every
//    description costs a walk of the recent-downloads index that stops at the limit, not a ranking of every package;
//  * names starting with the query (C-collation btree on canonical_name);
//  * names that contain it or look like it (GIN trigram on canonical_name, `<%`), the closest first;
//  * the exact name.
// Only those few hundred rows are then scored and ordered: the exact name first, then relevance (ts_rank with name >
// keywords > description > people, plus name prefix and closeness), then recent downloads, then name, so pages are
// stable.
import type { Database, Queryable } from '../ports/database.js';
import { HAS_AVAILABLE_VERSION } from './discovery.js';
import { PACKAGE_SUMMARY_COLUMNS, type PackageSummaryRow } from './packages.js';

/** Each candidate set keeps at most this many rows; a search answers at most their union. */
export const SEARCH_LIMITS = { keywordMatches: 300, textMatches: 300, namePrefix: 200, similarNames: 200 } as const;
/** The most a search can answer: every candidate set full and disjoint, plus the exact name (the index ranks as many). */
export const MAX_SEARCH_RESULTS = Object.values(SEARCH_LIMITS).reduce((sum, limit) => sum + limit, 0) + 1;

/**
 * The word-similarity threshold (`<%`) of the similar-names set. Short names need a wide one (`jsn` is 0.5 from
 * `json`, the transposition `sedre` 0.33 from `serde`); longer names keep more trigrams through a typo, and a wide
 * threshold would only bring in thousands of names that share a few common trigrams. Word similarity is never below
 * plain similarity, so `<%` alone finds what `%` would.
 */
export function wordSimilarityThreshold(nameLength: number): number {
  if (nameLength < 6) return 0.3;
  if (nameLength < 10) return 0.45;
  return 0.5;
}

export interface SearchQuery {
  /** The query's words, lower case, letters and digits only. */
  words: string[];
  /** The query as a canonical package name (`Linear Algebra` → `linear_algebra`); '' when it cannot be one. */
  name: string;
  /** Edits (Levenshtein distance) under which a name counts as a typo of `name`. */
  maxEdits: number;
  /** Every keyword must be among the package's keywords. */
  keywords: string[];
  /** A category slug the package must be in. */
  category: string | null;
  /** How the matches are ordered: by relevance (the default), or by downloads, newest first, or by name. */
  order?: SearchOrder;
  limit: number;
  offset: number;
}

export type SearchOrder = 'relevance' | 'downloads' | 'newest' | 'name';

/** ORDER BY of the page (over the ranked matches r) and of the final rows (r joined to their packages p). */
const SEARCH_ORDERS: Record<SearchOrder, { page: string; rows: string }> = {
  relevance: { page: 'exact DESC, score DESC, recent_downloads DESC, name', rows: 'r.exact DESC, r.score DESC, r.recent_downloads DESC, r.name' },
  downloads: { page: 'downloads DESC, name', rows: 'r.downloads DESC, r.name' },
  newest: { page: 'created_at DESC, name', rows: 'r.created_at DESC, r.name' },
  name: { page: 'name', rows: 'r.name' },
};

export interface SearchPage {
  rows: PackageSummaryRow[];
  total: number;
  /**
   * The rows' Package JSON joined with commas, when the answer comes with it (the search index keeps each package's,
   * and its thread makes the rows only when they are read).
   */
  packagesJson?: string;
}

// Searchable: a package with at least one version that is not yanked (and in the requested keywords and category).
const FILTERS = `${HAS_AVAILABLE_VERSION}
    AND p.keywords @> $5::text[]
    AND ($6::text IS NULL OR EXISTS (
      SELECT 1 FROM package_categories pc JOIN categories c ON c.id = pc.category_id WHERE pc.package_id = p.id AND c.slug = $6::text))`;

// How close a name is to the query, 0 to 1: trigram similarity (typos in longer names), word similarity (the query
// is a word or word prefix within the name) or, for short names where trigrams say little, the edit distance.
// Computed once per row in a LATERAL subquery (OFFSET 0 keeps the planner from copying the calls into every use).
const NAME_MEASURES = `CROSS JOIN LATERAL (
    SELECT similarity(p.canonical_name, $2::text) AS similarity, word_similarity($2::text, p.canonical_name) AS word_similarity,
      levenshtein_less_equal(p.canonical_name, $2::text, $4::int) AS edits
    OFFSET 0) m`;
const CLOSENESS = `greatest(
    CASE WHEN m.similarity >= 0.3 THEN m.similarity ELSE 0 END,
    CASE WHEN m.word_similarity >= 0.6 THEN m.word_similarity ELSE 0 END,
    CASE WHEN m.edits <= $4::int THEN 1 - m.edits::real / (length($2::text) + 1) ELSE 0 END)`;

// $1 tsquery (or null), $2 name, $3 LIKE pattern for the name prefix, $4 max edits, $5 keywords, $6 category,
// $7 limit, $8 offset, $9 keywords any of which makes a candidate.
const searchSql = (order: SearchOrder) => `
WITH keyword_matches AS (
  SELECT p.id FROM packages p
  WHERE p.keywords && $9::text[] AND ${FILTERS}
  ORDER BY p.recent_downloads DESC, p.name
  LIMIT ${SEARCH_LIMITS.keywordMatches}
), text_matches AS (
  SELECT p.id FROM packages p
  WHERE p.search_vector @@ $1::tsquery AND ${FILTERS}
  ORDER BY p.recent_downloads DESC, p.name
  LIMIT ${SEARCH_LIMITS.textMatches}
), prefixed AS (
  SELECT p.id FROM packages p
  WHERE $2::text <> '' AND (p.canonical_name COLLATE "C") LIKE $3::text AND ${FILTERS}
  ORDER BY (p.canonical_name COLLATE "C")
  LIMIT ${SEARCH_LIMITS.namePrefix}
), similar_names AS (
  SELECT p.id FROM packages p ${NAME_MEASURES}
  WHERE length($2::text) >= 3 AND $2::text <% p.canonical_name AND ${FILTERS}
  ORDER BY ${CLOSENESS} DESC, p.name
  LIMIT ${SEARCH_LIMITS.similarNames}
), exact AS (
  SELECT p.id FROM packages p WHERE p.canonical_name = $2::text AND ${FILTERS}
), candidates AS (
  SELECT id FROM keyword_matches UNION SELECT id FROM text_matches UNION SELECT id FROM prefixed UNION SELECT id FROM similar_names UNION SELECT id FROM exact
), measured AS (
  SELECT p.id, p.name, p.recent_downloads, p.downloads, p.created_at,
    p.canonical_name = $2::text AS exact,
    CASE WHEN p.search_vector @@ $1::tsquery THEN ts_rank(p.search_vector, $1::tsquery) ELSE 0 END AS text_rank,
    CASE WHEN $2::text <> '' AND (p.canonical_name COLLATE "C") LIKE $3::text
      THEN 0.3 + 0.3 * length($2::text)::real / length(p.canonical_name) ELSE 0 END AS prefix_rank,
    ${CLOSENESS} AS closeness
  FROM candidates c JOIN packages p ON p.id = c.id ${NAME_MEASURES}
), ranked AS MATERIALIZED (
  SELECT id, name, recent_downloads, downloads, created_at, exact, text_rank + prefix_rank + 0.5 * closeness AS score FROM measured
  WHERE exact OR text_rank > 0 OR prefix_rank > 0 OR closeness > 0
), page AS (
  SELECT * FROM ranked ORDER BY ${SEARCH_ORDERS[order].page} LIMIT $7 OFFSET $8
)
SELECT (SELECT count(*)::int FROM ranked) AS total, ${PACKAGE_SUMMARY_COLUMNS}
FROM (SELECT 1) one LEFT JOIN page r ON true LEFT JOIN packages p ON p.id = r.id
ORDER BY ${SEARCH_ORDERS[order].rows}`;
const SEARCH_SQL = Object.fromEntries((Object.keys(SEARCH_ORDERS) as SearchOrder[]).map((order) => [order, searchSql(order)])) as Record<SearchOrder, string>;

function likePrefix(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

export async function searchPackages(db: Database, query: SearchQuery): Promise<SearchPage> {
  return db.transaction(async (tx) => {
    // The threshold of `<%`, for this transaction only; the full-text query is built once here.
    const prepared = await tx.query<{ tsquery: string | null }>(
      `SELECT set_config('pg_trgm.word_similarity_threshold', $2, true), package_search_query($1::text[])::text AS tsquery`,
      [query.words, String(wordSimilarityThreshold(query.name.length))],
    );
    const tsquery = prepared.rows[0]?.tsquery;
    // Keywords are a-z, 0-9, '-' and '_': the words, and the whole query as one keyword.
    const keywordCandidates = [...new Set([...query.words, query.name, query.name.replace(/_/g, '-')])].filter((keyword) => /^[a-z0-9_-]{1,20}$/.test(keyword));
    const { rows } = await tx.query<PackageSummaryRow & { total: number }>(SEARCH_SQL[query.order ?? 'relevance'], [
      tsquery === undefined || tsquery === '' ? null : tsquery,
      query.name,
      likePrefix(query.name),
      query.maxEdits,
      query.keywords,
      query.category,
      query.limit,
      query.offset,
      keywordCandidates,
    ]);
    return { rows: rows.filter((row) => row.id !== null), total: rows[0]?.total ?? 0 };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// What the per-process search index (services/search-index*.ts) reads: whole package rows with their search
// document: a range of table pages at a time for the first build, the named ones after a change, and those changed
// since a point of the change counter (search_seq, migration 005) for the catch-up.
// ---------------------------------------------------------------------------------------------------------------

/** A package as the search index keeps it: its summary, its ranking inputs and its search document (as text). */
export interface IndexRow extends PackageSummaryRow {
  canonical_name: string;
  recent_downloads: number | string;
  available: boolean;
  search_vector: string | null;
  search_seq: string;
}

const INDEX_COLUMNS = `${PACKAGE_SUMMARY_COLUMNS}, p.canonical_name, p.recent_downloads, p.available, p.search_vector::text AS search_vector,
  p.search_seq::text AS search_seq`;

/** The highest change number so far ('0' in an empty registry). */
export async function latestSearchSeq(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ seq: string }>('SELECT coalesce(max(search_seq), 0)::text AS seq FROM packages');
  return rows[0]?.seq ?? '0';
}

/** The named packages (canonical names), available or not; a name without a row was deleted. */
export async function indexRowsNamed(db: Queryable, canonicalNames: string[]): Promise<IndexRow[]> {
  const { rows } = await db.query<IndexRow>(`SELECT ${INDEX_COLUMNS} FROM packages p WHERE p.canonical_name = ANY($1::text[])`, [canonicalNames]);
  return rows;
}

/** Packages whose change number is above `afterSeq`, the oldest change first, with their numbers only. */
export async function changedSince(db: Queryable, afterSeq: string, limit: number): Promise<Array<{ canonical_name: string; search_seq: string }>> {
  const { rows } = await db.query<{ canonical_name: string; search_seq: string }>(
    'SELECT canonical_name, search_seq::text AS search_seq FROM packages WHERE search_seq > $1::bigint ORDER BY search_seq LIMIT $2',
    [afterSeq, limit],
  );
  return rows;
}

/** Canonical names of every available package (to find deletions nobody announced). */
export async function availableNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ canonical_name: string }>('SELECT canonical_name FROM packages WHERE available');
  return rows.map((row) => row.canonical_name);
}

/** How many packages are available. */
export async function availableCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages WHERE available');
  return rows[0]?.n ?? 0;
}

/** A word as the search query reads it (package_search_query, migration 003): its English stems and its plain form. */
export interface WordLexemes {
  english: string[];
  simple: string[];
}

export async function wordLexemes(db: Queryable, words: string[]): Promise<Map<string, WordLexemes>> {
  const { rows } = await db.query<{ w: string; english: string[]; simple: string[] }>(
    `SELECT w, tsvector_to_array(to_tsvector('english', w)) AS english, tsvector_to_array(to_tsvector('simple', w)) AS simple
     FROM unnest($1::text[]) AS w`,
    [words],
  );
  return new Map(rows.map((row) => [row.w, { english: row.english, simple: row.simple }]));
}

/** How many pages the packages table has: the first build reads it a range of pages at a time, in storage order. */
export async function packagePages(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT (pg_relation_size('packages') / current_setting('block_size')::int)::int AS n`);
  return rows[0]?.n ?? 0;
}

/**
 * The available packages stored in pages [from, to) (to null: every page from `from` on), without their categories
 * and owners (categoriesAndOwners reads those for every package at once). A range of pages is a TID range scan: the
 * pages are read in order, where reading in id order would jump about the table. One JSON text for the lot, so the
 * driver parses one value, not seventeen per row.
 */
export async function indexRowsInPages(db: Queryable, from: number, to: number | null): Promise<IndexRow[]> {
  const { rows } = await db.query<{ j: string | null }>(
    `SELECT json_agg(json_build_array(p.id, p.name, p.description, p.homepage, p.repository, p.documentation, p.license, p.keywords,
       p.latest_version, p.downloads, p.created_at, p.updated_at, p.canonical_name, p.recent_downloads, p.search_vector::text, p.search_seq::text))::text AS j
     FROM packages p WHERE p.ctid >= $1::tid AND ($2::tid IS NULL OR p.ctid < $2::tid) AND p.available`,
    [`(${from},0)`, to === null ? null : `(${to},0)`],
  );
  const list = rows[0]?.j === null || rows[0]?.j === undefined ? [] : (JSON.parse(rows[0].j) as unknown[][]);
  return list.map((r) => ({
    id: r[0] as string,
    name: r[1] as string,
    description: r[2] as string | null,
    homepage: r[3] as string | null,
    repository: r[4] as string | null,
    documentation: r[5] as string | null,
    license: r[6] as string | null,
    keywords: r[7] as string[],
    latest_version: r[8] as string,
    downloads: r[9] as number,
    created_at: new Date(r[10] as string),
    updated_at: new Date(r[11] as string),
    canonical_name: r[12] as string,
    recent_downloads: r[13] as number,
    available: true,
    search_vector: r[14] as string | null,
    search_seq: r[15] as string,
    categories: [],
    owners: [],
  }));
}

/** Every package's categories (by slug) and owners (usernames, the first owner first), by package id. */
export async function categoriesAndOwners(db: Queryable): Promise<{ categories: Map<string, string[]>; owners: Map<string, string[]> }> {
  const byPackage = (json: string | null | undefined): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const [id, value] of json ? (JSON.parse(json) as Array<[string, string]>) : []) {
      const list = map.get(id);
      if (list === undefined) map.set(id, [value]);
      else list.push(value);
    }
    return map;
  };
  const categories = await db.query<{ j: string | null }>(
    `SELECT json_agg(json_build_array(pc.package_id, c.slug) ORDER BY pc.package_id, c.slug)::text AS j
     FROM package_categories pc JOIN categories c ON c.id = pc.category_id`,
  );
  const owners = await db.query<{ j: string | null }>(
    `SELECT json_agg(json_build_array(po.package_id, u.username) ORDER BY po.package_id, po.created_at, u.username)::text AS j
     FROM package_owners po JOIN users u ON u.id = po.user_id`,
  );
  return { categories: byPackage(categories.rows[0]?.j), owners: byPackage(owners.rows[0]?.j) };
}
