// Sets of SemVer versions with union, intersection and complement: the algebra the PubGrub resolver reasons in.
//
// A Cargo requirement is not an interval of versions: `>=1.0.0-beta, <2` allows `1.0.0-rc` and `1.4.0` but not
// `1.4.0-rc`. So a set is kept as two independent lists of half-open intervals over SemVer precedence order, one
// consulted for releases and one for pre-releases; every operation works on each list on its own, which makes the
// sets an exact Boolean algebra (`fromRequirement(r).contains(v)` is `matches(r, v)` for every version).
//
// Both lists are canonical, so that equal sets have equal lists and emptiness is "no intervals":
// - intervals are sorted, non-empty, and neither overlap nor touch (touching ones are merged);
// - release bounds are releases (`x.y.z-p` bounds the releases exactly as `x.y.z` does), and the lowest release,
//   0.0.0, is written as an open lower bound;
// - pre-release bounds are pre-releases (a release `x.y.z` bounds the pre-releases exactly as `x.y.(z+1)-0`, the
//   lowest pre-release above it, does), and the lowest pre-release, 0.0.0-0, is written as an open lower bound.
//
// A set may carry a label, the text it was made from (a requirement as the user wrote it, `>=1.1.0`): the solver's
// explanations print it. Operations whose result equals one of their operands return that operand, label included.
import { toRanges, formatRequirement, type Requirement } from './requirement.js';
import { compareVersions, versionKey, type Version } from './version.js';

/** The versions from `lower` (inclusive) to `upper` (exclusive) in precedence order; null is unbounded. */
interface Interval {
  readonly lower: Version | null;
  readonly upper: Version | null;
}

type Intervals = readonly Interval[];

/** Which versions a list of intervals is consulted for, which decides how its bounds are written. */
type Kind = 'release' | 'prerelease';

const NO_INTERVALS: Intervals = [];
const EVERYTHING: Intervals = [{ lower: null, upper: null }];

// ---------------------------------------------------------------------------------------------------------------
// Canonical bounds

function release(major: number, minor: number, patch: number): Version {
  return { major, minor, patch, prerelease: [], build: [] };
}

/** The lowest pre-release of major.minor.patch, carrying past the largest safe integer; null when none is left. */
function lowestPrerelease(major: number, minor: number, patch: number): Version | null {
  if (patch > Number.MAX_SAFE_INTEGER) [minor, patch] = [minor + 1, 0];
  if (minor > Number.MAX_SAFE_INTEGER) [major, minor, patch] = [major + 1, 0, 0];
  if (major > Number.MAX_SAFE_INTEGER) return null;
  return { major, minor, patch, prerelease: [0], build: [] };
}

/** The release after `v`'s major.minor.patch, with the same carrying; null when none is left. */
function nextRelease(v: Version): Version | null {
  const next = lowestPrerelease(v.major, v.minor, v.patch + 1);
  return next === null ? null : release(next.major, next.minor, next.patch);
}

/** A bound written the canonical way for `kind`; `undefined` when it lies past every version. */
function canonicalBound(kind: Kind, v: Version): Version | undefined {
  if (kind === 'release') return release(v.major, v.minor, v.patch);
  if (v.prerelease.length > 0) return v.build.length === 0 ? v : { ...v, build: [] };
  return lowestPrerelease(v.major, v.minor, v.patch + 1) ?? undefined;
}

function isLowest(kind: Kind, v: Version): boolean {
  if (v.major !== 0 || v.minor !== 0 || v.patch !== 0) return false;
  return kind === 'release' ? v.prerelease.length === 0 : v.prerelease.length === 1 && v.prerelease[0] === 0;
}

