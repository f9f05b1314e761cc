// Browsing the registry: every package in a chosen order, categories, keywords, who depends on a package, a version's
// rendered README and the home page's summary. Search has its own module (search.ts), statistics too (stats.ts).
import type { Context } from '../context.js';
import {
  findCategory,
  listCategories,
  listCategoryPackages,
  listDependents,
  listKeywordPackages,
  listKeywords,
  listPackages,
  listPopularCategories,
  listShowcase,
  type CategoryRow,
  type KeywordRow,
  type Page,
  type PackageSort,
  type SortOrder,
} from '../db/discovery.js';
import { findPackageByName, type PackageSummaryRow } from '../db/packages.js';
import { registryTotals, type RegistryTotals } from '../db/stats.js';
import { notFound } from '../errors.js';
import { resolveVersion } from './catalog.js';
import { packageSummaryView, type PackageView } from './package-views.js';

export const PACKAGE_SORTS = ['name', 'downloads', 'updated', 'created'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;

export interface Paging {
  page: number;
  perPage: number;
}

export interface PackageListView {
  packages: PackageView[];
  total: number;
  page: number;
  per_page: number;
  has_next: boolean;
}

function pageRequest(paging: Paging) {
  return { limit: paging.perPage, offset: (paging.page - 1) * paging.perPage };
}

function packageList(result: Page<PackageSummaryRow>, paging: Paging): PackageListView {
  return {
    packages: result.rows.map(packageSummaryView),
    total: result.total,
    page: paging.page,
    per_page: paging.perPage,
    has_next: paging.page * paging.perPage < result.total,
  };
}

export interface Ordering {
  sort: PackageSort;
  order: SortOrder;
}

export async function browsePackages(ctx: Context, ordering: Ordering, paging: Paging): Promise<PackageListView> {
  return packageList(await listPackages(ctx.db, ordering.sort, ordering.order, pageRequest(paging)), paging);
}

// ---- categories ---------------------------------------------------------------------------------------------------

export interface CategoryView {
  slug: string;
  name: string;
  description: string;
  package_count: number;
}

function categoryView(row: CategoryRow): CategoryView {
  return { slug: row.slug, name: row.name, description: row.description, package_count: row.package_count };
}

export async function categories(ctx: Context): Promise<CategoryView[]> {
  return (await listCategories(ctx.db)).map(categoryView);
}

export async function categoryPage(ctx: Context, slug: string, ordering: Ordering, paging: Paging): Promise<PackageListView & { category: CategoryView }> {
  const category = await findCategory(ctx.db, slug);
  if (category === null) throw notFound(`There is no category ${slug}; GET /api/v1/categories lists them.`, { category: slug });
  const list = packageList(await listCategoryPackages(ctx.db, category.id, ordering.sort, ordering.order, pageRequest(paging)), paging);
  return { category: categoryView(category), ...list };
}

// ---- keywords -----------------------------------------------------------------------------------------------------

export async function keywords(ctx: Context, prefix: string, limit: number): Promise<KeywordRow[]> {
  return listKeywords(ctx.db, prefix.trim().toLowerCase(), limit);
}

/** Packages with this keyword (the web interface's keyword page). */
export async function keywordPackages(ctx: Context, keyword: string, ordering: Ordering, paging: Paging): Promise<PackageListView> {
  return packageList(await listKeywordPackages(ctx.db, keyword.trim().toLowerCase(), ordering.sort, ordering.order, pageRequest(paging)), paging);
}

// ---- dependents ---------------------------------------------------------------------------------------------------

export async function dependents(ctx: Context, name: string, paging: Paging): Promise<PackageListView> {
  const pkg = await findPackageByName(ctx.db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  return packageList(await listDependents(ctx.db, pkg, pageRequest(paging)), paging);
}

// ---- README -------------------------------------------------------------------------------------------------------

/** The sanitised HTML rendered from the version's README at publish time; `latest` is the package's latest_version. */
export async function versionReadme(ctx: Context, name: string, version: string): Promise<{ html: string; version: string }> {
  const { pkg, row } = await resolveVersion(ctx.db, name, version);
  if (row.readme_html === null) throw notFound(`${pkg.name} ${row.version} has no README.`, { package: pkg.name, version: row.version });
  return { html: row.readme_html, version: row.version };
}

// ---- the home page ----------------------------------------------------------------------------------------------

export const SUMMARY_LIST_LENGTH = 10;

export interface SummaryView {
  stats: RegistryTotals;
  new_packages: PackageView[];
  just_updated: PackageView[];
  most_downloaded: PackageView[];
  most_recently_downloaded: PackageView[];
  popular_keywords: KeywordRow[];
  popular_categories: CategoryView[];
}

export async function summary(ctx: Context): Promise<SummaryView> {
  const [stats, newest, updated, downloads, recent, popularKeywords, popularCategories] = await Promise.all([
    registryTotals(ctx.db),
    listShowcase(ctx.db, 'newest', SUMMARY_LIST_LENGTH),
    listShowcase(ctx.db, 'updated', SUMMARY_LIST_LENGTH),
    listShowcase(ctx.db, 'downloads', SUMMARY_LIST_LENGTH),
    listShowcase(ctx.db, 'recent_downloads', SUMMARY_LIST_LENGTH),
    listKeywords(ctx.db, '', SUMMARY_LIST_LENGTH),
    listPopularCategories(ctx.db, SUMMARY_LIST_LENGTH),
  ]);
  return {
    stats,
    new_packages: newest.map(packageSummaryView),
    just_updated: updated.map(packageSummaryView),
    most_downloaded: downloads.map(packageSummaryView),
    most_recently_downloaded: recent.map(packageSummaryView),
    popular_keywords: popularKeywords,
    popular_categories: popularCategories.map(categoryView),
  };
}
