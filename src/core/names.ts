// Package names: the format the contract sets, the canonical form that makes `foo-bar` and `foo_bar` the same
// package, the names only admins may take, and the look-alike skeleton that stops `seri0us` next to `serious`.
// The database computes the same canonical form and skeleton (migrations 001 and 002) to enforce them.

export const PACKAGE_NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;

export function isValidPackageName(name: string): boolean {
  return PACKAGE_NAME_RE.test(name);
}

/** Lower case, `-` and `_` the same (as canonical_package_name() in SQL). */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/** Dropping separators and mapping look-alike characters (as package_name_skeleton() in SQL). */
export function nameSkeleton(name: string): string {
  return name
    .toLowerCase()
    .replace(/[-_.]/g, '')
    .replace(/0/g, 'o')
    .replace(/[1il]/g, 'l');
}

const RESERVED = new Set([
  'stdlib',
  'std',
  'core',
  'sounio',
  'souc',
  'registry',
  // Windows device names: a package directory with such a name cannot be created on Windows.
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

/** Names only an admin may create (the language's own packages, and names that break on some systems). */
export function isReservedName(name: string): boolean {
  return RESERVED.has(canonicalName(name).replace(/_/g, ''));
}
