// Package administration besides publishing: creating an empty package, editing its metadata, yanking and unyanking
// versions, deleting a package (admins). Every change writes an audit row and drops cached documents.
import type { Context } from '../context.js';
import { canonicalName, isValidPackageName } from '../core/names.js';
import { patternsAllow } from '../core/scopes.js';
import { latestVersion, parseVersion, versionKey } from '../core/version.js';
import { keywordProblem } from '../core/manifest.js';
import { insertAuditEvent } from '../db/audit.js';
import {
  addOwner,
  deletePackage as deletePackageRow,
  findPackageByName,
  insertPackage,
  listCategorySlugs,
  setPackageCategories,
  updatePackageMetadata,
  type PackageRow,
} from '../db/packages.js';
import { findVersion, listDependencies, listVersions, setYanked } from '../db/versions.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.js';
import type { Queryable } from '../ports/database.js';
import type { Principal } from './authentication.js';
import type { RequestMeta } from './notify.js';
import { packageChanged } from './package-events.js';
import { versionView, type VersionView } from './package-views.js';
import { assertMayCreateName, assertMayPublish, assertOwnerOrAdmin } from './publish.js';

export async function requirePackage(db: Queryable, name: string, options: { forUpdate?: boolean } = {}): Promise<PackageRow> {
  const pkg = await findPackageByName(db, name, options);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  return pkg;
}

/** Checks a principal may manage `pkg`: owner (or admin), and the token's package patterns allow it. */
export async function assertMayManage(db: Queryable, principal: Principal, pkg: PackageRow): Promise<void> {
  if (!patternsAllow(principal.packages, pkg.name)) {
    throw forbidden(`This token may only be used for the packages ${principal.packages!.join(', ')}.`, 'package_not_allowed', { package: pkg.name });
  }
  await assertOwnerOrAdmin(db, principal, pkg);
}

async function checkKeywordsAndCategories(ctx: Context, keywords: string[] | undefined, categories: string[] | undefined): Promise<void> {
  for (const keyword of keywords ?? []) {
    const problem = keywordProblem(keyword);
    if (problem !== null) throw badRequest(problem, { field: 'keywords' });
  }
  if (categories !== undefined && categories.length > 0) {
    const known = await listCategorySlugs(ctx.db);
    const unknown = categories.find((category) => !known.includes(category));
    if (unknown !== undefined) throw badRequest(`"${unknown}" is not a category of this registry.`, { field: 'categories', known });
  }
}

export interface PackageFields {
  description?: string;
  homepage?: string;
  repository?: string;
  documentation?: string;
  license?: string;
  keywords?: string[];
  categories?: string[];
}

export async function createPackage(ctx: Context, principal: Principal, name: string, fields: PackageFields, meta: RequestMeta): Promise<PackageRow> {
  if (!isValidPackageName(name)) throw badRequest(`"${name}" is not a valid package name.`, { field: 'name' });
  assertMayPublish(principal, name);
  await checkKeywordsAndCategories(ctx, fields.keywords, fields.categories);
  const existing = await findPackageByName(ctx.db, name);
  if (existing !== null) {
    throw conflict('name_taken', existing.name === name ? `The package ${name} exists already.` : `The name ${name} is taken by the package ${existing.name}.`, { existing: existing.name });
  }
  await assertMayCreateName(ctx.db, principal, name);
  const pkg = await ctx.db.transaction(async (tx) => {
    const inserted = await insertPackage(tx, name, {
      description: fields.description ?? null,
      homepage: fields.homepage ?? null,
      repository: fields.repository ?? null,
      documentation: fields.documentation ?? null,
      license: fields.license ?? null,
      keywords: fields.keywords ?? [],
    });
    if (inserted === 'taken') throw conflict('name_taken', `The name ${name} was just taken.`);
    await addOwner(tx, inserted.id, principal.user.id, principal.user.id);
    await setPackageCategories(tx, inserted.id, fields.categories ?? []);
    await insertAuditEvent(tx, { userId: principal.user.id, action: 'package_create', resourceType: 'package', resourceId: inserted.id, details: { name }, ...meta });
    return inserted;
  });
  return pkg;
}

