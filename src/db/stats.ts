// Statistics queries: registry totals and a package's downloads per day and per version. Downloads are kept per UTC
// day (downloads, package_downloads_daily), so "today" is the current UTC date whatever the server's time zone.
import type { Queryable } from '../ports/database.js';

export interface RegistryTotals {
  total_packages: number;
  total_versions: number;
  total_downloads: number;
  total_users: number;
  packages_last_day: number;
  downloads_last_day: number;
}

const TODAY = `(now() AT TIME ZONE 'UTC')::date`;

export async function registryTotals(db: Queryable): Promise<RegistryTotals> {
  const { rows } = await db.query<Record<keyof RegistryTotals, string | number>>(
    `SELECT (SELECT count(*) FROM packages)::int AS total_packages,
            (SELECT count(*) FROM versions)::int AS total_versions,
            (SELECT coalesce(sum(downloads), 0) FROM packages)::bigint AS total_downloads,
            (SELECT count(*) FROM users)::int AS total_users,
            (SELECT count(*) FROM packages WHERE created_at > now() - interval '1 day')::int AS packages_last_day,
            (SELECT coalesce(sum(downloads), 0) FROM package_downloads_daily WHERE date = ${TODAY})::bigint AS downloads_last_day`,
  );
  const row = rows[0]!;
  return {
    total_packages: Number(row.total_packages),
    total_versions: Number(row.total_versions),
    total_downloads: Number(row.total_downloads),
    total_users: Number(row.total_users),
    packages_last_day: Number(row.packages_last_day),
    downloads_last_day: Number(row.downloads_last_day),
  };
}

export interface DailyDownloads {
  date: string;
  downloads: number;
}

export interface StatsWindow {
  /** How many days, ending today; null for all time. */
  days: number | null;
}

/**
 * Downloads per day from the window's first day to today (UTC), oldest first, with 0 for days without downloads.
 * For all time the series starts on the day the package was created or first downloaded, whichever is earlier.
 */
export async function packageDownloadsPerDay(db: Queryable, packageId: string, window: StatsWindow): Promise<DailyDownloads[]> {
  const { rows } = await db.query<{ date: string; downloads: string }>(
    `WITH bounds AS (
       SELECT CASE WHEN $2::int IS NULL
                THEN least((SELECT (created_at AT TIME ZONE 'UTC')::date FROM packages WHERE id = $1),
                           (SELECT min(date) FROM package_downloads_daily WHERE package_id = $1))
                ELSE ${TODAY} - ($2::int - 1) END AS first_day,
              ${TODAY} AS last_day
     )
     SELECT to_char(day, 'YYYY-MM-DD') AS date, coalesce(d.downloads, 0)::bigint AS downloads
     FROM bounds, generate_series(bounds.first_day::timestamp, bounds.last_day::timestamp, interval '1 day') AS day
     LEFT JOIN package_downloads_daily d ON d.package_id = $1 AND d.date = day::date
     ORDER BY day`,
    [packageId, window.days],
  );
  return rows.map((row) => ({ date: row.date, downloads: Number(row.downloads) }));
}

/** Downloads of each version of the package within the window (every version, 0 when none). */
export async function packageDownloadsPerVersion(db: Queryable, packageId: string, window: StatsWindow): Promise<Array<{ version: string; downloads: number }>> {
  const { rows } = await db.query<{ version: string; downloads: string }>(
    `SELECT v.version, coalesce(sum(d.downloads), 0)::bigint AS downloads
     FROM versions v
     LEFT JOIN downloads d ON d.version_id = v.id AND ($2::int IS NULL OR d.date > ${TODAY} - $2::int)
     WHERE v.package_id = $1
     GROUP BY v.id, v.version
     ORDER BY v.version`,
    [packageId, window.days],
  );
  return rows.map((row) => ({ version: row.version, downloads: Number(row.downloads) }));
}
