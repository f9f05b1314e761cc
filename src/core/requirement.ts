// Version requirements with Cargo's meaning, read and evaluated as the semver crate behind Cargo does it, so that a
// dependency line means the same to the registry, to the `sounio` CLI and to a Rust user reading the manifest:
// `1.2` and `^1.2` mean `>=1.2.0, <2.0.0`, comparators joined by `,` must all hold, and a pre-release version matches
// only when a comparator names a pre-release of its major.minor.patch. npm's syntax (`||`, `1.2 - 1.4`, `1.x`) is
// refused rather than guessed at, with the position of the first character that does not fit.
import { comparePrerelease, compareVersions, type Version } from './version.js';

export const MAX_REQUIREMENT_LENGTH = 256;

export type Operator = '^' | '~' | '=' | '>' | '>=' | '<' | '<=' | '*';

export interface Comparator {
  /** `*` is a wildcard such as `1.*` or `1.2.*`; a version without an operator is read as `^`. */
  op: Operator;
  major: number;
  /** Absent in a partial version (`^1`, `1.*`). */
  minor?: number;
  /** Absent in a partial version (`^1.2`, `1.2.*`). */
  patch?: number;
  /** Only a full version carries one. */
  prerelease: ReadonlyArray<string | number>;
}

export interface Requirement {
  /** All must hold. Empty for `*`, which allows every release. */
  comparators: ReadonlyArray<Comparator>;
}

export type RequirementParseResult =
  | { ok: true; requirement: Requirement }
  | { ok: false; message: string; index: number };

/** A half-open interval of versions in SemVer precedence order; null is unbounded. */
export interface VersionInterval {
  /** Inclusive. */
  lower: Version | null;
  /** Exclusive. */
  upper: Version | null;
}

/**
 * A requirement as the sets a resolver works with. Releases and pre-releases are apart because the pre-release rule
 * is not an interval: `>=1.0.0-beta, <2` allows `1.0.0-rc` and `1.4.0` but not `1.4.0-rc`. Each pre-release interval
 * lies within a single major.minor.patch.
 */
export interface RequirementRanges {
  /** The releases allowed: those inside one of these intervals (at most one; none when nothing matches). */
  releases: VersionInterval[];
  /** The pre-release versions allowed: those inside one of these intervals (sorted, disjoint). */
  prereleases: VersionInterval[];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

// Thrown only by the readers below and caught in parseRequirement, which returns it: it spares each reader from
// threading a failure through its return value.
class ParseFailure {
  constructor(
    readonly index: number,
    readonly message: string,
  ) {}
}

interface Cursor {
  readonly text: string;
  pos: number;
}

const DIGITS = /^[0-9]+$/;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isIdentifierCharacter(char: string | undefined): boolean {
  return char !== undefined && /^[0-9A-Za-z-]$/.test(char);
}

function skipSpaces(cursor: Cursor): void {
  while (cursor.text[cursor.pos] === ' ' || cursor.text[cursor.pos] === '\t') cursor.pos++;
}

function describeCharacter(text: string, index: number): string {
  const code = text.codePointAt(index)!;
  const invisible = code < 0x20 || (code >= 0x7f && code <= 0xa0);
  return invisible ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `character '${String.fromCodePoint(code)}'`;
}

function failure(text: string, index: number, problem: string, hint: string): ParseFailure {
  return new ParseFailure(index, `${problem} at position ${index} in ${JSON.stringify(text)}: ${hint}`);
}

/** Fails at the cursor, calling what is there an unexpected character or the unexpected end. */
function unexpected(cursor: Cursor, hint: string): ParseFailure {
  const { text, pos } = cursor;
  const problem = pos >= text.length ? 'unexpected end of input' : `unexpected ${describeCharacter(text, pos)}`;
  return failure(text, pos, problem, hint);
}

function readNumber(cursor: Cursor, hint: string): number {
  const start = cursor.pos;
  while (isDigit(cursor.text[cursor.pos])) cursor.pos++;
  if (cursor.pos === start) throw unexpected(cursor, hint);
  return checkedNumber(cursor.text, start, cursor.text.slice(start, cursor.pos));
}

function checkedNumber(text: string, start: number, digits: string): number {
  if (digits.length > 1 && digits.startsWith('0')) {
    throw failure(text, start, 'leading zero', 'numbers are written without leading zeros');
  }
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) {
    throw failure(text, start, 'number too large', `numbers may be at most ${Number.MAX_SAFE_INTEGER}`);
  }
  return value;
}

