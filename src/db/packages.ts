// Queries on packages as listed documents (name, metadata, owners, categories). Publishing and discovery extend
// this module with their own verbs.
import type { Queryable } from '../ports/database.js';

export interface PackageSummaryRow {
  id: string;
  name: string;
  description: string | null;
  homepage: string | null;
  repository: string | null;
  documentation: string | null;
  license: string | null;
  keywords: string[];
  categories: string[];
  owners: string[];
  latest_version: string;
  downloads: number;
  created_at: Date;
  updated_at: Date;
}

export const PACKAGE_SUMMARY_COLUMNS = `p.id, p.name, p.description, p.homepage, p.repository, p.documentation, p.license, p.keywords,
  p.latest_version, p.downloads, p.created_at, p.updated_at,
  ARRAY(SELECT c.slug FROM package_categories pc JOIN categories c ON c.id = pc.category_id WHERE pc.package_id = p.id ORDER BY c.slug) AS categories,
  ARRAY(SELECT u.username FROM package_owners po JOIN users u ON u.id = po.user_id WHERE po.package_id = p.id ORDER BY po.created_at, u.username) AS owners`;

export async function listPackagesOwnedBy(db: Queryable, userId: string, limit: number, offset: number): Promise<{ rows: PackageSummaryRow[]; total: number }> {
  const [page, count] = await Promise.all([
    db.query<PackageSummaryRow>(
      `SELECT ${PACKAGE_SUMMARY_COLUMNS} FROM packages p
       WHERE EXISTS (SELECT 1 FROM package_owners po WHERE po.package_id = p.id AND po.user_id = $1)
       ORDER BY p.name LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
    db.query<{ total: number }>('SELECT count(*)::int AS total FROM package_owners WHERE user_id = $1', [userId]),
  ]);
  return { rows: page.rows, total: count.rows[0]!.total };
}

export interface PackageRow {
  id: string;
  name: string;
  canonical_name: string;
  description: string | null;
  homepage: string | null;
  repository: string | null;
  documentation: string | null;
  license: string | null;
  keywords: string[];
  latest_version: string;
  downloads: number;
  created_at: Date;
  updated_at: Date;
}

const PACKAGE_COLUMNS = `id, name, canonical_name, description, homepage, repository, documentation, license, keywords, latest_version,
  downloads, created_at, updated_at`;

/** The package with this name or its canonical form (`foo_bar` finds `foo-bar`). */
export async function findPackageByName(db: Queryable, name: string, options: { forUpdate?: boolean } = {}): Promise<PackageRow | null> {
  const { rows } = await db.query<PackageRow>(
    `SELECT ${PACKAGE_COLUMNS} FROM packages WHERE canonical_name = canonical_package_name($1)${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return rows[0] ?? null;
}

/** An existing package whose name looks like `name` (same skeleton), other than `name`'s own canonical form. */
export async function findLookAlike(db: Queryable, name: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM packages WHERE name_skeleton = package_name_skeleton($1) AND canonical_name <> canonical_package_name($1) ORDER BY name LIMIT 1`,
    [name],
  );
  return rows[0]?.name ?? null;
}

export async function isDeletedName(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM deleted_packages WHERE canonical_name = canonical_package_name($1)', [name]);
  return rows.length > 0;
}

export interface PackageMetadata {
  description?: string | null;
  homepage?: string | null;
  repository?: string | null;
  documentation?: string | null;
  license?: string | null;
  keywords?: string[];
  readme?: string | null;
  readmeHtml?: string | null;
}

export async function insertPackage(db: Queryable, name: string, metadata: PackageMetadata): Promise<PackageRow | 'taken'> {
  const { rows } = await db.query<PackageRow>(
    `INSERT INTO packages (name, description, homepage, repository, documentation, license, keywords, readme, readme_html)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT DO NOTHING
     RETURNING ${PACKAGE_COLUMNS}`,
    [
      name,
      metadata.description ?? null,
      metadata.homepage ?? null,
      metadata.repository ?? null,
      metadata.documentation ?? null,
      metadata.license ?? null,
      metadata.keywords ?? [],
      metadata.readme ?? null,
      metadata.readmeHtml ?? null,
    ],
  );
  return rows[0] ?? 'taken';
}

/** Updates the given metadata fields (undefined leaves a field as it is) and touches updated_at. */
export async function updatePackageMetadata(db: Queryable, packageId: string, metadata: PackageMetadata & { latestVersion?: string }): Promise<void> {
  const sets: string[] = ['updated_at = now()'];
  const params: unknown[] = [packageId];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (metadata.description !== undefined) set('description', metadata.description);
  if (metadata.homepage !== undefined) set('homepage', metadata.homepage);
  if (metadata.repository !== undefined) set('repository', metadata.repository);
  if (metadata.documentation !== undefined) set('documentation', metadata.documentation);
  if (metadata.license !== undefined) set('license', metadata.license);
  if (metadata.keywords !== undefined) set('keywords', metadata.keywords);
  if (metadata.readme !== undefined) set('readme', metadata.readme);
  if (metadata.readmeHtml !== undefined) set('readme_html', metadata.readmeHtml);
  if (metadata.latestVersion !== undefined) set('latest_version', metadata.latestVersion);
  await db.query(`UPDATE packages SET ${sets.join(', ')} WHERE id = $1`, params);
}

/** Replaces the package's categories with these slugs (unknown slugs are ignored: callers validate first). */
export async function setPackageCategories(db: Queryable, packageId: string, slugs: string[]): Promise<void> {
  await db.query('DELETE FROM package_categories WHERE package_id = $1', [packageId]);
  if (slugs.length > 0) {
    await db.query('INSERT INTO package_categories (package_id, category_id) SELECT $1, id FROM categories WHERE slug = ANY($2::text[])', [packageId, slugs]);
  }
}

export async function listCategorySlugs(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ slug: string }>('SELECT slug FROM categories ORDER BY slug');
  return rows.map((row) => row.slug);
}

// ---- owners -----------------------------------------------------------------------------------------------------

export async function isOwner(db: Queryable, packageId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM package_owners WHERE package_id = $1 AND user_id = $2', [packageId, userId]);
  return rows.length > 0;
}

export async function addOwner(db: Queryable, packageId: string, userId: string, addedBy: string | null): Promise<void> {
  await db.query('INSERT INTO package_owners (package_id, user_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [packageId, userId, addedBy]);
}

export interface OwnerRow {
  id: string;
  username: string;
  email: string;
  avatar_url: string | null;
}

export async function listOwners(db: Queryable, packageId: string): Promise<OwnerRow[]> {
  const { rows } = await db.query<OwnerRow>(
    `SELECT u.id, u.username, u.email, u.avatar_url FROM package_owners po JOIN users u ON u.id = po.user_id
     WHERE po.package_id = $1 ORDER BY po.created_at, u.username`,
    [packageId],
  );
  return rows;
}

export async function removeOwner(db: Queryable, packageId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM package_owners WHERE package_id = $1 AND user_id = $2', [packageId, userId]);
  return rowCount > 0;
}

export async function deletePackage(db: Queryable, pkg: PackageRow, deletedBy: string): Promise<void> {
  await db.query(
    `INSERT INTO deleted_packages (canonical_name, name, deleted_by) VALUES ($1, $2, $3)
     ON CONFLICT (canonical_name) DO UPDATE SET name = EXCLUDED.name, deleted_by = EXCLUDED.deleted_by, deleted_at = now()`,
    [pkg.canonical_name, pkg.name, deletedBy],
  );
  await db.query('DELETE FROM packages WHERE id = $1', [pkg.id]);
}

// ---- owner invitations ----------------------------------------------------------------------------------------

export interface InvitationRow {
  package_id: string;
  package_name: string;
  invitee_id: string;
  invitee_username: string;
  inviter_username: string | null;
  created_at: Date;
  expires_at: Date;
}

const INVITATION_SELECT = `SELECT i.package_id, p.name AS package_name, i.invitee_id, invitee.username AS invitee_username,
    inviter.username AS inviter_username, i.created_at, i.expires_at
  FROM owner_invitations i JOIN packages p ON p.id = i.package_id JOIN users invitee ON invitee.id = i.invitee_id
  LEFT JOIN users inviter ON inviter.id = i.inviter_id`;

/** Creates an invitation, or renews an existing one (new inviter, new expiry). */
export async function upsertInvitation(db: Queryable, packageId: string, inviteeId: string, inviterId: string, ttlMs: number): Promise<void> {
  await db.query(
    `INSERT INTO owner_invitations (package_id, invitee_id, inviter_id, expires_at) VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)
     ON CONFLICT (package_id, invitee_id) DO UPDATE SET inviter_id = EXCLUDED.inviter_id, created_at = now(), expires_at = EXCLUDED.expires_at`,
    [packageId, inviteeId, inviterId, String(ttlMs)],
  );
}

export async function listInvitationsForUser(db: Queryable, userId: string): Promise<InvitationRow[]> {
  const { rows } = await db.query<InvitationRow>(`${INVITATION_SELECT} WHERE i.invitee_id = $1 AND i.expires_at > now() ORDER BY i.created_at DESC`, [userId]);
  return rows;
}

export async function listInvitationsForPackage(db: Queryable, packageId: string): Promise<InvitationRow[]> {
  const { rows } = await db.query<InvitationRow>(`${INVITATION_SELECT} WHERE i.package_id = $1 AND i.expires_at > now() ORDER BY i.created_at`, [packageId]);
  return rows;
}

/** Removes an invitation and returns it (expired ones included), or null when there was none. */
export async function takeInvitation(db: Queryable, packageId: string, inviteeId: string): Promise<{ expires_at: Date; inviter_id: string | null } | null> {
  const { rows } = await db.query<{ expires_at: Date; inviter_id: string | null }>(
    'DELETE FROM owner_invitations WHERE package_id = $1 AND invitee_id = $2 RETURNING expires_at, inviter_id',
    [packageId, inviteeId],
  );
  return rows[0] ?? null;
}
