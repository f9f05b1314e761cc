// Publishing a version: the tarball is the truth. The upload has been streamed to a temporary file and hashed by the
// route; here it is inspected without unpacking (core/tarball), its Sounio.toml validated (core/manifest), the
// publisher authorised, the blob stored under its content address, and then one transaction writes the package (if
// new), the version, its dependencies, the permanent version-number record, the owner and the audit row. If
// anything fails, no version exists; at most an unreferenced blob is left for the sweep. Unique constraints decide
// races: of many identical publishes one gets 201 and the rest 200; different bytes get 409.
import { createReadStream } from 'node:fs';
import type { Context } from '../context.js';
import { parseManifest, publishProblems, type Manifest } from '../core/manifest.js';
import { canonicalName, isReservedName } from '../core/names.js';
import { matches, parseRequirement } from '../core/requirement.js';
import { patternsAllow } from '../core/scopes.js';
import { DEFAULT_TARBALL_LIMITS, inspectTarball, type TarballLimits, type TarballReport } from '../core/tarball.js';
import { scanTextWithTokens } from '../core/secrets.js';
import { compareVersions, latestVersion, parseVersion, versionKey } from '../core/version.js';
import { insertAuditEvent } from '../db/audit.js';
import {
  addOwner,
  findLookAlike,
  findPackageByName,
  insertPackage,
  isDeletedName,
  isOwner,
  listCategorySlugs,
  listOwners,
  setPackageCategories,
  updatePackageMetadata,
  type PackageRow,
} from '../db/packages.js';
import { findTokenByHash, revokeToken } from '../db/tokens.js';
import { findUserById } from '../db/users.js';
import { claimVersionNumber, findPublishedRecord, findVersion, insertVersion, listDependencies, listVersions, listVersionsOfName } from '../db/versions.js';
import { AppError, conflict, forbidden } from '../errors.js';
import type { Queryable } from '../ports/database.js';
import type { Principal } from './authentication.js';
import { sha256 } from './crypto.js';
import { sendMail, type RequestMeta } from './notify.js';
import { packageChanged } from './package-events.js';
import { versionView, type VersionView } from './package-views.js';
import { renderReadme } from './readme.js';

export interface UploadedTarball {
  path: string;
  sha256: string;
  size: number;
}

export interface PublishInput {
  /** The package name in the URL. */
  name: string;
  /** The form's `version` field. */
  version: string;
  tarball: UploadedTarball;
  readme?: string;
  changelog?: string;
}

export interface PublishOutcome {
  /** 201 for a new version; 200 when these exact bytes were published before (a safe retry). */
  status: 201 | 200;
  version: VersionView;
  warnings: string[];
}

export const README_LIMIT = 512 * 1024;

const invalid = (code: string, message: string, details?: Record<string, unknown>) => new AppError(400, code, message, details);

export function blobKeyFor(checksum: string): string {
  return `sha256/${checksum.slice(0, 2)}/${checksum.slice(2, 4)}/${checksum}.tar.gz`;
}

/** Checks that the caller may publish under `name` at all: verified email, token patterns. */
export function assertMayPublish(principal: Principal, name: string): void {
  if (!principal.user.email_verified) {
    throw forbidden(`Verify your email address (${principal.user.email}) before publishing; POST /api/v1/auth/verify/resend sends a new link.`, 'email_unverified');
  }
  if (!patternsAllow(principal.packages, name)) {
    throw forbidden(`This token may only be used for the packages ${principal.packages!.join(', ')}.`, 'package_not_allowed', { package: name, allowed: principal.packages });
  }
}

/** For a name that is not taken: may this principal create it? (reserved, deleted, look-alike names) */
export async function assertMayCreateName(db: Queryable, principal: Principal, name: string): Promise<void> {
  const admin = principal.user.is_admin;
  if (isReservedName(name) && !admin) throw forbidden(`The name ${name} is reserved; only registry administrators can create it.`, 'name_reserved', { name });
  if (!admin && (await isDeletedName(db, name))) {
    throw conflict('name_unavailable', `The name ${name} belonged to a deleted package and cannot be used again.`, { name });
  }
  const lookAlike = admin ? null : await findLookAlike(db, name);
  if (lookAlike !== null) {
    throw conflict('name_too_similar', `The name ${name} is too similar to the existing package ${lookAlike}.`, { name, similar_to: lookAlike });
  }
}