export async function updatePackage(ctx: Context, principal: Principal, name: string, fields: Omit<PackageFields, 'license'>, meta: RequestMeta): Promise<PackageRow> {
  const pkg = await requirePackage(ctx.db, name);
  await assertMayManage(ctx.db, principal, pkg);
  await checkKeywordsAndCategories(ctx, fields.keywords, fields.categories);
  await ctx.db.transaction(async (tx) => {
    await updatePackageMetadata(tx, pkg.id, fields);
    if (fields.categories !== undefined) await setPackageCategories(tx, pkg.id, fields.categories);
    await insertAuditEvent(tx, { userId: principal.user.id, action: 'package_update', resourceType: 'package', resourceId: pkg.id, details: { name: pkg.name, fields: Object.keys(fields) }, ...meta });
  });
  await packageChanged(ctx, pkg.name);
  return requirePackage(ctx.db, pkg.name);
}

/** Recomputes the package's latest_version from its versions (after a yank or unyank). */
async function refreshLatest(tx: Queryable, pkg: PackageRow): Promise<void> {
  const rows = await listVersions(tx, pkg.id);
  const parsed = rows.map((row) => ({ version: parseVersion(row.version)!, yanked: row.yanked, text: row.version }));
  const latest = latestVersion(parsed);
  const text = latest === null ? '' : parsed.find((candidate) => versionKey(candidate.version) === versionKey(latest))!.text;
  await tx.query('UPDATE packages SET latest_version = $2 WHERE id = $1', [pkg.id, text]);
}

export async function setVersionYanked(
  ctx: Context,
  principal: Principal,
  name: string,
  version: string,
  yanked: boolean,
  reason: string | null,
  meta: RequestMeta,
): Promise<VersionView> {
  const pkg = await requirePackage(ctx.db, name);
  await assertMayManage(ctx.db, principal, pkg);
  const parsed = parseVersion(version);
  if (parsed === null) throw notFound(`${name} has no version ${version}.`, { package: name, version });
  const view = await ctx.db.transaction(async (tx) => {
    const locked = await requirePackage(tx, name, { forUpdate: true });
    const row = await findVersion(tx, locked.id, versionKey(parsed));
    if (row === null) throw notFound(`${name} has no version ${version}.`, { package: name, version });
    if (row.yanked !== yanked) {
      await setYanked(tx, row.id, yanked, principal.user.id, yanked ? reason : null);
      await refreshLatest(tx, locked);
      await insertAuditEvent(tx, {
        userId: principal.user.id,
        action: yanked ? 'yank' : 'unyank',
        resourceType: 'version',
        resourceId: row.id,
        details: { package: locked.name, version: row.version, ...(yanked && reason !== null && { reason }) },
        ...meta,
      });
    }
    const updated = (await findVersion(tx, locked.id, versionKey(parsed)))!;
    return versionView(locked.name, updated, await listDependencies(tx, [updated.id]));
  });
  await packageChanged(ctx, pkg.name);
  return view;
}

export async function deletePackage(ctx: Context, principal: Principal, name: string, meta: RequestMeta): Promise<void> {
  if (!principal.user.is_admin) throw new AppError(403, 'admin_required', 'Only registry administrators may delete packages.');
  const pkg = await requirePackage(ctx.db, name);
  await ctx.db.transaction(async (tx) => {
    const locked = await requirePackage(tx, name, { forUpdate: true });
    await deletePackageRow(tx, locked, principal.user.id);
    await insertAuditEvent(tx, { userId: principal.user.id, action: 'package_delete', resourceType: 'package', resourceId: locked.id, details: { name: locked.name, canonical: canonicalName(locked.name) }, ...meta });
  });
  await packageChanged(ctx, pkg.name);
}
