// Sounio.lock: the exact versions a package was built with, written by `sounio install` and `sounio update`.
//
//   version = 1
//
//   [[package]]
//   name = "my-package"            # the root: no source, no checksum
//   version = "0.1.0"
//   dependencies = ["stdlib 1.0.0"]
//
//   [[package]]
//   name = "stdlib"
//   version = "1.0.0"
//   source = "registry+http://localhost:3000"
//   checksum = "<sha256 of the tarball>"
//   dependencies = []
//
// Packages are sorted by name, then version, and dependency lists are sorted, so the file only changes when the
// graph does and diffs stay readable.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'smol-toml';
import { compareVersions, parseVersion } from '../core/version.js';
import { CliError } from './errors.js';

export const LOCK_NAME = 'Sounio.lock';
export const LOCK_VERSION = 1;

export interface LockedPackage {
  name: string;
  version: string;
  /** `registry+<url>`; absent for the root. */
  source?: string;
  /** Absent for the root. */
  checksum?: string;
  /** `name version` of each dependency, sorted. */
  dependencies: string[];
}

export interface Lockfile {
  version: number;
  packages: LockedPackage[];
}

export const registrySource = (registry: string) => `registry+${registry}`;

function compareLocked(a: LockedPackage, b: LockedPackage): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const va = parseVersion(a.version);
  const vb = parseVersion(b.version);
  return va !== null && vb !== null ? compareVersions(va, vb) : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

export function sortLock(packages: LockedPackage[]): LockedPackage[] {
  return [...packages].map((pkg) => ({ ...pkg, dependencies: [...pkg.dependencies].sort() })).sort(compareLocked);
}

/** The lock file in `path`, or null when there is none. A broken file is an error that names it. */
export function readLock(path: string): Lockfile | null {
  if (!existsSync(path)) return null;
  const broken = (why: string) => new CliError(`${path} is not a valid lock file: ${why}`, { hint: `Delete it and run \`sounio install\` to write a new one.` });
  let data: Record<string, unknown>;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw broken((error as Error).message.split('\n')[0]!);
  }
  if (data['version'] !== LOCK_VERSION) throw broken(`version must be ${LOCK_VERSION}`);
  const entries = data['package'] ?? [];
  if (!Array.isArray(entries)) throw broken('[[package]] must be an array of tables');
  const packages = entries.map((entry: unknown, i): LockedPackage => {
    const table = entry as Record<string, unknown>;
    const text = (key: string) => (typeof table[key] === 'string' ? (table[key] as string) : undefined);
    const name = text('name');
    const version = text('version');
    const dependencies = table['dependencies'] ?? [];
    if (name === undefined || version === undefined || parseVersion(version) === null) throw broken(`package ${i + 1} needs a name and a valid version`);
    if (!Array.isArray(dependencies) || !dependencies.every((d) => typeof d === 'string')) throw broken(`dependencies of ${name} must be strings`);
    const source = text('source');
    const checksum = text('checksum');
    if (checksum !== undefined && !/^[0-9a-f]{64}$/.test(checksum)) throw broken(`the checksum of ${name} ${version} is not a SHA-256`);
    return { name, version, ...(source !== undefined && { source }), ...(checksum !== undefined && { checksum }), dependencies: dependencies as string[] };
  });
  return { version: LOCK_VERSION, packages };
}

export function formatLock(lock: Lockfile): string {
  const packages = sortLock(lock.packages).map((pkg) => ({
    name: pkg.name,
    version: pkg.version,
    ...(pkg.source !== undefined && { source: pkg.source }),
    ...(pkg.checksum !== undefined && { checksum: pkg.checksum }),
    dependencies: pkg.dependencies,
  }));
  return `# Written by sounio; do not edit by hand.\n${stringify({ version: LOCK_VERSION, package: packages })}\n`;
}

/** Writes the lock atomically (a reader never sees half a file). */
export function writeLock(path: string, lock: Lockfile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, formatLock(lock));
  renameSync(temporary, path);
}
