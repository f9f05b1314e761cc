// Repairs an operator runs from the command line (`sounio-registry admin delete-package | gc-blobs |
// recount-downloads`), each doing what the running registry does for the same change: the API's package deletion
// (services/packages.ts), the blob sweep job (jobs/blob-sweep.ts), and the download flush's arithmetic
// (db/downloads.ts) redone from the per-day tables. Every change drops cached documents through packageChanged.
import type { Context } from '../context.js';
import { findUserByUsername, type UserRow } from '../db/users.js';
import { listVersions } from '../db/versions.js';
import { AppError } from '../errors.js';
import { SWEEP_GRACE_MS, sweepBlobs } from '../jobs/blob-sweep.js';
import type { Principal } from './authentication.js';
import { packageChanged } from './package-events.js';
import { deletePackage, requirePackage } from './packages.js';

/** What the audit log records as the user agent of a command-line change. */
export const ADMIN_USER_AGENT = 'sounio-registry admin';

/**
 * The principal of a deletion made at the command line. With `by`, that admin account (recorded as the deleter);
 * without, the operator console itself: an admin without an account, recorded with no user (deleted_packages.deleted_by
 * and audit_log.user_id are nullable for exactly this: they are set null when an account goes away, too).
 */
async function operatorPrincipal(ctx: Context, by: string | undefined): Promise<Principal> {
  let user: UserRow;
  if (by !== undefined) {
    const found = await findUserByUsername(ctx.db, by);
    if (found === null) throw new AppError(404, 'not_found', `there is no user named ${by}`);
    if (!found.is_admin) throw new AppError(403, 'admin_required', `${found.username} is not a registry administrator`);
    user = found;
  } else {
    const now = new Date();
    user = {
      id: null as unknown as string,
      username: ADMIN_USER_AGENT,
      email: '',
      email_verified: true,
      password_hash: null,
      avatar_url: null,
      bio: null,
      location: null,
      website: null,
      github_username: null,
      is_admin: true,
      is_suspended: false,
      credentials_changed_at: now,
      created_at: now,
      updated_at: now,
    };
  }
  return { user, via: 'login', scopes: ['admin'], packages: null, tokenId: null };
}

/**
 * Deletes a package as `DELETE /api/v1/packages/{name}` by an admin does (the same service): the name is kept in
 * deleted_packages, an audit event is written, cached documents are dropped. Its tarballs stay in the blob store for
 * the blob sweep (or gc-blobs), which removes them once no version of any package references them.
 */
export async function adminDeletePackage(ctx: Context, name: string, options: { by?: string } = {}): Promise<string> {
  const principal = await operatorPrincipal(ctx, options.by);
  const pkg = await requirePackage(ctx.db, name);
  const versions = (await listVersions(ctx.db, pkg.id)).length;
  await deletePackage(ctx, principal, pkg.name, { userAgent: ADMIN_USER_AGENT });
  const grace = formatDuration(SWEEP_GRACE_MS);
  return (
    `deleted package ${pkg.name} (${versions} version${versions === 1 ? '' : 's'})${options.by !== undefined ? ` as ${principal.user.username}` : ''}; ` +
    `its name can only be taken again by an admin; tarballs no other version uses are removed by the blob sweep or gc-blobs once older than ${grace}`
  );
}

