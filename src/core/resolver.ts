// Dependency resolution: which version of each package a project gets, or, when there is none that works, why.
// `solve` runs PubGrub (Dart pub's solver, as in pubgrub-rs and uv) over the registry's index entries, read through
// a PackageProvider, so the same code serves the `sounio` CLI (reading the sparse index over HTTP) and the server's
// resolve route (reading the database). Cargo's meaning throughout: requirements as Cargo reads them, the highest
// compatible versions, yanked versions only when the lock holds them, the root's dev-dependencies but no one
// else's, and optional dependencies turned on by features.
//
// The pieces: version-set.ts (the set algebra of requirements), resolver/packages.ts (versions, features as
// virtual packages), resolver/position-set.ts (the solver's sets: bit sets over a package's published versions),
// resolver/solver.ts (the PubGrub loop), resolver/partial-solution.ts (assignments and chronological
// backtracking), resolver/report.ts (failures as sentences).
import { parseVersion, versionKey } from './version.js';
import { Budget, LimitExceeded } from './resolver/budget.js';
import { Registry } from './resolver/packages.js';
import { explain, involvedPackages } from './resolver/report.js';
import { Solver } from './resolver/solver.js';

/** One dependency line of an index entry, as the sparse index serves it. */
export interface IndexDependency {
  name: string;
  req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  kind: 'normal' | 'dev' | 'build';
}

/** One version of a package, as one line of the sparse index. */
export interface IndexEntry {
  name: string;
  vers: string;
  deps: IndexDependency[];
  cksum: string;
  features: Record<string, string[]>;
  yanked: boolean;
}

export interface PackageProvider {
  /** Every version of the package, yanked ones included; [] for an unknown package. */
  versions(name: string): Promise<readonly IndexEntry[]> | readonly IndexEntry[];
}

/** The project being resolved. Its dev-dependencies count; its `default` feature, if declared, is on. */
export interface RootSpec {
  name: string;
  version: string;
  dependencies: IndexDependency[];
  features?: Record<string, string[]>;
}

export interface LockedPackage {
  name: string;
  version: string;
}

export interface SolveOptions {
  /** Versions from the lock file: tried first, and kept even when yanked. */
  locked?: LockedPackage[];
  /** Give up past this many milliseconds (default 5000). */
  timeBudgetMs?: number;
  /** Give up after reading more than this many distinct packages (default 2000). */
  maxPackages?: number;
  /** Packages whose locked versions are ignored (`sounio update NAME`), or all of them. */
  unlock?: string[] | 'all';
  /**
   * Incompatibilities with more terms than this are watched by two of their terms rather than listed under each
   * package (solver.ts WATCHED_TERMS by default): a tuning knob, which the tests turn down to watch nearly all.
   */
  watchedTerms?: number;
}

export interface Resolved {
  name: string;
  version: string;
  checksum: string;
  /** "name version" of each dependency in use, sorted. */
  dependencies: string[];
  /** The enabled features, sorted. */
  features: string[];
}

export type SolveFailure =
  | { ok: false; code: 'resolution_failed'; message: string; details: { packages: string[] } }
  | {
      ok: false;
      code: 'resolution_too_complex';
      message: string;
      details: { limit: 'timeBudgetMs' | 'maxPackages'; value: number };
    };

export type SolveResult =
  | { ok: true; /** Sorted by name, the root left out. */ packages: Resolved[] }
  | SolveFailure;

export const DEFAULT_TIME_BUDGET_MS = 5000;
export const DEFAULT_MAX_PACKAGES = 2000;

export async function solve(root: RootSpec, provider: PackageProvider, options: SolveOptions = {}): Promise<SolveResult> {
  const rootVersion = parseVersion(root.version);
  if (rootVersion === null) {
    return {
      ok: false,
      code: 'resolution_failed',
      message: `${root.name}'s version \`${root.version}\` is not a valid SemVer version, so version solving failed.`,
      details: { packages: [] },
    };
  }
  const budget = new Budget(options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS, options.maxPackages ?? DEFAULT_MAX_PACKAGES);
  const rootEntry: IndexEntry = {
    name: root.name,
    vers: root.version,
    deps: root.dependencies,
    cksum: '',
    features: root.features ?? {},
    yanked: false,
  };
  const registry = new Registry(rootEntry, rootVersion, provider, budget, lockedVersions(options));
  const identity = { pkg: registry.real(root.name), version: rootVersion };
  try {
    const outcome = await new Solver(registry, identity, budget, options.watchedTerms).run();
    if (outcome.ok) return outcome;
    return {
      ok: false,
      code: 'resolution_failed',
      message: explain(outcome.failure, identity),
      details: { packages: involvedPackages(outcome.failure, identity) },
    };
  } catch (error) {
    if (error instanceof LimitExceeded) return tooComplex(error);
    throw error;
  }
}

/** The locked version of each package still locked, by name, as version keys. */
function lockedVersions(options: SolveOptions): Map<string, string> {
  const locked = new Map<string, string>();
  if (options.unlock === 'all') return locked;
  const unlocked = new Set(options.unlock ?? []);
  for (const { name, version } of options.locked ?? []) {
    const parsed = parseVersion(version);
    if (parsed !== null && !unlocked.has(name)) locked.set(name, versionKey(parsed));
  }
  return locked;
}

function tooComplex({ limit, value }: LimitExceeded): SolveFailure {
  const message =
    limit === 'timeBudgetMs'
      ? `Version solving took longer than its time budget of ${value} ms, so it was stopped: the dependency graph is too complex to resolve here.`
      : `Version solving needed more than ${value} packages, so it was stopped: the dependency graph is too large to resolve here.`;
  return { ok: false, code: 'resolution_too_complex', message, details: { limit, value } };
}