function readIdentifiers(cursor: Cursor, kind: 'pre-release' | 'build'): Array<string | number> {
  const identifiers: Array<string | number> = [];
  for (;;) {
    const start = cursor.pos;
    while (isIdentifierCharacter(cursor.text[cursor.pos])) cursor.pos++;
    if (cursor.pos === start) throw unexpected(cursor, `expected a ${kind} identifier (ASCII letters, digits and '-')`);
    const identifier = cursor.text.slice(start, cursor.pos);
    const numeric = kind === 'pre-release' && DIGITS.test(identifier);
    identifiers.push(numeric ? checkedNumber(cursor.text, start, identifier) : identifier);
    if (cursor.text[cursor.pos] !== '.') return identifiers;
    cursor.pos++;
  }
}

function readOperator(cursor: Cursor): Exclude<Operator, '*'> | null {
  const two = cursor.text.slice(cursor.pos, cursor.pos + 2);
  if (two === '>=' || two === '<=') {
    cursor.pos += 2;
    return two;
  }
  const one = cursor.text[cursor.pos];
  if (one === '>' || one === '<' || one === '=' || one === '~' || one === '^') {
    cursor.pos++;
    return one;
  }
  return null;
}

const LONE_STAR = "'*' alone must be the whole requirement; a wildcard follows a number, as in 1.* or 1.2.*";

function readComparator(cursor: Cursor): Comparator {
  const written = readOperator(cursor);
  skipSpaces(cursor);
  // As in Cargo, a wildcard turns a bare version into a `*` comparator and is a no-op after an operator
  // (`>=1.*` is `>=1`).
  let op: Operator = written ?? '^';
  const wildcard = (): void => {
    cursor.pos++;
    if (written === null) op = '*';
  };
  if (cursor.text[cursor.pos] === '*') throw unexpected(cursor, LONE_STAR);
  const major = readNumber(cursor, written === null ? 'expected a version such as 1.2.3' : `expected a version after '${written}'`);
  if (cursor.text[cursor.pos] !== '.') return { op, major, prerelease: [] };
  cursor.pos++;
  if (cursor.text[cursor.pos] === '*') {
    wildcard();
    if (cursor.text[cursor.pos] === '.') {
      cursor.pos++;
      if (cursor.text[cursor.pos] !== '*') throw unexpected(cursor, "only '*' may follow a wildcard");
      cursor.pos++;
    }
    return { op, major, prerelease: [] };
  }
  const minor = readNumber(cursor, "expected the minor version number or '*'");
  if (cursor.text[cursor.pos] !== '.') return { op, major, minor, prerelease: [] };
  cursor.pos++;
  if (cursor.text[cursor.pos] === '*') {
    wildcard();
    return { op, major, minor, prerelease: [] };
  }
  const patch = readNumber(cursor, "expected the patch version number or '*'");
  let prerelease: Array<string | number> = [];
  if (cursor.text[cursor.pos] === '-') {
    cursor.pos++;
    prerelease = readIdentifiers(cursor, 'pre-release');
  }
  if (cursor.text[cursor.pos] === '+') {
    cursor.pos++;
    readIdentifiers(cursor, 'build'); // accepted and ignored, as Cargo does: build metadata has no precedence
  }
  return { op, major, minor, patch, prerelease };
}