/** The interval [lower, upper) with canonical bounds, or null when it holds none of `kind`'s versions. */
function canonicalInterval(kind: Kind, lower: Version | null, upper: Version | null): Interval | null {
  let low: Version | null = null;
  if (lower !== null) {
    const bound = canonicalBound(kind, lower);
    if (bound === undefined) return null;
    low = isLowest(kind, bound) ? null : bound;
  }
  const high = upper === null ? null : (canonicalBound(kind, upper) ?? null);
  // Nothing lies below the lowest version: `<0.0.0-0` is empty, though its open lower bound is below every bound.
  if (high !== null && isLowest(kind, high)) return null;
  return lowerIsBelow(low, high) ? { lower: low, upper: high } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Interval lists

function compareLowers(a: Version | null, b: Version | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareVersions(a, b);
}

function compareUppers(a: Version | null, b: Version | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareVersions(a, b);
}

function lowerIsBelow(lower: Version | null, upper: Version | null): boolean {
  return lower === null || upper === null || compareVersions(lower, upper) < 0;
}

function inInterval(interval: Interval, v: Version): boolean {
  return (
    (interval.lower === null || compareVersions(interval.lower, v) <= 0) &&
    (interval.upper === null || compareVersions(v, interval.upper) < 0)
  );
}

/** The first position of `sorted` whose version is at or above `bound`. */
function firstAtOrAbove(sorted: readonly Version[], bound: Version): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareVersions(sorted[middle]!, bound) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** positionsIn for one list of intervals, consulted for pre-releases or for releases. */
function addPositions(sorted: readonly Version[], intervals: Intervals, prerelease: boolean, add: (position: number) => void): void {
  for (let i = 0; i < intervals.length; i++) {
    const { lower, upper } = intervals[i]!;
    const end = upper === null ? sorted.length : firstAtOrAbove(sorted, upper);
    for (let position = lower === null ? 0 : firstAtOrAbove(sorted, lower); position < end; position++) {
      if ((sorted[position]!.prerelease.length > 0) === prerelease) add(position);
    }
  }
}

function sameBound(a: Version | null, b: Version | null): boolean {
  return a === null || b === null ? a === b : compareVersions(a, b) === 0;
}

function sameIntervals(a: Intervals, b: Intervals): boolean {
  if (a.length !== b.length) return false;
  return a.every((interval, i) => sameBound(interval.lower, b[i]!.lower) && sameBound(interval.upper, b[i]!.upper));
}

/** Sorts and merges intervals that overlap or touch. */
function normalise(intervals: Interval[]): Intervals {
  if (intervals.length <= 1) return intervals;
  intervals.sort((a, b) => compareLowers(a.lower, b.lower));
  const merged: Interval[] = [intervals[0]!];
  for (const next of intervals.slice(1)) {
    const last = merged[merged.length - 1]!;
    // Apart only when `next` starts after `last` ends; otherwise they overlap or touch.
    if (last.upper !== null && next.lower !== null && compareVersions(next.lower, last.upper) > 0) {
      merged.push(next);
    } else if (compareUppers(next.upper, last.upper) > 0) {
      merged[merged.length - 1] = { lower: last.lower, upper: next.upper };
    }
  }
  return merged;
}

function unionOf(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalise([...a, ...b]);
}

function intersectionOf(a: Intervals, b: Intervals): Intervals {
  const result: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const lower = compareLowers(x.lower, y.lower) >= 0 ? x.lower : y.lower;
    const upper = compareUppers(x.upper, y.upper) <= 0 ? x.upper : y.upper;
    if (lowerIsBelow(lower, upper)) result.push({ lower, upper });
    // Move past whichever interval ends first; the other may still overlap the next one.
    if (compareUppers(x.upper, y.upper) <= 0) i++;
    else j++;
  }
  return result;
}

function complementOf(intervals: Intervals): Intervals {
  if (intervals.length === 0) return EVERYTHING;
  const result: Interval[] = [];
  let lower: Version | null = null; // where the gap before the next interval starts
  for (const interval of intervals) {
    if (interval.lower !== null) result.push({ lower, upper: interval.lower });
    lower = interval.upper;
  }
  if (lower !== null) result.push({ lower, upper: null });
  return result;
}

/** Whether every interval of `a` lies inside one of `b` (in a canonical list an interval cannot span two). */
function isSubset(a: Intervals, b: Intervals): boolean {
  let j = 0;
  for (const x of a) {
    while (j < b.length && !lowerIsBelow(x.lower, b[j]!.upper)) j++;
    const y = b[j];
    if (y === undefined || compareLowers(y.lower, x.lower) > 0 || compareUppers(x.upper, y.upper) > 0) return false;
  }
  return true;
}

function isDisjoint(a: Intervals, b: Intervals): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (!lowerIsBelow(x.lower, y.upper)) j++;
    else if (!lowerIsBelow(y.lower, x.upper)) i++;
    else return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Describing a set without a label

