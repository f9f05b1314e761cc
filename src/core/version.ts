// SemVer 2.0 versions: strict parsing, precedence, identity, and the rule that picks a package's "latest" version.
// Parsing is strict (no `v` prefix, no leading zeros, no whitespace) because a version string is an identity in the
// index, in URLs and in tarball names: `v1.0.0` or `01.0.0` would be a second spelling of one version.

export const MAX_VERSION_LENGTH = 64;

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Empty for a release. Numeric identifiers are numbers (so they compare numerically), the others strings. */
  prerelease: ReadonlyArray<string | number>;
  /** Kept for display only: precedence and identity ignore it. */
  build: ReadonlyArray<string>;
}

const NUMBER = '0|[1-9][0-9]*';
const PRERELEASE_IDENTIFIER = `(?:${NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_IDENTIFIER = '[0-9A-Za-z-]+';
// The grammar of semver.org, section 9-10, with `\d` spelled out so nothing beyond ASCII digits slips in.
const VERSION = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-(${PRERELEASE_IDENTIFIER}(?:\\.${PRERELEASE_IDENTIFIER})*))?` +
    `(?:\\+(${BUILD_IDENTIFIER}(?:\\.${BUILD_IDENTIFIER})*))?$`,
);
const DIGITS = /^[0-9]+$/;

/** Shared by every version without pre-release or build identifiers (they are read-only). */
const NONE: readonly never[] = Object.freeze([]);

/** Reads a strict SemVer 2.0 version; null when the text is not one, is too long, or holds an unsafe integer. */
export function parseVersion(text: string): Version | null {
  if (text.length > MAX_VERSION_LENGTH) return null;
  return parseRelease(text) ?? parseFull(text);
}

/**
 * The common case, `major.minor.patch` alone, read without the regular expression (the resolver reads every
 * published version of every package it looks at); null for anything else, which parseFull then reads.
 */
function parseRelease(text: string): Version | null {
  // Up to 15 characters, no number can be unsafe.
  if (text.length > 15) return null;
  const parts = [0, 0, 0];
  let part = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (digits === 0 || part === 2) return null;
      part++;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits === 1 && parts[part] === 0) return null; // a leading zero
      parts[part] = parts[part]! * 10 + (code - 48);
      digits++;
    } else {
      return null;
    }
  }
  if (part !== 2 || digits === 0) return null;
  return { major: parts[0]!, minor: parts[1]!, patch: parts[2]!, prerelease: NONE, build: NONE };
}

function parseFull(text: string): Version | null {
  const match = VERSION.exec(text);
  if (match === null) return null;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const patch = Number(match[3]);
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor) || !Number.isSafeInteger(patch)) return null;
  const prerelease: Array<string | number> = [];
  for (const identifier of match[4]?.split('.') ?? []) {
    if (!DIGITS.test(identifier)) {
      prerelease.push(identifier);
      continue;
    }
    const value = Number(identifier);
    // A larger number would compare wrongly once rounded to a double, so such versions are refused outright.
    if (!Number.isSafeInteger(value)) return null;
    prerelease.push(value);
  }
  return { major, minor, patch, prerelease, build: match[5]?.split('.') ?? [] };
}

function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
  if (typeof a === 'number') return -1; // numeric identifiers sort before alphanumeric ones
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0; // identifiers are ASCII, so code-unit order is ASCII order
}

/**
 * Orders pre-release parts by SemVer precedence, where no pre-release at all is the highest (`1.0.0-rc` < `1.0.0`).
 * Returns -1, 0 or 1.
 */
export function comparePrerelease(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  if (a.length === 0 || b.length === 0) return sign(b.length - a.length);
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const order = compareIdentifiers(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return sign(a.length - b.length);
}

/** SemVer precedence: -1, 0 or 1. Build metadata is ignored, so 0 means "the same version" (see versionKey). */
export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return sign(a.major - b.major);
  if (a.minor !== b.minor) return sign(a.minor - b.minor);
  if (a.patch !== b.patch) return sign(a.patch - b.patch);
  return comparePrerelease(a.prerelease, b.prerelease);
}

/** The version's identity: its text without build metadata, so `1.0.0+a` and `1.0.0+b` share one key. */
export function versionKey(version: Version): string {
  const core = `${version.major}.${version.minor}.${version.patch}`;
  return version.prerelease.length === 0 ? core : `${core}-${version.prerelease.join('.')}`;
}

/** The full text, build metadata included; parseVersion reads it back to an equal value. */
export function formatVersion(version: Version): string {
  const key = versionKey(version);
  return version.build.length === 0 ? key : `${key}+${version.build.join('.')}`;
}

export function isPrerelease(version: Version): boolean {
  return version.prerelease.length > 0;
}

/** A sorted copy, highest version first; items of equal precedence keep their input order. */
export function sortVersionsDescending<T>(items: readonly T[], key: (item: T) => Version): T[] {
  return items
    .map((item) => ({ item, version: key(item) }))
    .sort((a, b) => compareVersions(b.version, a.version))
    .map(({ item }) => item);
}

/**
 * The version a package page and `sounio add` offer by default: the highest version that is neither yanked nor a
 * pre-release; failing that the highest non-yanked one; failing that the highest one; null for none. Falling back
 * rather than answering null means a package whose only versions are pre-releases or yanked still has a latest.
 */
export function latestVersion(versions: ReadonlyArray<{ version: Version; yanked: boolean }>): Version | null {
  let best: Version | null = null;
  let bestTier = -1;
  for (const { version, yanked } of versions) {
    const tier = yanked ? 0 : isPrerelease(version) ? 1 : 2;
    if (tier > bestTier || (tier === bestTier && best !== null && compareVersions(version, best) > 0)) {
      best = version;
      bestTier = tier;
    }
  }
  return best;
}
