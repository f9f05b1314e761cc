// Moving counted downloads into the database, in one batch: per version per day, per package per day, and the
// totals (versions.downloads, packages.downloads, recent_downloads over 90 days). Versions deleted meanwhile are
// skipped. Returns the names of the packages whose counts changed.
import type { Queryable } from '../ports/database.js';

export interface DownloadCount {
  versionId: string;
  /** YYYY-MM-DD (UTC). */
  date: string;
  count: number;
}

export async function applyDownloadCounts(db: Queryable, counts: DownloadCount[]): Promise<string[]> {
  if (counts.length === 0) return [];
  const params = [counts.map((c) => c.versionId), counts.map((c) => c.date), counts.map((c) => c.count)];
  const input = `SELECT i.version_id, i.date, i.n, v.package_id FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS i(version_id, date, n)
    JOIN versions v ON v.id = i.version_id`;
  await db.query(
    `INSERT INTO downloads (version_id, date, downloads)
     SELECT version_id, date, sum(n) FROM (${input}) x GROUP BY version_id, date
     ON CONFLICT (version_id, date) DO UPDATE SET downloads = downloads.downloads + EXCLUDED.downloads`,
    params,
  );
  await db.query(
    `UPDATE versions v SET downloads = v.downloads + s.n
     FROM (SELECT version_id, sum(n) AS n FROM (${input}) x GROUP BY version_id) s WHERE v.id = s.version_id`,
    params,
  );
  await db.query(
    `INSERT INTO package_downloads_daily (package_id, date, downloads)
     SELECT package_id, date, sum(n) FROM (${input}) x GROUP BY package_id, date
     ON CONFLICT (package_id, date) DO UPDATE SET downloads = package_downloads_daily.downloads + EXCLUDED.downloads`,
    params,
  );
  const { rows } = await db.query<{ name: string }>(
    `UPDATE packages p SET downloads = p.downloads + s.n,
       recent_downloads = (SELECT coalesce(sum(d.downloads), 0) FROM package_downloads_daily d WHERE d.package_id = p.id AND d.date > current_date - 90)
     FROM (SELECT package_id, sum(n) AS n FROM (${input}) x GROUP BY package_id) s WHERE p.id = s.package_id
     RETURNING p.name`,
    params,
  );
  return rows.map((row) => row.name);
}