const text = versionKey;

function describeBounds(interval: Interval): string {
  const { lower, upper } = interval;
  if (lower === null) return upper === null ? '*' : `<${text(upper)}`;
  return upper === null ? `>=${text(lower)}` : `>=${text(lower)}, <${text(upper)}`;
}

/** `^1.2` rather than `^1.2.0`, where the two mean the same. */
function shortRelease(v: Version): string {
  return v.patch === 0 && (v.major > 0 || v.minor > 0) ? `${v.major}.${v.minor}` : text(v);
}

/** A release interval as a requirement would write it: `1.2.3`, `^1.2`, `~1.2.3` or `>=1.2.3, <1.5.0`. */
function describeReleases(interval: Interval): string {
  const { lower, upper } = interval;
  if (upper === null) return describeBounds(interval);
  const low = lower ?? release(0, 0, 0);
  if (sameBound(upper, nextRelease(low))) return text(low);
  if (lower === null) return describeBounds(interval);
  const caret = low.major > 0 ? release(low.major + 1, 0, 0) : release(0, low.minor + 1, 0);
  if (compareVersions(upper, caret) === 0) return `^${shortRelease(low)}`;
  if (compareVersions(upper, release(low.major, low.minor + 1, 0)) === 0) return `~${shortRelease(low)}`;
  return describeBounds(interval);
}

/** A pre-release interval: the version itself when it holds just one, its bounds otherwise. */
function describePrereleases(interval: Interval): string {
  const { lower, upper } = interval;
  if (lower !== null && upper !== null && compareVersions(upper, { ...lower, prerelease: [...lower.prerelease, 0] }) === 0) {
    return text(lower);
  }
  return describeBounds(interval);
}