function separatorHint(cursor: Cursor, last: Comparator, versionEnd: number): string {
  const char = cursor.text[cursor.pos];
  if (cursor.pos === versionEnd && (char === '-' || char === '+') && last.patch === undefined) {
    return 'a pre-release or build metadata needs a full version, as in 1.2.0-beta';
  }
  if (char === '|') return "comparators are joined by ',' and must all hold; '||' is not supported";
  return "expected ',' or the end of the requirement";
}

function readRequirement(cursor: Cursor): Requirement {
  skipSpaces(cursor);
  if (cursor.text[cursor.pos] === '*') {
    cursor.pos++;
    skipSpaces(cursor);
    if (cursor.pos < cursor.text.length) throw unexpected(cursor, LONE_STAR);
    return { comparators: [] };
  }
  const comparators: Comparator[] = [];
  for (;;) {
    const comparator = readComparator(cursor);
    comparators.push(comparator);
    const versionEnd = cursor.pos;
    skipSpaces(cursor);
    if (cursor.pos === cursor.text.length) return { comparators };
    if (cursor.text[cursor.pos] !== ',') throw unexpected(cursor, separatorHint(cursor, comparator, versionEnd));
    cursor.pos++;
    skipSpaces(cursor);
  }
}

/**
 * Reads a requirement such as `^1.2`, `>=1.0, <2`, `1.*` or `=1.2.3-beta.1`. On failure, `index` is the 0-based
 * position (in UTF-16 code units, as JavaScript counts) of the first character that does not fit, or the text's
 * length when it ended too early, and `message` says so in a sentence that quotes the text.
 */
export function parseRequirement(text: string): RequirementParseResult {
  if (text.length > MAX_REQUIREMENT_LENGTH) {
    return {
      ok: false,
      index: MAX_REQUIREMENT_LENGTH,
      message: `requirement too long: ${text.length} characters where at most ${MAX_REQUIREMENT_LENGTH} are allowed`,
    };
  }
  try {
    return { ok: true, requirement: readRequirement({ text, pos: 0 }) };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, message: error.message, index: error.index };
    throw error;
  }
}

function formatComparator(comparator: Comparator): string {
  const numbers = [comparator.major, comparator.minor, comparator.patch].filter((n) => n !== undefined).join('.');
  if (comparator.op === '*') return `${numbers}.*`;
  const prerelease = comparator.prerelease.length === 0 ? '' : `-${comparator.prerelease.join('.')}`;
  return `${comparator.op}${numbers}${prerelease}`;
}

/** The normalised text: operators written out (`1.2` becomes `^1.2`), `, ` between comparators, no build metadata. */
export function formatRequirement(requirement: Requirement): string {
  return requirement.comparators.length === 0 ? '*' : requirement.comparators.map(formatComparator).join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Matching: the semver crate's rules, comparator by comparator, then the pre-release rule.

function matchesExact(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return false;
  return comparePrerelease(v.prerelease, c.prerelease) === 0;
}

function matchesGreater(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return v.major > c.major;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor > c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch > c.patch;
  return comparePrerelease(v.prerelease, c.prerelease) > 0;
}

function matchesLess(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return v.major < c.major;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor < c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch < c.patch;
  return comparePrerelease(v.prerelease, c.prerelease) < 0;
}

function matchesTilde(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return v.patch > c.patch;
  return comparePrerelease(v.prerelease, c.prerelease) >= 0;
}

function matchesCaret(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor === undefined) return true;
  if (c.patch === undefined) return c.major > 0 ? v.minor >= c.minor : v.minor === c.minor;
  if (c.major > 0) {
    if (v.minor !== c.minor) return v.minor > c.minor;
    if (v.patch !== c.patch) return v.patch > c.patch;
  } else if (c.minor > 0) {
    if (v.minor !== c.minor) return false;
    if (v.patch !== c.patch) return v.patch > c.patch;
  } else if (v.minor !== c.minor || v.patch !== c.patch) {
    return false;
  }
  return comparePrerelease(v.prerelease, c.prerelease) >= 0;
}