/** The package as an owner (or admin) may change it; 404 when absent, 403 for others. */
export async function assertOwnerOrAdmin(db: Queryable, principal: Principal, pkg: PackageRow): Promise<void> {
  if (principal.user.is_admin) return;
  if (!(await isOwner(db, pkg.id, principal.user.id))) throw forbidden(`You are not an owner of ${pkg.name}.`, 'not_owner', { package: pkg.name });
}

function failTarball(code: string, message: string, path?: string): never {
  throw invalid(code, message, path !== undefined ? { file: path } : undefined);
}

async function inspect(tarballPath: string, limits: TarballLimits): Promise<TarballReport> {
  const result = await inspectTarball(createReadStream(tarballPath), limits);
  if (!result.ok) failTarball(result.error.code, result.error.message, result.error.path);
  return result.report;
}

/** Revokes our own tokens found in an upload and tells their owners (the upload is refused anyway). */
async function revokeLeakedTokens(ctx: Context, tokens: string[], packageName: string): Promise<void> {
  for (const token of new Set(tokens)) {
    const row = await findTokenByHash(ctx.db, sha256(token));
    if (row === null || row.revoked_at !== null) continue;
    await ctx.db.transaction(async (tx) => {
      await revokeToken(tx, row.id);
      await insertAuditEvent(tx, { userId: row.user_id, action: 'token_revoke', resourceType: 'api_token', resourceId: row.id, details: { name: row.name, reason: 'found in an uploaded package', package: packageName } });
    });
    const owner = await findUserById(ctx.db, row.user_id);
    if (owner !== null) {
      await sendMail(ctx, {
        to: owner.email,
        subject: `Your token ${row.name} was revoked: it was found in an upload`,
        text: `Hello ${owner.username},\n\nYour API token "${row.name}" was found inside a package uploaded for ${packageName}, so it was revoked at once. The upload was refused.\nCreate a new token at ${ctx.config.publicUrl}/settings/tokens and keep it out of your package files.\n\n— The Sounio Package Registry\n`,
        links: [`${ctx.config.publicUrl}/settings/tokens`],
      });
    }
  }
}

/** Every dependency must name a package of this registry with a non-yanked version matching its requirement. */
async function checkDependencies(db: Queryable, manifest: Manifest): Promise<void> {
  for (const dependency of manifest.dependencies) {
    const parsed = parseRequirement(dependency.req);
    if (!parsed.ok) throw invalid('invalid_manifest', parsed.message, { field: `dependencies.${dependency.name}` });
    const available = await listVersionsOfName(db, dependency.name);
    if (available.length === 0) {
      throw invalid('unknown_dependency', `The dependency ${dependency.name} is not a package of this registry; publish it first.`, { dependency: dependency.name });
    }
    const satisfied = available.some((candidate) => {
      const version = parseVersion(candidate.version);
      return !candidate.yanked && version !== null && matches(parsed.requirement, version);
    });
    if (!satisfied) {
      throw invalid('unsatisfiable_dependency', `No published version of ${dependency.name} matches the requirement "${dependency.req}".`, {
        dependency: dependency.name,
        requirement: dependency.req,
      });
    }
  }
}

/**
 * The version already published under this number when its bytes are these, else null. The package is read again
 * when the caller saw none: a concurrent first publish may have created it (and this version) since.
 */
async function existingIdentical(ctx: Context, db: Queryable, name: string, known: PackageRow | null, key: string, checksum: string): Promise<VersionView | null> {
  const pkg = known ?? (await findPackageByName(db, name));
  if (pkg === null || pkg.name !== name) return null;
  const row = await findVersion(db, pkg.id, key);
  if (row === null || row.checksum !== checksum) return null;
  return versionView(pkg.name, row, await listDependencies(db, [row.id]));
}

function versionExists(name: string, version: string): AppError {
  return conflict('version_exists', `version ${version} of ${name} already exists`, { package: name, version });
}

