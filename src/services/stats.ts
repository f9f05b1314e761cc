// Statistics: the registry's totals (the contract's RegistryStats) and a package's downloads within a period (its
// PackageStats). Download counts reach the database through the flush job, a few seconds after the downloads.
import type { Context } from '../context.js';
import { findPackageByName } from '../db/packages.js';
import { packageDownloadsPerDay, packageDownloadsPerVersion, registryTotals, type DailyDownloads, type RegistryTotals } from '../db/stats.js';
import { notFound } from '../errors.js';

export const STATS_PERIODS = ['day', 'week', 'month', 'year', 'all'] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];

/** Days in each period, today (UTC) included; null: since the package began. */
const PERIOD_DAYS: Record<StatsPeriod, number | null> = { day: 1, week: 7, month: 30, year: 365, all: null };

export function registryStats(ctx: Context): Promise<RegistryTotals> {
  return registryTotals(ctx.db);
}

export interface PackageStatsView {
  total_downloads: number;
  downloads_by_version: Record<string, number>;
  downloads_over_time: DailyDownloads[];
}

export async function packageStats(ctx: Context, name: string, period: StatsPeriod): Promise<PackageStatsView> {
  const pkg = await findPackageByName(ctx.db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  const window = { days: PERIOD_DAYS[period] };
  const [days, versions] = await Promise.all([packageDownloadsPerDay(ctx.db, pkg.id, window), packageDownloadsPerVersion(ctx.db, pkg.id, window)]);
  return {
    total_downloads: days.reduce((sum, day) => sum + day.downloads, 0),
    downloads_by_version: Object.fromEntries(versions.map((version) => [version.version, version.downloads])),
    downloads_over_time: days,
  };
}

/** A package's downloads per day over the last `days` days (today included), oldest first: the web page's chart. */
export async function packageDailyDownloads(ctx: Context, name: string, days: number): Promise<DailyDownloads[]> {
  const pkg = await findPackageByName(ctx.db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  return packageDownloadsPerDay(ctx.db, pkg.id, { days });
}
