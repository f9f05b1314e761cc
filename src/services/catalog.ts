// Reading packages: the Package document (metadata, versions highest first, owners, downloads, latest_version).
import type { Context } from '../context.js';
import { compareVersions, parseVersion } from '../core/version.js';
import { PACKAGE_SUMMARY_COLUMNS, type PackageSummaryRow } from '../db/packages.js';
import { notFound } from '../errors.js';
import type { Queryable } from '../ports/database.js';
import { packageSummaryView, type PackageView } from './users.js';

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

export function getPackage(ctx: Context, name: string): Promise<PackageDocument> {
  return packageDocument(ctx.db, name);
}
