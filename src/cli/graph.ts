// Reading a lock file as a graph: whether it still satisfies the manifest (then `sounio install` uses it as it
// is), which requirements changed (only those are re-resolved), what changed between two locks (for `sounio update`)
// and the indented tree of `sounio tree`.
import type { DependencySpec } from '../core/manifest.js';
import { canonicalName } from '../core/names.js';
import { matches, parseRequirement } from '../core/requirement.js';
import { parseVersion } from '../core/version.js';
import type { Lockfile, LockedPackage } from './lockfile.js';

const keyOf = (pkg: { name: string; version: string }) => `${pkg.name} ${pkg.version}`;

function splitKey(key: string): { name: string; version: string } {
  const space = key.indexOf(' ');
  return { name: key.slice(0, space), version: key.slice(space + 1) };
}

export function rootOf(lock: Lockfile, name: string): LockedPackage | undefined {
  return lock.packages.find((pkg) => pkg.source === undefined && canonicalName(pkg.name) === canonicalName(name));
}

function satisfied(dependency: DependencySpec, version: string): boolean {
  const requirement = parseRequirement(dependency.req);
  const parsed = parseVersion(version);
  return requirement.ok && parsed !== null && matches(requirement.requirement, parsed);
}

/**
 * Root dependencies whose requirement the lock no longer meets (changed, or new): the names to re-resolve. Empty
 * when every dependency the root lists in the lock still matches the manifest.
 */
export function changedRequirements(dependencies: readonly DependencySpec[], lock: Lockfile | null, rootName: string): string[] {
  const root = lock === null ? undefined : rootOf(lock, rootName);
  const locked = new Map((root?.dependencies ?? []).map((key) => splitKey(key)).map((pkg) => [canonicalName(pkg.name), pkg.version]));
  return dependencies.filter((dependency) => {
    const version = locked.get(canonicalName(dependency.name));
    return version === undefined || !satisfied(dependency, version);
  }).map((dependency) => dependency.name);
}

/**
 * Whether the lock can be used as it is: it comes from this registry, it is closed (every dependency it names is
 * in it, with a checksum), and the root's locked dependencies are exactly `dependencies`, each still matching.
 */
export function lockSatisfies(lock: Lockfile, rootName: string, dependencies: readonly DependencySpec[], source: string): boolean {
  const root = rootOf(lock, rootName);
  if (root === undefined) return false;
  const byKey = new Map(lock.packages.map((pkg) => [keyOf(pkg), pkg]));
  for (const pkg of lock.packages) {
    if (pkg !== root && (pkg.source !== source || pkg.checksum === undefined)) return false;
    if (!pkg.dependencies.every((key) => byKey.has(key))) return false;
  }
  const wanted = new Set(dependencies.map((dependency) => canonicalName(dependency.name)));
  const listed = new Set(root.dependencies.map((key) => canonicalName(splitKey(key).name)));
  if (wanted.size !== listed.size || [...wanted].some((name) => !listed.has(name))) return false;
  return changedRequirements(dependencies, lock, rootName).length === 0;
}

export interface LockChange {
  kind: 'adding' | 'updating' | 'removing';
  name: string;
  from?: string;
  to?: string;
}

/** What differs between two locks, by package name (the root left out). */
export function lockChanges(before: Lockfile | null, after: Lockfile): LockChange[] {
  const versions = (lock: Lockfile | null) => {
    const map = new Map<string, string[]>();
    for (const pkg of lock?.packages ?? []) {
      if (pkg.source === undefined) continue;
      map.set(pkg.name, [...(map.get(pkg.name) ?? []), pkg.version]);
    }
    return map;
  };
  const old = versions(before);
  const now = versions(after);
  const changes: LockChange[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const was = old.get(name) ?? [];
    const is = now.get(name) ?? [];
    if (was.length === 0) for (const to of is) changes.push({ kind: 'adding', name, to });
    else if (is.length === 0) for (const from of was) changes.push({ kind: 'removing', name, from });
    else if (was.join() !== is.join()) changes.push({ kind: 'updating', name, from: was.join(', '), to: is.join(', ') });
  }
  return changes;
}

/** The graph under the root as an indented tree; a package shown before is marked `(*)` and not expanded again. */
export function treeLines(lock: Lockfile, rootName: string): string[] {
  const root = rootOf(lock, rootName);
  if (root === undefined) return [];
  const byKey = new Map(lock.packages.map((pkg) => [keyOf(pkg), pkg]));
  const lines = [keyOf(root)];
  const shown = new Set<string>();
  const walk = (pkg: LockedPackage, prefix: string): void => {
    const children = [...pkg.dependencies].sort();
    children.forEach((key, i) => {
      const last = i === children.length - 1;
      const child = byKey.get(key);
      const repeat = shown.has(key);
      lines.push(`${prefix}${last ? '└── ' : '├── '}${key}${repeat ? ' (*)' : ''}`);
      if (repeat || child === undefined) return;
      shown.add(key);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root, '');
  return lines;
}
