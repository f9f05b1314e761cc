// Reading packages: the Package document (metadata, versions highest first, owners, downloads, latest_version),
// versions, and their cached serialised forms.
import type { Context } from '../context.js';
import { canonicalName } from '../core/names.js';
import { compareVersions, parseVersion, sortVersionsDescending, versionKey } from '../core/version.js';
import { findPackageByName, PACKAGE_SUMMARY_COLUMNS, type PackageRow, type PackageSummaryRow } from '../db/packages.js';
import { findVersion, listDependencies, listVersions, type VersionRow } from '../db/versions.js';
import { notFound } from '../errors.js';
import type { Queryable } from '../ports/database.js';
import { cachedDocument, type SerializedDocument } from './documents.js';
import { locallyCached } from './local-cache.js';
import { packageCacheKeys } from './package-events.js';
import { versionView, type VersionView } from './package-views.js';
import { packageSummaryView, type PackageView } from './package-views.js';

export interface PackageDocument extends PackageView {
  versions: string[];
}

/** Version strings of a package, highest first (SemVer order; build metadata ignored). */
export function sortVersionTexts(texts: string[]): string[] {
  return texts
    .map((text) => ({ text, parsed: parseVersion(text) }))
    .sort((a, b) => (a.parsed && b.parsed ? compareVersions(b.parsed, a.parsed) : 0))
    .map((entry) => entry.text);
}

export async function packageDocument(db: Queryable, name: string): Promise<PackageDocument> {
  const { rows } = await db.query<PackageSummaryRow & { versions: string[] }>(
    `SELECT ${PACKAGE_SUMMARY_COLUMNS}, ARRAY(SELECT version FROM versions WHERE package_id = p.id) AS versions
     FROM packages p WHERE p.canonical_name = canonical_package_name($1)`,
    [name],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`There is no package named ${name}.`, { package: name });
  return { ...packageSummaryView(row), versions: sortVersionTexts(row.versions) };
}


// ---- versions -----------------------------------------------------------------------------------------------------

/** The package row or 404. */
async function existingPackage(db: Queryable, name: string) {
  const pkg = await findPackageByName(db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  return pkg;
}

export async function listPackageVersions(ctx: Context, name: string): Promise<VersionView[]> {
  const pkg = await existingPackage(ctx.db, name);
  const rows = sortVersionsDescending(await listVersions(ctx.db, pkg.id), (row) => parseVersion(row.version)!);
  const dependencies = await listDependencies(ctx.db, rows.map((row) => row.id));
  return rows.map((row) => versionView(pkg.name, row, dependencies));
}

/** A version row by its text, or `latest` (the version latest_version names); 404 otherwise. */
export async function resolveVersion(db: Queryable, name: string, version: string): Promise<{ pkg: PackageRow; row: VersionRow }> {
  const pkg = await existingPackage(db, name);
  const text = version === 'latest' ? pkg.latest_version : version;
  const parsed = text === '' ? null : parseVersion(text);
  const row = parsed === null ? null : await findVersion(db, pkg.id, versionKey(parsed));
  if (row === null) {
    throw notFound(version === 'latest' ? `${pkg.name} has no versions yet.` : `${pkg.name} has no version ${version}.`, { package: pkg.name, version });
  }
  return { pkg, row };
}

/** resolveVersion through the process's cache (local-cache.ts): what a download needs to know, without a query. */
export function resolveVersionCached(ctx: Context, name: string, version: string): Promise<{ pkg: PackageRow; row: VersionRow }> {
  const canonical = canonicalName(name);
  return locallyCached(ctx.kv, `version-row:${canonical}:${version}`, canonical, () => resolveVersion(ctx.db, name, version), () => 4096);
}

/** A version's document, kept a few seconds in the process's cache (dropped by every change of the package). */
export function getVersion(ctx: Context, name: string, version: string): Promise<VersionView> {
  const canonical = canonicalName(name);
  return locallyCached(
    ctx.kv,
    `version:${canonical}:${version}`,
    canonical,
    async () => {
      const { pkg, row } = await resolveVersion(ctx.db, name, version);
      return versionView(pkg.name, row, await listDependencies(ctx.db, [row.id]));
    },
    (view) => JSON.stringify(view).length,
  );
}

export function packageDocumentCached(ctx: Context, name: string): Promise<SerializedDocument> {
  const keys = packageCacheKeys(name);
  return cachedDocument(ctx, keys.package, () => packageDocument(ctx.db, name), { stampKey: keys.stamp, localGroup: canonicalName(name) });
}

export function versionsDocumentCached(ctx: Context, name: string): Promise<SerializedDocument> {
  const keys = packageCacheKeys(name);
  return cachedDocument(ctx, keys.versions, () => listPackageVersions(ctx, name), { stampKey: keys.stamp, localGroup: canonicalName(name) });
}
