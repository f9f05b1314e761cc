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