function formatDuration(ms: number): string {
  return ms % 3600_000 === 0 ? `${ms / 3600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Removes the blobs no version references that are older than the sweep's grace period; one line per blob to `removed`. */
export async function adminGcBlobs(ctx: Context, removed: (key: string) => void = () => {}): Promise<string> {
  const keys = await sweepBlobs(ctx);
  for (const key of keys) removed(key);
  const grace = formatDuration(SWEEP_GRACE_MS);
  return keys.length === 0
    ? `no unreferenced blobs older than ${grace}`
    : `removed ${keys.length} unreferenced blob${keys.length === 1 ? '' : 's'} older than ${grace}`;
}

export interface RecountSummary {
  /** One line per corrected row, e.g. `alpha 1.0.0: downloads 999 -> 3`. */
  changes: string[];
  versionsCorrected: number;
  dailyRowsCorrected: number;
  packagesCorrected: number;
  /** The packages whose cached documents were dropped. */
  packages: string[];
}

/**
 * Recomputes the download totals from the per-version per-day table (downloads), the table every counted download
 * reaches first: the per-package per-day table (package_downloads_daily) as its sums, versions.downloads,
 * packages.downloads, and packages.recent_downloads (the last 90 days, as the flush computes it). Only rows that
 * differ are written. One transaction, which makes concurrent flushes wait (and a second recount) so that no
 * download counted meanwhile is lost. Totals that have no per-day rows at all (a corpus from `admin seed`) become 0.
 */
export async function recountDownloads(ctx: Context): Promise<RecountSummary> {
  const result = await ctx.db.transaction(async (tx) => {
    // SHARE ROW EXCLUSIVE: flushes (which write both tables) wait for this transaction; so does another recount.
    await tx.query('LOCK TABLE downloads, package_downloads_daily IN SHARE ROW EXCLUSIVE MODE');
    const versions = await tx.query<{ package_id: string; name: string; version: string; old: string; n: string }>(
      `UPDATE versions v SET downloads = s.n
       FROM (SELECT v2.id, v2.downloads AS old, coalesce(d.n, 0)::bigint AS n
               FROM versions v2 LEFT JOIN (SELECT version_id, sum(downloads) AS n FROM downloads GROUP BY version_id) d ON d.version_id = v2.id) s,
            packages p
       WHERE v.id = s.id AND s.old <> s.n AND p.id = v.package_id
       RETURNING v.package_id, p.name, v.version, s.old::text AS old, s.n::text AS n`,
    );
    const truth = `SELECT v.package_id, d.date, sum(d.downloads)::bigint AS n FROM downloads d JOIN versions v ON v.id = d.version_id GROUP BY v.package_id, d.date`;
    const upserted = await tx.query<{ package_id: string }>(
      `INSERT INTO package_downloads_daily (package_id, date, downloads)
       SELECT t.package_id, t.date, t.n FROM (${truth}) t
         LEFT JOIN package_downloads_daily p ON p.package_id = t.package_id AND p.date = t.date
       WHERE p.downloads IS DISTINCT FROM t.n
       ON CONFLICT (package_id, date) DO UPDATE SET downloads = EXCLUDED.downloads
       RETURNING package_id`,
    );
    const removed = await tx.query<{ package_id: string }>(
      `DELETE FROM package_downloads_daily p
       WHERE NOT EXISTS (SELECT 1 FROM downloads d JOIN versions v ON v.id = d.version_id WHERE v.package_id = p.package_id AND d.date = p.date)
       RETURNING package_id`,
    );
    const packages = await tx.query<{ id: string; name: string; old_total: string; total: string; old_recent: string; recent: string }>(
      `UPDATE packages p SET downloads = s.total, recent_downloads = s.recent
       FROM (SELECT p2.id, p2.downloads AS old_total, p2.recent_downloads AS old_recent,
                    coalesce(t.total, 0)::bigint AS total, coalesce(t.recent, 0)::bigint AS recent
               FROM packages p2 LEFT JOIN (
                 SELECT package_id, sum(downloads) AS total, sum(downloads) FILTER (WHERE date > current_date - 90) AS recent
                 FROM package_downloads_daily GROUP BY package_id) t ON t.package_id = p2.id) s
       WHERE p.id = s.id AND (s.old_total <> s.total OR s.old_recent <> s.recent)
       RETURNING p.id, p.name, s.old_total::text AS old_total, s.total::text AS total, s.old_recent::text AS old_recent, s.recent::text AS recent`,
    );
    const dailyByPackage = new Map<string, number>();
    for (const row of [...upserted.rows, ...removed.rows]) dailyByPackage.set(row.package_id, (dailyByPackage.get(row.package_id) ?? 0) + 1);
    const ids = [...new Set([...versions.rows.map((row) => row.package_id), ...dailyByPackage.keys(), ...packages.rows.map((row) => row.id)])];
    const names = ids.length === 0 ? [] : (await tx.query<{ id: string; name: string }>('SELECT id, name FROM packages WHERE id = ANY($1::uuid[])', [ids])).rows;
    return { versions: versions.rows, dailyByPackage, packages: packages.rows, names: new Map(names.map((row) => [row.id, row.name])) };
  });

  const changes: string[] = [];
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const row of [...result.versions].sort((a, b) => byName(a, b) || (a.version < b.version ? -1 : 1))) {
    changes.push(`${row.name} ${row.version}: downloads ${row.old} -> ${row.n}`);
  }
  const daily = [...result.dailyByPackage].map(([id, count]) => ({ name: result.names.get(id) ?? id, count })).sort(byName);
  for (const { name, count } of daily) changes.push(`${name}: ${count} per-day row${count === 1 ? '' : 's'} corrected`);
  for (const row of [...result.packages].sort(byName)) {
    const parts = [
      ...(row.old_total !== row.total ? [`downloads ${row.old_total} -> ${row.total}`] : []),
      ...(row.old_recent !== row.recent ? [`recent downloads ${row.old_recent} -> ${row.recent}`] : []),
    ];
    changes.push(`${row.name}: ${parts.join(', ')}`);
  }
  const packages = [...result.names.values()].sort();
  // After the commit, as every other change does: a document built from the old counts is not served again.
  for (const name of packages) await packageChanged(ctx, name, 'counts');
  return {
    changes,
    versionsCorrected: result.versions.length,
    dailyRowsCorrected: daily.reduce((sum, entry) => sum + entry.count, 0),
    packagesCorrected: result.packages.length,
    packages,
  };
}

export async function adminRecountDownloads(ctx: Context, change: (line: string) => void = () => {}): Promise<string> {
  const summary = await recountDownloads(ctx);
  for (const line of summary.changes) change(line);
  if (summary.changes.length === 0) return 'download counts agree with the per-day table: nothing to correct';
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return (
    `corrected ${plural(summary.versionsCorrected, 'version total')}, ${plural(summary.dailyRowsCorrected, 'per-day package row')}, ` +
    `${plural(summary.packagesCorrected, 'package total')}; dropped the cached documents of ${plural(summary.packages.length, 'package')}`
  );
}
