// The incompatibilities about each package, grouped by their term about it. When a package's assignments change,
// only the incompatibilities whose term about it is now satisfied can have become almost satisfied or satisfied
// (one whose term is still undecided was not almost satisfied before either, or propagation would have settled
// it). Many incompatibilities share their term about a package (every depender asking for `x ^1.2` shares one
// requirement set), so checking a group's term once spares checking each member: what keeps a popular package's
// thousands of dependants cheap.
//
// Better still, only the groups that a change newly satisfies need looking at (the others were looked at when
// they became satisfied). A change to a package's assignments removes versions from what a positive term allows,
// or adds versions to what a negative one excludes; so the groups are also listed by version position: the
// positive groups whose set lacks the version (removing it from a positive assignment may make them satisfied),
// and the negative groups whose set has it (removing it, or excluding it, may make them satisfied).
//
// Except small positive groups (a term about one version or a few, as a version's own dependencies are when its
// neighbours depend on something else): listed under every version they lack, a package with n such versions had
// n² entries, and each version ruled out looked at all of them again. A positive group is satisfied only by a
// positive assignment allowing no more versions than the group has, so these are looked at only then.
import { BITS, type PositionSet } from './position-set.js';
import type { Incompatibility } from './incompatibility.js';
import type { PackageRef } from './packages.js';
import type { Term } from './term.js';

/** Version lists longer than this are not listed by position: checking every group is then cheaper to keep. */
const MAX_LISTED = 128;
/** Positive groups with at most this many versions are kept apart from the lists by position (see above). */
const SMALL = 4;

export interface Group {
  /** The term every member has about the package. */
  readonly term: Term;
  /** The term's set as one word, when the package's version list fits in one (a fast path for checking it). */
  readonly word: number | null;
  /** Oldest first. */
  readonly members: Incompatibility[];
  /** The order groups were made in. */
  readonly order: number;
  /** How many versions the term's set has, for a small positive group (0 otherwise). */
  readonly small: number;
  /** The last search that found this group: spares looking at it twice in one. */
  seen: number;
}

interface PackageGroups {
  /** Oldest first. */
  readonly groups: Group[];
  readonly positive: Map<PositionSet, Group>;
  readonly negative: Map<PositionSet, Group>;
  /**
   * By version position: the positive groups whose set lacks it and the negative ones whose set has it; made when
   * first needed (many packages never need it), and null past MAX_LISTED.
   */
  byPosition: Group[][] | null | undefined;
  /** The small positive groups, oldest first (kept out of byPosition). */
  readonly smallPositive: Group[];
  readonly size: number;
}

const NONE: readonly Group[] = [];

export class IncompatibilityIndex {
  /** By package index. */
  private readonly packages: Array<PackageGroups | undefined> = [];
  private groupCount = 0;
  private searches = 0;
  /** What touched() answers, reused from one call to the next. */
  private readonly found: Group[] = [];

  add(incompatibility: Incompatibility): void {
    for (const term of incompatibility.terms) {
      let entry = this.packages[term.pkg.index];
      if (entry === undefined) {
        const size = term.set.list.size;
        entry = { groups: [], positive: new Map(), negative: new Map(), byPosition: size <= MAX_LISTED ? undefined : null, smallPositive: [], size };
        this.packages[term.pkg.index] = entry;
      }
      const byTerm = term.positive ? entry.positive : entry.negative;
      let group = byTerm.get(term.set);
      if (group === undefined) {
        const count = term.positive ? term.set.count() : 0;
        const small = count > 0 && count <= SMALL ? count : 0;
        group = { term, word: term.set.bits.length === 1 ? term.set.bits[0]! : null, members: [], order: this.groupCount++, small, seen: -1 };
        byTerm.set(term.set, group);
        entry.groups.push(group);
        if (small > 0) entry.smallPositive.push(group);
        else if (entry.byPosition) list(entry.byPosition, group);
      }
      group.members.push(incompatibility);
    }
  }

  /** The groups about `pkg`, oldest first. */
  groups(pkg: PackageRef): readonly Group[] {
    return this.packages[pkg.index]?.groups ?? NONE;
  }

  /**
   * The groups about `pkg` that a change at the versions in `positions` (removed from a positive assignment, or
   * newly excluded by a negative one) may have made satisfied, newest first; null when the package's groups are
   * not listed by position (then every group must be checked). `allowed` is how many versions the package's
   * assignment now allows when it is positive, and -1 when it is negative (which satisfies no positive group). The
   * list is valid until the next call.
   */
  touched(pkg: PackageRef, positions: PositionSet, allowed: number): readonly Group[] | null {
    const entry = this.packages[pkg.index];
    if (entry === undefined) return NONE;
    if (entry.byPosition === null) return null;
    if (entry.byPosition === undefined) {
      const byPosition = Array.from({ length: entry.size }, (): Group[] => []);
      for (const group of entry.groups) if (group.small === 0) list(byPosition, group);
      entry.byPosition = byPosition;
    }
    const { byPosition } = entry;
    const search = ++this.searches;
    const { found } = this;
    found.length = 0;
    const { bits } = positions;
    for (let w = 0; w < bits.length; w++) {
      let word = bits[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word);
        word &= ~(1 << bit);
        for (const group of byPosition[w * BITS + bit]!) {
          if (group.seen === search) continue;
          group.seen = search;
          found.push(group);
        }
      }
    }
    if (allowed >= 0 && allowed <= SMALL) {
      for (const group of entry.smallPositive) {
        if (group.small < allowed || group.seen === search) continue;
        group.seen = search;
        found.push(group);
      }
    }
    // Newest first; by insertion when short, as they mostly are (Array.prototype.sort allocates).
    if (found.length > 32) return found.sort(newestFirst);
    for (let i = 1; i < found.length; i++) {
      const group = found[i]!;
      let j = i - 1;
      for (; j >= 0 && found[j]!.order < group.order; j--) found[j + 1] = found[j]!;
      found[j + 1] = group;
    }
    return found;
  }
}

function newestFirst(a: Group, b: Group): number {
  return b.order - a.order;
}

/** Lists a positive group under the positions its set lacks, a negative one under those it has. */
function list(byPosition: Group[][], group: Group): void {
  const { term } = group;
  const { bits } = term.set;
  // Word by word rather than through complement() and positions(), which would make (and intern) a set per group.
  for (let w = 0; w < bits.length; w++) {
    // Only the bits that stand for versions (a complement sets the others).
    const width = Math.min(BITS, byPosition.length - w * BITS);
    let word = (term.positive ? ~bits[w]! : bits[w]!) & ((1 << width) - 1);
    while (word !== 0) {
      const bit = 31 - Math.clz32(word);
      word &= ~(1 << bit);
      byPosition[w * BITS + bit]!.push(group);
    }
  }
}