/** The pre-releases between the bounds of release intervals: what a plain interval of versions holds. */
function prereleasesWithin(releases: Intervals): Intervals {
  const result: Interval[] = [];
  for (const { lower, upper } of releases) {
    const interval = canonicalInterval('prerelease', lower, upper);
    if (interval !== null) result.push(interval);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------

export class VersionSet {
  /** No version at all. */
  static readonly empty = new VersionSet(NO_INTERVALS, NO_INTERVALS, null);
  /** Every version, pre-releases included. */
  static readonly full = new VersionSet(EVERYTHING, EVERYTHING, null);

  private constructor(
    private readonly releases: Intervals,
    private readonly prereleases: Intervals,
    private readonly label: string | null,
    /** The one version in the set, when it was made by `exact`: a fast path for the solver's commonest checks. */
    private readonly single: Version | null = null,
  ) {}

  /** The set holding `version` alone (build metadata ignored, as precedence ignores it). */
  static exact(version: Version): VersionSet {
    const after = { ...version, prerelease: [...version.prerelease, 0], build: [] };
    if (version.prerelease.length > 0) {
      return new VersionSet(NO_INTERVALS, [canonicalInterval('prerelease', version, after)!], null, version);
    }
    return new VersionSet([canonicalInterval('release', version, nextRelease(version))!], NO_INTERVALS, null, version);
  }

  /** The versions a requirement matches; printed as `label`, by default the requirement's normalised text. */
  static fromRequirement(requirement: Requirement, label: string = formatRequirement(requirement)): VersionSet {
    const ranges = toRanges(requirement);
    const releases = ranges.releases.map((r) => canonicalInterval('release', r.lower, r.upper));
    const prereleases = ranges.prereleases.map((r) => canonicalInterval('prerelease', r.lower, r.upper));
    return new VersionSet(
      normalise(releases.filter((r) => r !== null)),
      normalise(prereleases.filter((r) => r !== null)),
      label,
    );
  }

  /**
   * Every version from `lower` (inclusive) to `upper` (exclusive) in precedence order, pre-releases included; null
   * is unbounded. Printed as `>=lower, <upper`.
   */
  static between(lower: Version | null, upper: Version | null): VersionSet {
    if (lower === null && upper === null) return VersionSet.full;
    const releases = canonicalInterval('release', lower, upper);
    const prereleases = canonicalInterval('prerelease', lower, upper);
    return new VersionSet(
      releases === null ? NO_INTERVALS : [releases],
      prereleases === null ? NO_INTERVALS : [prereleases],
      describeBounds({ lower, upper }),
    );
  }

  contains(version: Version): boolean {
    const intervals = version.prerelease.length === 0 ? this.releases : this.prereleases;
    // A plain loop: the solver asks this of every published version for every requirement it reads.
    for (let i = 0; i < intervals.length; i++) if (inInterval(intervals[i]!, version)) return true;
    return false;
  }

  /**
   * Calls `add` once for each position of `sorted` (distinct versions in ascending precedence) whose version the set
   * contains: each interval's run found by bisection, rather than contains() asked of every version. The resolver
   * reads every requirement on a package this way, so a package with hundreds of versions and as many distinct
   * requirements on it cost it the product of the two.
   */
  positionsIn(sorted: readonly Version[], add: (position: number) => void): void {
    addPositions(sorted, this.releases, false, add);
    addPositions(sorted, this.prereleases, true, add);
  }

  isEmpty(): boolean {
    return this.releases.length === 0 && this.prereleases.length === 0;
  }

  isFull(): boolean {
    return isEverything(this.releases) && isEverything(this.prereleases);
  }

  union(other: VersionSet): VersionSet {
    return this.pick(other, unionOf(this.releases, other.releases), unionOf(this.prereleases, other.prereleases));
  }

  intersection(other: VersionSet): VersionSet {
    return this.pick(
      other,
      intersectionOf(this.releases, other.releases),
      intersectionOf(this.prereleases, other.prereleases),
    );
  }

  complement(): VersionSet {
    if (this.isEmpty()) return VersionSet.full;
    if (this.isFull()) return VersionSet.empty;
    return new VersionSet(complementOf(this.releases), complementOf(this.prereleases), null);
  }

  difference(other: VersionSet): VersionSet {
    return this.intersection(other.complement());
  }

  isSubsetOf(other: VersionSet): boolean {
    if (this === other) return true;
    if (this.single !== null) return other.contains(this.single);
    return isSubset(this.releases, other.releases) && isSubset(this.prereleases, other.prereleases);
  }

  isDisjointFrom(other: VersionSet): boolean {
    if (this.single !== null) return !other.contains(this.single);
    if (other.single !== null) return !this.contains(other.single);
    return isDisjoint(this.releases, other.releases) && isDisjoint(this.prereleases, other.prereleases);
  }

  /** Whether both hold the same versions (labels aside). */
  equals(other: VersionSet): boolean {
    return sameIntervals(this.releases, other.releases) && sameIntervals(this.prereleases, other.prereleases);
  }

  /**
   * The label when there is one; otherwise `any`, `none`, a version (`1.2.3`), requirement-like text (`^1.2`,
   * `<1.0.0 or >=2.0.0`) when the set holds releases only, plain bounds for an interval of all versions, and the
   * releases then the pre-releases otherwise (`<1.0.0 or >=2.0.0, or any pre-release`).
   */
  toString(): string {
    if (this.label !== null) return this.label;
    if (this.isFull()) return 'any';
    if (this.isEmpty()) return 'none';
    if (this.prereleases.length === 0) return this.releases.map(describeReleases).join(' or ');
    if (sameIntervals(this.prereleases, prereleasesWithin(this.releases))) {
      return this.releases.map(describeBounds).join(' or ');
    }
    const prereleases = isEverything(this.prereleases) ? 'any pre-release' : this.prereleases.map(describePrereleases).join(' or ');
    if (this.releases.length === 0) return prereleases;
    return `${this.releases.map(describeReleases).join(' or ')}, or ${prereleases}`;
  }

  /** A result equal to an operand is that operand, so its label survives. */
  private pick(other: VersionSet, releases: Intervals, prereleases: Intervals): VersionSet {
    if (sameIntervals(releases, this.releases) && sameIntervals(prereleases, this.prereleases)) return this;
    if (sameIntervals(releases, other.releases) && sameIntervals(prereleases, other.prereleases)) return other;
    if (releases.length === 0 && prereleases.length === 0) return VersionSet.empty;
    return new VersionSet(releases, prereleases, null);
  }
}

function isEverything(intervals: Intervals): boolean {
  return intervals.length === 1 && intervals[0]!.lower === null && intervals[0]!.upper === null;
}
