// `sounio install`, `sounio update` and `sounio tree`: resolve Sounio.toml's dependencies against the registry's
// sparse index, keep the answer in Sounio.lock, and put every package of the graph under vendor/ after checking
// its SHA-256 against the lock. A lock that still satisfies the manifest is used as it is (no index reads at all);
// otherwise only the requirements that changed are re-resolved, the rest keeping their locked versions.
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { DependencySpec, Manifest } from '../../core/manifest.js';
import { canonicalName } from '../../core/names.js';
import { canonicalProvider, displayResolved } from '../../core/canonical-index.js';
import { solve, type IndexDependency, type Resolved } from '../../core/resolver.js';
import { sounioHome } from '../credentials.js';
import { CliError, usageError } from '../errors.js';
import { changedRequirements, lockChanges, lockSatisfies, rootOf, treeLines } from '../graph.js';
import { IndexClient, registryKey } from '../index-client.js';
import { LOCK_NAME, formatLock, readLock, registrySource, writeLock, type Lockfile, type LockedPackage } from '../lockfile.js';
import { Session } from '../session.js';
import { progress, type Progress } from '../terminal.js';
import { MAX_TARBALL_BYTES, VENDOR_DIR, cachedTarballPath, isVendored, mismatch, pruneVendor, sha256, unpack, writeAtomically } from '../vendor.js';
import { readManifest } from './publishing.js';

interface Project {
  dir: string;
  manifest: Manifest;
  lockPath: string;
  /** The dependency lines the root resolves: every kind, optional ones only when a default feature turns them on. */
  dependencies: DependencySpec[];
}

/** Optional dependencies the root's `default` feature turns on (`dep:x`, `x`, `x/f`), followed through features. */
function enabledOptional(manifest: Manifest): Set<string> {
  const enabled = new Set<string>();
  const seen = new Set<string>();
  const optional = new Set(manifest.dependencies.filter((d) => d.optional).map((d) => d.name));
  const visit = (feature: string): void => {
    if (seen.has(feature)) return;
    seen.add(feature);
    for (const value of manifest.features[feature] ?? []) {
      if (value.startsWith('dep:')) enabled.add(value.slice(4));
      else if (value.includes('/')) {
        const [name] = value.split('/');
        if (!name!.endsWith('?') && optional.has(name!)) enabled.add(name!);
      } else if (manifest.features[value] !== undefined) visit(value);
      else if (optional.has(value)) enabled.add(value);
    }
  };
  visit('default');
  return enabled;
}

function openProject(session: Session, path: string | undefined): Project {
  const dir = resolve(path ?? '.');
  const manifest = readManifest(dir, session.terminal, 'build');
  const unsupported = manifest.dependencies.filter((d) => d.source !== 'registry');
  if (unsupported.length > 0) {
    throw new CliError('only registry dependencies can be installed', { details: unsupported.map((d) => `${d.name} is a ${d.source} dependency`) });
  }
  const optional = enabledOptional(manifest);
  return { dir, manifest, lockPath: join(dir, LOCK_NAME), dependencies: manifest.dependencies.filter((d) => !d.optional || optional.has(d.name)) };
}

function indexDependency(dependency: DependencySpec): IndexDependency {
  return {
    name: canonicalName(dependency.name),
    req: dependency.req,
    features: dependency.features,
    optional: dependency.optional,
    default_features: dependency.defaultFeatures,
    kind: dependency.kind,
  };
}

function toLock(project: Project, solution: readonly Resolved[], source: string): Lockfile {
  const byName = new Map(solution.map((pkg) => [canonicalName(pkg.name), pkg]));
  const rootDependencies = [...new Set(project.dependencies.map((d) => canonicalName(d.name)))]
    .map((name) => byName.get(name))
    .filter((pkg): pkg is Resolved => pkg !== undefined)
    .map((pkg) => `${pkg.name} ${pkg.version}`);
  const locked: LockedPackage[] = [
    { name: project.manifest.name, version: project.manifest.version, dependencies: rootDependencies },
    ...solution.map((pkg) => ({ name: pkg.name, version: pkg.version, source, checksum: pkg.checksum, dependencies: pkg.dependencies })),
  ];
  return { version: 1, packages: locked };
}

