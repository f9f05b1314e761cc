// Wire views of packages, versions and dependencies (the contract's Package, Version and Dependency), built from
// database rows. Optional fields without a value are left out, never null.
import type { PackageSummaryRow } from '../db/packages.js';
import type { DependencyRow, VersionRow } from '../db/versions.js';

export interface DependencyView {
  name: string;
  version_req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  kind: 'normal' | 'dev' | 'build';
}

export interface VersionView {
  version: string;
  package_name: string;
  published_at: string;
  published_by?: string;
  downloads: number;
  checksum: string;
  size: number;
  yanked: boolean;
  yanked_reason?: string;
  rust_version?: string;
  license?: string;
  description?: string;
  dependencies: DependencyView[];
  features: Record<string, string[]>;
}

export function dependencyView(row: DependencyRow): DependencyView {
  return {
    name: row.package_name,
    version_req: row.version_req,
    features: row.features,
    optional: row.optional,
    default_features: row.default_features,
    kind: row.kind,
  };
}

export function versionView(packageName: string, row: VersionRow, dependencies: DependencyRow[]): VersionView {
  return {
    version: row.version,
    package_name: packageName,
    published_at: row.published_at.toISOString(),
    ...(row.published_by_username !== null && { published_by: row.published_by_username }),
    downloads: Number(row.downloads),
    checksum: row.checksum,
    size: Number(row.size),
    yanked: row.yanked,
    ...(row.yanked_reason !== null && { yanked_reason: row.yanked_reason }),
    ...(row.rust_version !== null && { rust_version: row.rust_version }),
    ...(row.license !== null && { license: row.license }),
    ...(row.description !== null && { description: row.description }),
    dependencies: dependencies.filter((dependency) => dependency.version_id === row.id).map(dependencyView),
    features: row.features,
  };
}

export interface PackageView {
  name: string;
  description?: string;
  homepage?: string;
  repository?: string;
  documentation?: string;
  license?: string;
  keywords: string[];
  categories: string[];
  latest_version: string;
  owners: string[];
  downloads: number;
  created_at: string;
  updated_at: string;
}

export function packageSummaryView(row: PackageSummaryRow): PackageView {
  const view: Partial<PackageView> = { name: row.name };
  if (row.description !== null) view.description = row.description;
  if (row.homepage !== null) view.homepage = row.homepage;
  if (row.repository !== null) view.repository = row.repository;
  if (row.documentation !== null) view.documentation = row.documentation;
  if (row.license !== null) view.license = row.license;
  view.keywords = row.keywords;
  view.categories = row.categories;
  view.latest_version = row.latest_version;
  view.owners = row.owners;
  view.downloads = Number(row.downloads);
  view.created_at = row.created_at.toISOString();
  view.updated_at = row.updated_at.toISOString();
  return view as PackageView;
}
