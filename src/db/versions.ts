// Queries on versions, their dependencies, and the permanent record of published version numbers.
import type { DependencySpec } from '../core/manifest.js';
import type { Queryable } from '../ports/database.js';

export interface VersionRow {
  id: string;
  package_id: string;
  version: string;
  version_key: string;
  checksum: string;
  size: number;
  blob_key: string;
  downloads: number;
  features: Record<string, string[]>;
  rust_version: string | null;
  license: string | null;
  description: string | null;
  readme: string | null;
  readme_html: string | null;
  yanked: boolean;
  yanked_at: Date | null;
  yanked_reason: string | null;
  published_by: string | null;
  published_by_username: string | null;
  published_at: Date;
}

const VERSION_COLUMNS = `v.id, v.package_id, v.version, v.version_key, v.checksum, v.size, v.blob_key, v.downloads, v.features, v.rust_version,
  v.license, v.description, v.readme, v.readme_html, v.yanked, v.yanked_at, v.yanked_reason, v.published_by, v.published_at,
  (SELECT username FROM users WHERE id = v.published_by) AS published_by_username`;

export interface DependencyRow {
  version_id: string;
  package_name: string;
  version_req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  kind: 'normal' | 'dev' | 'build';
}

export async function listVersions(db: Queryable, packageId: string): Promise<VersionRow[]> {
  const { rows } = await db.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions v WHERE v.package_id = $1`, [packageId]);
  return rows;
}

export async function findVersion(db: Queryable, packageId: string, versionKey: string): Promise<VersionRow | null> {
  const { rows } = await db.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions v WHERE v.package_id = $1 AND v.version_key = $2`, [packageId, versionKey]);
  return rows[0] ?? null;
}

/** What an index line needs of a version (no README, no manifest). */
export interface IndexVersionRow {
  id: string;
  version: string;
  checksum: string;
  features: Record<string, string[]>;
  rust_version: string | null;
  yanked: boolean;
  published_at: Date;
}

/** Versions of a package for its index file, in publish order. */
export async function listIndexVersions(db: Queryable, packageId: string): Promise<IndexVersionRow[]> {
  const { rows } = await db.query<IndexVersionRow>(
    'SELECT id, version, checksum, features, rust_version, yanked, published_at FROM versions WHERE package_id = $1 ORDER BY published_at, version_key',
    [packageId],
  );
  return rows;
}

export async function listDependencies(db: Queryable, versionIds: string[]): Promise<DependencyRow[]> {
  if (versionIds.length === 0) return [];
  const { rows } = await db.query<DependencyRow>(
    `SELECT version_id, package_name, version_req, features, optional, default_features, kind FROM dependencies
     WHERE version_id = ANY($1::uuid[]) ORDER BY kind, package_name`,
    [versionIds],
  );
  return rows;
}

export interface PublishedRecord {
  checksum: string;
}

/** The permanent record of a version number, kept through yanks and deletion. */
export async function findPublishedRecord(db: Queryable, canonicalName: string, versionKey: string): Promise<PublishedRecord | null> {
  const { rows } = await db.query<PublishedRecord>('SELECT checksum FROM published_versions WHERE canonical_name = $1 AND version_key = $2', [canonicalName, versionKey]);
  return rows[0] ?? null;
}

/** Claims a version number for good; false when it was claimed before (by this publish's competitor, or long ago). */
export async function claimVersionNumber(db: Queryable, canonicalName: string, versionKey: string, checksum: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO published_versions (canonical_name, version_key, checksum) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [canonicalName, versionKey, checksum],
  );
  return rowCount > 0;
}

export interface NewVersion {
  packageId: string;
  version: string;
  versionKey: string;
  checksum: string;
  size: number;
  blobKey: string;
  features: Record<string, string[]>;
  rustVersion: string | null;
  edition: string | null;
  license: string | null;
  description: string | null;
  authors: string[];
  readme: string | null;
  readmeHtml: string | null;
  changelog: string | null;
  manifest: unknown;
  publishedBy: string;
}

export async function insertVersion(db: Queryable, version: NewVersion, dependencies: DependencySpec[]): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO versions (package_id, version, version_key, checksum, size, blob_key, features, rust_version, edition, license,
       description, authors, readme, readme_html, changelog, manifest, published_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
    [
      version.packageId,
      version.version,
      version.versionKey,
      version.checksum,
      version.size,
      version.blobKey,
      JSON.stringify(version.features),
      version.rustVersion,
      version.edition,
      version.license,
      version.description,
      version.authors,
      version.readme,
      version.readmeHtml,
      version.changelog,
      JSON.stringify(version.manifest),
      version.publishedBy,
    ],
  );
  const id = rows[0]!.id;
  for (const dependency of dependencies) {
    await db.query(
      `INSERT INTO dependencies (version_id, package_name, version_req, features, optional, default_features, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, dependency.name, dependency.req, dependency.features, dependency.optional, dependency.defaultFeatures, dependency.kind],
    );
  }
  return id;
}

export async function setYanked(db: Queryable, versionId: string, yanked: boolean, userId: string, reason: string | null): Promise<void> {
  await db.query(
    yanked
      ? 'UPDATE versions SET yanked = true, yanked_at = now(), yanked_by = $2, yanked_reason = $3 WHERE id = $1'
      : 'UPDATE versions SET yanked = false, yanked_at = NULL, yanked_by = NULL, yanked_reason = NULL WHERE id = $1',
    yanked ? [versionId, userId, reason] : [versionId],
  );
}

/** Versions (text and yanked flag) of the package a dependency names, for checking that its requirement can be met. */
export async function listVersionsOfName(db: Queryable, name: string): Promise<Array<{ version: string; yanked: boolean }>> {
  const { rows } = await db.query<{ version: string; yanked: boolean }>(
    `SELECT v.version, v.yanked FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.canonical_name = canonical_package_name($1)`,
    [name],
  );
  return rows;
}

/** Whether any version still references this blob (the sweep deletes blobs nothing references). */
export async function isBlobReferenced(db: Queryable, blobKey: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM versions WHERE blob_key = $1 LIMIT 1', [blobKey]);
  return rows.length > 0;
}
