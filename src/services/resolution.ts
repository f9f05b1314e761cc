// POST /resolve: the registry resolves a set of requirements for a client that does not run a solver itself. The
// same solver as `sounio install`, reading index files from the same cache the index routes serve, inside a time
// budget and a package count so that a request cannot buy unbounded CPU.
import type { Context } from '../context.js';
import { canonicalProvider, displayResolved } from '../core/canonical-index.js';
import { canonicalName } from '../core/names.js';
import { parseRequirement } from '../core/requirement.js';
import { solve, type IndexEntry, type LockedPackage } from '../core/resolver.js';
import { parseVersion } from '../core/version.js';
import { AppError } from '../errors.js';
import { indexFileCached } from './index-files.js';

const ROOT_NAME = 'your-request';

export interface ResolveInput {
  dependencies: Record<string, string>;
  lock?: LockedPackage[];
}

export interface ResolvedPackage {
  name: string;
  version: string;
  checksum: string;
  dependencies: string[];
}

async function indexEntries(ctx: Context, name: string): Promise<IndexEntry[]> {
  try {
    const file = await indexFileCached(ctx, name);
    return file.body
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as IndexEntry);
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return [];
    throw error;
  }
}

export async function resolveRequirements(ctx: Context, input: ResolveInput): Promise<{ packages: ResolvedPackage[] }> {
  for (const [name, req] of Object.entries(input.dependencies)) {
    const parsed = parseRequirement(req);
    if (!parsed.ok) throw new AppError(400, 'invalid_requirement', `The requirement of ${name} ("${req}") is not valid: ${parsed.message}`, { field: `dependencies.${name}` });
  }
  for (const [i, locked] of (input.lock ?? []).entries()) {
    if (parseVersion(locked.version) === null) throw new AppError(400, 'invalid_version', `lock[${i}]: "${locked.version}" is not a SemVer version`, { field: `lock.${i}.version` });
  }
  const provider = canonicalProvider({ versions: (name) => indexEntries(ctx, name) }, Object.keys(input.dependencies));
  const result = await solve(
    {
      name: ROOT_NAME,
      version: '0.0.0',
      dependencies: Object.entries(input.dependencies).map(([name, req]) => ({
        name: canonicalName(name),
        req,
        features: [],
        optional: false,
        default_features: true,
        kind: 'normal' as const,
      })),
    },
    provider,
    {
      locked: (input.lock ?? []).map((locked) => ({ name: canonicalName(locked.name), version: locked.version })),
      timeBudgetMs: ctx.config.resolveTimeBudgetMs,
      maxPackages: ctx.config.resolveMaxPackages,
    },
  );
  if (!result.ok) {
    const details = result.code === 'resolution_failed' ? { packages: result.details.packages.map(provider.display) } : { ...result.details };
    throw new AppError(422, result.code, provider.displayText(result.message), details);
  }
  return {
    packages: displayResolved(result.packages, provider.display).map(({ name, version, checksum, dependencies }) => ({ name, version, checksum, dependencies })),
  };
}
