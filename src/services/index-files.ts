// The sparse index (an extension; what resolvers read): config.json, which tells a client where tarballs and the API
// are, and one file per package with a JSON line per version, as crates.io's sparse index has. A package's file is
// built from the database once and served from the key-value cache (documents.ts) until the package changes: a
// publish, a yank or unyank, a deletion (package-events.ts).
import type { Context } from '../context.js';
import { canonicalName } from '../core/names.js';
import type { DependencyKind } from '../core/manifest.js';
import { findPackageByName } from '../db/packages.js';
import { listDependencies, listIndexVersions, type DependencyRow, type IndexVersionRow } from '../db/versions.js';
import { notFound } from '../errors.js';
import { cachedBytes, type SerializedDocument } from './documents.js';
import { packageCacheKeys } from './package-events.js';

export interface IndexConfig {
  /** Tarball URL template with literal `{name}` and `{version}` placeholders. */
  dl: string;
  /** Base URL of the API. */
  api: string;
}

export function indexConfig(ctx: Context): IndexConfig {
  const base = ctx.config.publicUrl; // without a trailing slash (config.ts)
  return { dl: `${base}/api/v1/packages/{name}/versions/{version}/download`, api: `${base}/api/v1` };
}

export interface IndexDependency {
  name: string;
  req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  kind: DependencyKind;
}

/** One line of a package's index file (keys in this order). */
export interface IndexLine {
  name: string;
  vers: string;
  deps: IndexDependency[];
  /** SHA-256 of the tarball, lower-case hex. */
  cksum: string;
  features: Record<string, string[]>;
  yanked: boolean;
  /** Minimum Sounio compiler version (the manifest's `sounio-version`), or null. */
  sounio_version: string | null;
}

export function indexLine(packageName: string, row: IndexVersionRow, dependencies: readonly DependencyRow[]): IndexLine {
  return {
    name: packageName,
    vers: row.version,
    deps: dependencies.map((dependency) => ({
      name: dependency.package_name,
      req: dependency.version_req,
      features: dependency.features,
      optional: dependency.optional,
      default_features: dependency.default_features,
      kind: dependency.kind,
    })),
    cksum: row.checksum,
    features: row.features,
    yanked: row.yanked,
    sounio_version: row.rust_version,
  };
}

/** A package's index file: one JSON line (newline-terminated) per version, in publish order; 404 for no package. */
export async function buildIndexFile(ctx: Context, name: string): Promise<Buffer> {
  const pkg = await findPackageByName(ctx.db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  const versions = await listIndexVersions(ctx.db, pkg.id);
  const dependencies = await listDependencies(ctx.db, versions.map((version) => version.id));
  const byVersion = new Map<string, DependencyRow[]>();
  for (const dependency of dependencies) {
    const list = byVersion.get(dependency.version_id);
    if (list === undefined) byVersion.set(dependency.version_id, [dependency]);
    else list.push(dependency);
  }
  const text = versions.map((version) => JSON.stringify(indexLine(pkg.name, version, byVersion.get(version.id) ?? [])) + '\n').join('');
  return Buffer.from(text, 'utf8');
}

export function indexFileCached(ctx: Context, name: string): Promise<SerializedDocument> {
  const keys = packageCacheKeys(name);
  return cachedBytes(ctx, keys.index, () => buildIndexFile(ctx, name), { stampKey: keys.stamp, localGroup: canonicalName(name) });
}