interface ResolveMode {
  /** Re-resolve these (or all) even when the lock satisfies the manifest. */
  update?: string[] | 'all';
}

/** The lock for the project: the existing one when it still fits, else a new resolution (written to disk). */
async function lockFor(session: Session, project: Project, mode: ResolveMode): Promise<{ lock: Lockfile; before: Lockfile | null; index: IndexClient }> {
  const source = registrySource(session.registry);
  const before = readLock(project.lockPath);
  const index = new IndexClient(session.client(), join(sounioHome(session.env), 'cache'));
  if (mode.update === undefined && before !== null && lockSatisfies(before, project.manifest.name, project.dependencies, source)) {
    return { lock: before, before, index };
  }
  const provider = canonicalProvider(index, project.dependencies.map((d) => d.name));
  const fromThisRegistry = before?.packages.filter((pkg) => pkg.source === source) ?? [];
  const unlock = mode.update ?? changedRequirements(project.dependencies, before, project.manifest.name).map(canonicalName);
  const result = await solve(
    {
      name: project.manifest.name,
      version: project.manifest.version,
      dependencies: project.dependencies.map(indexDependency),
      features: project.manifest.features,
    },
    provider,
    { locked: fromThisRegistry.map((pkg) => ({ name: canonicalName(pkg.name), version: pkg.version })), unlock: unlock === 'all' ? 'all' : unlock.map(canonicalName) },
  );
  if (!result.ok) {
    throw new CliError(result.code === 'resolution_failed' ? 'version solving failed' : 'the dependency graph is too complex to resolve', {
      details: provider.displayText(result.message).split('\n'),
    });
  }
  const lock = toLock(project, displayResolved(result.packages, provider.display), source);
  const { fetched, revalidated } = index.stats;
  session.terminal.err(`Resolved ${result.packages.length} package${result.packages.length === 1 ? '' : 's'} (index files: ${fetched} downloaded, ${revalidated} unchanged)`);
  if (before === null || formatLock(before) !== formatLock(lock)) writeLock(project.lockPath, lock);
  return { lock, before, index };
}

function reportChanges(session: Session, before: Lockfile | null, after: Lockfile): void {
  for (const change of lockChanges(before, after)) {
    if (change.kind === 'adding') session.terminal.err(`    Adding ${change.name} ${change.to}`);
    else if (change.kind === 'removing') session.terminal.err(`  Removing ${change.name} ${change.from}`);
    else session.terminal.err(`  Updating ${change.name} ${change.from} -> ${change.to}`);
  }
}

/** Each package of the lock under vendor/, verified against its checksum; the cache saves downloads. */
async function vendor(session: Session, project: Project, lock: Lockfile, index: IndexClient): Promise<number> {
  const cacheRoot = join(sounioHome(session.env), 'cache');
  const key = registryKey(session.registry);
  const vendorRoot = join(project.dir, VENDOR_DIR);
  const packages = lock.packages.filter((pkg) => pkg.source !== undefined);
  let installed = 0;
  for (const pkg of packages) {
    const checksum = pkg.checksum!;
    if (isVendored(vendorRoot, pkg.name, pkg.version, checksum)) continue;
    const cached = cachedTarballPath(cacheRoot, key, pkg.name, pkg.version);
    let tarball: Buffer | null = null;
    try {
      tarball = readFileSync(cached);
    } catch {
      tarball = null;
    }
    if (tarball !== null) {
      const actual = sha256(tarball);
      if (actual !== checksum) throw mismatch(pkg.name, pkg.version, checksum, actual, `the cached ${cached}`);
    } else {
      const { dl } = await index.config();
      const url = dl.replace('{name}', encodeURIComponent(pkg.name)).replace('{version}', encodeURIComponent(pkg.version));
      let bar: Progress | undefined;
      try {
        tarball = await session.client().download(url, MAX_TARBALL_BYTES, (received, total) => {
          bar ??= progress(session.terminal, `Downloading ${pkg.name} ${pkg.version}`, total ?? received);
          bar.update(received);
        });
      } catch (error) {
        bar?.stop(false);
        throw error;
      }
      bar?.stop();
      const actual = sha256(tarball);
      if (actual !== checksum) throw mismatch(pkg.name, pkg.version, checksum, actual, `the tarball downloaded from ${url}`);
      writeAtomically(cached, tarball);
    }
    await unpack(vendorRoot, pkg.name, pkg.version, checksum, tarball);
    installed++;
  }
  pruneVendor(vendorRoot, new Set(packages.map((pkg) => `${pkg.name}-${pkg.version}`)));
  return installed;
}