export async function publishVersion(ctx: Context, principal: Principal, input: PublishInput, meta: RequestMeta, limits: TarballLimits = DEFAULT_TARBALL_LIMITS): Promise<PublishOutcome> {
  assertMayPublish(principal, input.name);

  const report = await inspect(input.tarball.path, limits);
  const categories = await listCategorySlugs(ctx.db);
  const parsed = parseManifest(report.manifest.toString('utf8'), { categories });
  if (!parsed.ok) {
    const first = parsed.problems[0]!;
    throw invalid('invalid_manifest', `Sounio.toml: ${first.message}`, { file: 'Sounio.toml', field: first.field, problems: parsed.problems });
  }
  const { manifest, warnings } = parsed;
  if (manifest.name !== input.name) {
    throw invalid('name_mismatch', `Sounio.toml names the package ${manifest.name}, but it is being published as ${input.name}.`, { file: 'Sounio.toml', field: 'package.name' });
  }
  if (manifest.version !== input.version) {
    throw invalid('version_mismatch', `Sounio.toml says version ${manifest.version}, but the form says ${input.version}.`, { file: 'Sounio.toml', field: 'package.version' });
  }
  const expectedRoot = `${manifest.name}-${manifest.version}`;
  if (report.root !== null && report.root !== expectedRoot) {
    throw invalid('wrong_root_folder', `Every file must be under ${expectedRoot}/ (or at the root of the archive), not ${report.root}/.`, { file: `${report.root}/` });
  }
  const blocking = publishProblems(manifest);
  if (blocking.length > 0) throw invalid('invalid_manifest', `Sounio.toml: ${blocking[0]!.message}`, { file: 'Sounio.toml', field: blocking[0]!.field, problems: blocking });

  const paths = new Set(report.files.map((file) => file.path));
  const readmePath = manifest.readme ?? 'README.md';
  if (!paths.has(readmePath)) throw invalid('missing_readme', `The package has no ${readmePath}; add a README so people know what it does.`, { file: readmePath });
  if (manifest.licenseFile !== undefined && !paths.has(manifest.licenseFile)) {
    throw invalid('missing_license_file', `Sounio.toml names the license file ${manifest.licenseFile}, which is not in the package.`, { file: manifest.licenseFile });
  }
  // The form's readme and changelog are displayed publicly: they are scanned like the files.
  const secrets = [...report.secrets];
  const tokens = [...report.tokens];
  for (const [field, text] of [['readme (form field)', input.readme], ['changelog (form field)', input.changelog]] as const) {
    if (text === undefined) continue;
    const scan = scanTextWithTokens(field, text);
    secrets.push(...scan.findings);
    tokens.push(...scan.tokens);
  }
  if (secrets.length > 0) {
    await revokeLeakedTokens(ctx, tokens, manifest.name);
    const first = secrets[0]!;
    throw invalid(
      'secret_detected',
      `The package contains a secret (${first.kind.replace(/_/g, ' ')} in ${first.path}${first.line > 0 ? ` line ${first.line}` : ''}); remove it, rotate it, and publish again.`,
      { findings: secrets.map((finding) => ({ file: finding.path, line: finding.line, kind: finding.kind })) },
    );
  }
  const readmeText = input.readme ?? report.kept.get(readmePath)?.toString('utf8');
  if (readmeText === undefined) throw invalid('readme_too_large', `${readmePath} is too large to display (over ${limits.maxKeptFileBytes} bytes).`, { file: readmePath });
  if (readmeText.length > README_LIMIT) throw invalid('readme_too_large', `The README is over ${README_LIMIT / 1024} KiB.`, { file: readmePath });
  const readmeHtml = renderReadme(readmeText, manifest.repository !== undefined ? { repository: manifest.repository } : {});

  const key = versionKey(manifest.parsedVersion);
  const canonical = canonicalName(manifest.name);
  const checksum = input.tarball.sha256;

  // Checks that need the database but no lock: fail early, before storing anything.
  let pkg = await findPackageByName(ctx.db, manifest.name);
  if (pkg !== null && pkg.name !== manifest.name) {
    throw conflict('name_taken', `The name ${manifest.name} is taken by the package ${pkg.name} ('-' and '_' are the same, and case does not count).`, { existing: pkg.name });
  }
  if (pkg !== null) await assertOwnerOrAdmin(ctx.db, principal, pkg);
  else await assertMayCreateName(ctx.db, principal, manifest.name);
  const record = await findPublishedRecord(ctx.db, canonical, key);
  if (record !== null) {
    const identical = await existingIdentical(ctx, ctx.db, manifest.name, pkg, key, checksum);
    if (identical !== null) return { status: 200, version: identical, warnings };
    throw versionExists(manifest.name, manifest.version);
  }
  await checkDependencies(ctx.db, manifest);

  // Always written, even when these bytes are stored already: rewriting refreshes the blob's age, so the sweep
  // (which deletes old unreferenced blobs) cannot take it between now and the commit below.
  const blobKey = blobKeyFor(checksum);
  await ctx.blobs.putFile(blobKey, input.tarball.path, { contentType: 'application/gzip' });

  const outcome = await ctx.db.transaction(async (tx): Promise<{ created: boolean; view: VersionView; newPackage: boolean }> => {
    let newPackage = false;
    pkg = await findPackageByName(tx, manifest.name, { forUpdate: true });
    if (pkg === null) {
      const inserted = await insertPackage(tx, manifest.name, {});
      if (inserted === 'taken') {
        // Created by a concurrent publish that committed meanwhile: continue as an update of it.
        pkg = await findPackageByName(tx, manifest.name, { forUpdate: true });
        if (pkg === null || pkg.name !== manifest.name) throw conflict('name_taken', `The name ${manifest.name} was just taken.`);
        await assertOwnerOrAdmin(tx, principal, pkg);
      } else {
        pkg = inserted;
        newPackage = true;
        await addOwner(tx, pkg.id, principal.user.id, principal.user.id);
      }
    }
    if (!(await claimVersionNumber(tx, canonical, key, checksum))) {
      const identical = await existingIdentical(ctx, tx, manifest.name, pkg, key, checksum);
      if (identical !== null) return { created: false, view: identical, newPackage: false };
      throw versionExists(manifest.name, manifest.version);
    }
    const versionId = await insertVersion(
      tx,
      {
        packageId: pkg.id,
        version: manifest.version,
        versionKey: key,
        checksum,
        size: input.tarball.size,
        blobKey,
        features: manifest.features,
        rustVersion: manifest.sounioVersion ?? null,
        edition: manifest.edition ?? null,
        license: manifest.license ?? null,
        description: manifest.description ?? null,
        authors: manifest.authors,
        readme: readmeText,
        readmeHtml,
        changelog: input.changelog ?? null,
        manifest: { ...manifest, parsedVersion: undefined },
        publishedBy: principal.user.id,
      },
      manifest.dependencies,
    );
    const all = await listVersions(tx, pkg.id);
    const parsedAll = all.map((row) => ({ version: parseVersion(row.version)!, yanked: row.yanked, text: row.version }));
    const latest = latestVersion(parsedAll);
    const highest = parsedAll.every((other) => compareVersions(manifest.parsedVersion, other.version) >= 0);
    const latestText = latest === null ? '' : parsedAll.find((candidate) => compareVersions(candidate.version, latest) === 0)!.text;
    if (highest) {
      // The highest version speaks for the package, as on crates.io; metadata PATCHed since holds until now.
      await updatePackageMetadata(tx, pkg.id, {
        latestVersion: latestText,
        description: manifest.description ?? null,
        homepage: manifest.homepage ?? null,
        repository: manifest.repository ?? null,
        documentation: manifest.documentation ?? null,
        license: manifest.license ?? null,
        keywords: manifest.keywords,
        readme: readmeText,
        readmeHtml,
      });
      await setPackageCategories(tx, pkg.id, manifest.categories);
    } else {
      await updatePackageMetadata(tx, pkg.id, { latestVersion: latestText });
    }
    await insertAuditEvent(tx, {
      userId: principal.user.id,
      action: 'publish',
      resourceType: 'version',
      resourceId: versionId,
      details: { package: manifest.name, version: manifest.version, checksum, size: input.tarball.size },
      ...meta,
    });
    const row = (await findVersion(tx, pkg.id, key))!;
    return { created: true, view: versionView(pkg.name, row, await listDependencies(tx, [versionId])), newPackage };
  });

  if (outcome.created) {
    await packageChanged(ctx, manifest.name);
    const owners = await listOwners(ctx.db, pkg!.id);
    for (const owner of owners) {
      await sendMail(ctx, {
        to: owner.email,
        subject: `${manifest.name} ${manifest.version} was published`,
        text: `Hello ${owner.username},\n\n${principal.user.username} published version ${manifest.version} of ${manifest.name}.\n${ctx.config.publicUrl}/packages/${manifest.name}/${manifest.version}\n\nIf this was not expected, yank the version and revoke the token that published it.\n\n— The Sounio Package Registry\n`,
        links: [`${ctx.config.publicUrl}/packages/${manifest.name}/${manifest.version}`],
      });
    }
  }
  return { status: outcome.created ? 201 : 200, version: outcome.view, warnings };
}