function matchesComparator(c: Comparator, v: Version): boolean {
  switch (c.op) {
    case '=':
    case '*':
      return matchesExact(c, v);
    case '>':
      return matchesGreater(c, v);
    case '>=':
      return matchesExact(c, v) || matchesGreater(c, v);
    case '<':
      return matchesLess(c, v);
    case '<=':
      return matchesExact(c, v) || matchesLess(c, v);
    case '~':
      return matchesTilde(c, v);
    case '^':
      return matchesCaret(c, v);
  }
}

function namesPrereleaseOf(c: Comparator, v: Version): boolean {
  return c.prerelease.length > 0 && c.major === v.major && c.minor === v.minor && c.patch === v.patch;
}

/**
 * Whether `version` satisfies every comparator. A pre-release satisfies the requirement only if some comparator
 * names a pre-release of its own major.minor.patch, so `^1.2.3-alpha` accepts `1.2.3-beta` but `>=1.0.0` never
 * accepts `1.5.0-rc.1`: depending on a release never pulls in a pre-release of another one.
 */
export function matches(requirement: Requirement, version: Version): boolean {
  if (!requirement.comparators.every((c) => matchesComparator(c, version))) return false;
  return version.prerelease.length === 0 || requirement.comparators.some((c) => namesPrereleaseOf(c, version));
}

// ---------------------------------------------------------------------------------------------------------------
// Ranges

/** Past every valid version: what a bound becomes when bumping a number would leave the safe integers. */
const BEYOND = 'beyond';
type Bound = Version | typeof BEYOND;

function release(major: number, minor: number, patch: number): Version {
  return { major, minor, patch, prerelease: [], build: [] };
}

/** The lowest version of major.minor.patch (`x.y.z-0`), carrying past the largest safe integer. */
function lowestOf(major: number, minor: number, patch: number): Bound {
  if (patch > Number.MAX_SAFE_INTEGER) [minor, patch] = [minor + 1, 0];
  if (minor > Number.MAX_SAFE_INTEGER) [major, minor, patch] = [major + 1, 0, 0];
  if (major > Number.MAX_SAFE_INTEGER) return BEYOND;
  return { major, minor, patch, prerelease: [0], build: [] };
}

/** The next version in precedence order: `1.2.3-beta.0` after `1.2.3-beta`, `1.2.4-0` after `1.2.3`. */
function successor(v: Version): Bound {
  if (v.prerelease.length > 0) return { ...v, prerelease: [...v.prerelease, 0], build: [] };
  return lowestOf(v.major, v.minor, v.patch + 1);
}

const UNBOUNDED: VersionInterval = { lower: null, upper: null };

/** The interval [lower, upper), or null when it holds no version. */
function interval(lower: Bound | null, upper: Bound | null): VersionInterval | null {
  if (lower === BEYOND) return null;
  return intersect({ lower, upper: upper === BEYOND ? null : upper }, UNBOUNDED);
}

function higherOf(a: Version, b: Version): Version {
  return compareVersions(a, b) >= 0 ? a : b;
}

function lowerOf(a: Version, b: Version): Version {
  return compareVersions(a, b) <= 0 ? a : b;
}

const LOWEST: Version = { major: 0, minor: 0, patch: 0, prerelease: [0], build: [] };
const LOWEST_RELEASE = release(0, 0, 0);

/** The versions in both intervals; null when none at or above `lowest` is left (so `<0.0.0-0` holds none). */
function intersect(a: VersionInterval | null, b: VersionInterval | null, lowest = LOWEST): VersionInterval | null {
  if (a === null || b === null) return null;
  const lower = a.lower === null || b.lower === null ? (a.lower ?? b.lower) : higherOf(a.lower, b.lower);
  const upper = a.upper === null || b.upper === null ? (a.upper ?? b.upper) : lowerOf(a.upper, b.upper);
  if (upper !== null && compareVersions(upper, lower ?? lowest) <= 0) return null;
  return { lower, upper };
}

