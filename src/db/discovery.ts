// Browsing queries: packages in a chosen order, categories with their counts, keywords, reverse dependencies and the
// lists of the home page. Every list is paginated or limited, and ties are broken by name so pages are stable.
import type { Queryable } from '../ports/database.js';
import { PACKAGE_SUMMARY_COLUMNS, type PackageSummaryRow } from './packages.js';

export type PackageSort = 'name' | 'downloads' | 'updated' | 'created';
export type SortOrder = 'asc' | 'desc';

const SORT_COLUMNS: Record<PackageSort, string> = {
  name: 'p.name',
  downloads: 'p.downloads',
  updated: 'p.updated_at',
  created: 'p.created_at',
};

/** ORDER BY for a package list; names are unique, so the name as last key makes the order total. */
export function packageOrder(sort: PackageSort, order: SortOrder): string {
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return sort === 'name' ? `p.name ${direction}` : `${SORT_COLUMNS[sort]} ${direction}, p.name ASC`;
}

/** A package that has at least one version that is not yanked (a column kept by a trigger on versions): what search and the home page show. */
export const HAS_AVAILABLE_VERSION = 'p.available';

export interface Page<Row> {
  rows: Row[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

export async function listPackages(db: Queryable, sort: PackageSort, order: SortOrder, page: PageRequest): Promise<Page<PackageSummaryRow>> {
  const [rows, count] = await Promise.all([
    db.query<PackageSummaryRow>(`SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM packages p ORDER BY ${packageOrder(sort, order)} LIMIT $1 OFFSET $2`, [page.limit, page.offset]),
    db.query<{ total: number }>('SELECT count(*)::int AS total FROM packages'),
  ]);
  return { rows: rows.rows, total: count.rows[0]!.total };
}

// ---- categories ---------------------------------------------------------------------------------------------------

export interface CategoryRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  package_count: number;
}

const CATEGORY_COLUMNS = `c.id, c.slug, c.name, c.description,
  (SELECT count(*)::int FROM package_categories pc WHERE pc.category_id = c.id) AS package_count`;

export async function listCategories(db: Queryable): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(`SELECT ${CATEGORY_COLUMNS} FROM categories c ORDER BY c.slug`);
  return rows;
}

export async function listPopularCategories(db: Queryable, limit: number): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(
    `SELECT * FROM (SELECT ${CATEGORY_COLUMNS} FROM categories c) c WHERE package_count > 0 ORDER BY package_count DESC, slug LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function findCategory(db: Queryable, slug: string): Promise<CategoryRow | null> {
  const { rows } = await db.query<CategoryRow>(`SELECT ${CATEGORY_COLUMNS} FROM categories c WHERE c.slug = $1`, [slug]);
  return rows[0] ?? null;
}

export async function listCategoryPackages(db: Queryable, categoryId: string, sort: PackageSort, order: SortOrder, page: PageRequest): Promise<Page<PackageSummaryRow>> {
  const [rows, count] = await Promise.all([
    db.query<PackageSummaryRow>(
      `SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM packages p
       WHERE EXISTS (SELECT 1 FROM package_categories pc WHERE pc.package_id = p.id AND pc.category_id = $1)
       ORDER BY ${packageOrder(sort, order)} LIMIT $2 OFFSET $3`,
      [categoryId, page.limit, page.offset],
    ),
    db.query<{ total: number }>('SELECT count(*)::int AS total FROM package_categories WHERE category_id = $1', [categoryId]),
  ]);
  return { rows: rows.rows, total: count.rows[0]!.total };
}

// ---- keywords -----------------------------------------------------------------------------------------------------

export interface KeywordRow {
  keyword: string;
  package_count: number;
}

/** Keywords in use, most used first; only those starting with `prefix` when it is not ''. */
export async function listKeywords(db: Queryable, prefix: string, limit: number): Promise<KeywordRow[]> {
  const pattern = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const { rows } = await db.query<KeywordRow>(
    `SELECT keyword, package_count FROM keywords
     WHERE package_count > 0 AND ($1::text = '' OR (keyword COLLATE "C") LIKE $2::text)
     ORDER BY package_count DESC, keyword LIMIT $3`,
    [prefix, pattern, limit],
  );
  return rows;
}

/** Packages carrying a keyword (among those with an available version), in the chosen order. */
export async function listKeywordPackages(db: Queryable, keyword: string, sort: PackageSort, order: SortOrder, page: PageRequest): Promise<Page<PackageSummaryRow>> {
  const where = `p.keywords @> ARRAY[$1::text] AND ${HAS_AVAILABLE_VERSION}`;
  const [rows, count] = await Promise.all([
    db.query<PackageSummaryRow>(`SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM packages p WHERE ${where} ORDER BY ${packageOrder(sort, order)} LIMIT $2 OFFSET $3`, [
      keyword,
      page.limit,
      page.offset,
    ]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM packages p WHERE ${where}`, [keyword]),
  ]);
  return { rows: rows.rows, total: count.rows[0]!.total };
}

// ---- reverse dependencies -----------------------------------------------------------------------------------------

// Driven by the index on the dependencies' canonical names: only the dependency rows naming the package are read.
const DEPENDENTS = `SELECT DISTINCT v.package_id AS id FROM dependencies d
  JOIN versions v ON v.id = d.version_id
  JOIN packages dp ON dp.id = v.package_id AND dp.latest_version = v.version
  WHERE canonical_package_name(d.package_name) = $1 AND v.package_id <> $2`;

/** Packages whose latest version depends on the package (any kind of dependency), most downloaded first. */
export async function listDependents(db: Queryable, pkg: { id: string; canonical_name: string }, page: PageRequest): Promise<Page<PackageSummaryRow>> {
  const [rows, count] = await Promise.all([
    db.query<PackageSummaryRow>(
      `SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM (${DEPENDENTS}) d JOIN packages p ON p.id = d.id
       ORDER BY ${packageOrder('downloads', 'desc')} LIMIT $3 OFFSET $4`,
      [pkg.canonical_name, pkg.id, page.limit, page.offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM (${DEPENDENTS}) d`, [pkg.canonical_name, pkg.id]),
  ]);
  return { rows: rows.rows, total: count.rows[0]!.total };
}

// ---- the home page ----------------------------------------------------------------------------------------------

export type ShowcaseList = 'newest' | 'updated' | 'downloads' | 'recent_downloads';

const SHOWCASE_ORDER: Record<ShowcaseList, string> = {
  newest: 'p.created_at DESC, p.name',
  updated: 'p.updated_at DESC, p.name',
  downloads: 'p.downloads DESC, p.name',
  recent_downloads: 'p.recent_downloads DESC, p.name',
};

/** The first packages of one home-page list (each order has its index), among packages with an available version. */
export async function listShowcase(db: Queryable, list: ShowcaseList, limit: number): Promise<PackageSummaryRow[]> {
  const { rows } = await db.query<PackageSummaryRow>(
    `SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM packages p WHERE ${HAS_AVAILABLE_VERSION} ORDER BY ${SHOWCASE_ORDER[list]} LIMIT $1`,
    [limit],
  );
  return rows;
}