async function install(session: Session, options: { path?: string }): Promise<void> {
  const project = openProject(session, options.path);
  const { lock, before, index } = await lockFor(session, project, {});
  reportChanges(session, before, lock);
  const installed = await vendor(session, project, lock, index);
  const total = lock.packages.length - 1;
  session.terminal.out(`${total} package${total === 1 ? '' : 's'} in ${LOCK_NAME}; ${installed} newly unpacked under ${VENDOR_DIR}/.`);
}

async function update(session: Session, name: string | undefined, options: { path?: string }): Promise<void> {
  const project = openProject(session, options.path);
  const existing = readLock(project.lockPath);
  if (name !== undefined && (existing === null || !existing.packages.some((pkg) => pkg.source !== undefined && canonicalName(pkg.name) === canonicalName(name)))) {
    throw usageError(`${name} is not in ${LOCK_NAME}`, 'Run `sounio update` without a name to re-resolve everything.');
  }
  const { lock, before } = await lockFor(session, project, { update: name === undefined ? 'all' : [name] });
  reportChanges(session, before, lock);
  if (lockChanges(before, lock).length === 0) session.terminal.out(`${LOCK_NAME} is up to date.`);
  else session.terminal.out(`Wrote ${LOCK_NAME}; run \`sounio install\` to unpack the changes.`);
}

async function tree(session: Session, options: { path?: string }): Promise<void> {
  const project = openProject(session, options.path);
  const { lock, before } = await lockFor(session, project, {});
  reportChanges(session, before, lock);
  if (session.json) {
    session.printJson(lock);
    return;
  }
  for (const line of treeLines(lock, project.manifest.name)) session.terminal.out(line);
  if (rootOf(lock, project.manifest.name) === undefined) throw new CliError(`${LOCK_NAME} has no entry for ${project.manifest.name}`);
}

export function installCommands(program: Command): void {
  program
    .command('install')
    .description('Resolve dependencies into Sounio.lock and unpack them under vendor/')
    .option('--path <dir>', 'the package directory (default: the current one)')
    .addHelpText('after', '\nExample:\n  $ sounio install && ls vendor/')
    .action((options: { path?: string }, command: Command) => install(new Session(command), options));

  program
    .command('update')
    .description('Re-resolve all dependencies, or one, to the newest allowed versions (writes Sounio.lock)')
    .argument('[package]', 'only this package (and what it needs)')
    .option('--path <dir>', 'the package directory (default: the current one)')
    .addHelpText('after', '\nExamples:\n  $ sounio update\n  $ sounio update stdlib')
    .action((name: string | undefined, options: { path?: string }, command: Command) => update(new Session(command), name, options));

  program
    .command('tree')
    .description('Show the dependency graph as a tree ((*) marks a package shown above)')
    .option('--path <dir>', 'the package directory (default: the current one)')
    .option('--json', 'the lock file as JSON')
    .addHelpText('after', '\nExample:\n  $ sounio tree')
    .action((options: { path?: string }, command: Command) => tree(new Session(command), options));
}