/**
 * What one comparator allows (before the pre-release rule), as one interval for releases and one for pre-releases.
 * They differ where the semver crate compares a partial version's pre-release part: `=1.2`, `~1.2`, `1.2.*` and the
 * equality half of `>=1.2` and `<=1.2` allow no pre-release at all.
 */
function comparatorIntervals(c: Comparator): { releases: VersionInterval | null; prereleases: VersionInterval | null } {
  const same = (range: VersionInterval | null) => ({ releases: range, prereleases: range });
  if (c.minor === undefined || c.patch === undefined) {
    const start = c.minor === undefined ? lowestOf(c.major, 0, 0) : lowestOf(c.major, c.minor, 0);
    const next = c.minor === undefined ? lowestOf(c.major + 1, 0, 0) : lowestOf(c.major, c.minor + 1, 0);
    switch (c.op) {
      case '=':
      case '*':
      case '~':
        return { releases: interval(start, next), prereleases: null };
      case '>':
        return same(interval(next, null));
      case '>=':
        return { releases: interval(start, null), prereleases: interval(next, null) };
      case '<':
        return same(interval(null, start));
      case '<=':
        return { releases: interval(null, next), prereleases: interval(null, start) };
      case '^':
        return same(interval(start, c.major > 0 ? lowestOf(c.major + 1, 0, 0) : next));
    }
  }
  const version: Version = { major: c.major, minor: c.minor, patch: c.patch, prerelease: c.prerelease, build: [] };
  switch (c.op) {
    case '=':
    case '*':
      return same(interval(version, successor(version)));
    case '>':
      return same(interval(successor(version), null));
    case '>=':
      return same(interval(version, null));
    case '<':
      return same(interval(null, version));
    case '<=':
      return same(interval(null, successor(version)));
    case '~':
      return same(interval(version, lowestOf(c.major, c.minor + 1, 0)));
    case '^': {
      const end =
        c.major > 0
          ? lowestOf(c.major + 1, 0, 0)
          : c.minor > 0
            ? lowestOf(0, c.minor + 1, 0)
            : lowestOf(0, 0, c.patch + 1);
      return same(interval(version, end));
    }
  }
}

function withoutPrerelease(v: Version | null): Version | null {
  return v === null ? null : release(v.major, v.minor, v.patch);
}

/**
 * The requirement as intervals for a resolver: a version matches exactly when it lies in `releases` (a release) or
 * in `prereleases` (a pre-release). Release bounds are written as releases (`^1.2.3` is [1.2.3, 2.0.0)); pre-release
 * bounds are exact versions, `x.y.z-0` being the lowest pre-release of x.y.z.
 */
export function toRanges(requirement: Requirement): RequirementRanges {
  let releases: VersionInterval | null = UNBOUNDED;
  let prereleases: VersionInterval | null = UNBOUNDED;
  const triples = new Map<string, Version>();
  for (const c of requirement.comparators) {
    const own = comparatorIntervals(c);
    releases = intersect(releases, own.releases);
    prereleases = intersect(prereleases, own.prereleases);
    if (c.prerelease.length > 0 && c.minor !== undefined && c.patch !== undefined) {
      triples.set(`${c.major}.${c.minor}.${c.patch}`, release(c.major, c.minor, c.patch));
    }
  }
  const releaseRange =
    releases &&
    intersect({ lower: withoutPrerelease(releases.lower), upper: withoutPrerelease(releases.upper) }, UNBOUNDED, LOWEST_RELEASE);
  const prereleaseRanges: VersionInterval[] = [];
  for (const triple of [...triples.values()].sort(compareVersions)) {
    const own = intersect(prereleases, { lower: { ...triple, prerelease: [0] }, upper: triple });
    if (own !== null) prereleaseRanges.push(own);
  }
  return { releases: releaseRange === null ? [] : [releaseRange], prereleases: prereleaseRanges };
}
