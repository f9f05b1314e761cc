// The incompatibilities about each package, grouped by their term about it. When a package's assignments change,
// only the incompatibilities whose term about it is now satisfied can have become almost satisfied or satisfied
// (one whose term is still undecided was not almost satisfied before either, or propagation would have settled
// it). Many incompatibilities share their term about a package (every depender asking for `x ^1.2` shares one
// requirement set), so checking a group's term once spares checking each member: what keeps a popular package's
// thousands of dependants cheap.
import type { PositionSet } from './position-set.js';
import type { Incompatibility } from './incompatibility.js';
import type { PackageRef } from './packages.js';
import type { Term } from './term.js';

export interface Group {
  /** The term every member has about the package. */
  readonly term: Term;
  /** The term's set as one word, when the package's version list fits in one (a fast path for checking it). */
  readonly word: number | null;
  /** Oldest first. */
  readonly members: Incompatibility[];
}

interface PackageGroups {
  /** Oldest first. */
  readonly groups: Group[];
  readonly positive: Map<PositionSet, Group>;
  readonly negative: Map<PositionSet, Group>;
}

const NONE: readonly Group[] = [];

export class IncompatibilityIndex {
  /** By package index. */
  private readonly packages: Array<PackageGroups | undefined> = [];

  add(incompatibility: Incompatibility): void {
    for (const term of incompatibility.terms) {
      let entry = this.packages[term.pkg.index];
      if (entry === undefined) {
        entry = { groups: [], positive: new Map(), negative: new Map() };
        this.packages[term.pkg.index] = entry;
      }
      const byTerm = term.positive ? entry.positive : entry.negative;
      let group = byTerm.get(term.set);
      if (group === undefined) {
        group = { term, word: term.set.bits.length === 1 ? term.set.bits[0]! : null, members: [] };
        byTerm.set(term.set, group);
        entry.groups.push(group);
      }
      group.members.push(incompatibility);
    }
  }

  /** The groups about `pkg`, oldest first. */
  groups(pkg: PackageRef): readonly Group[] {
    return this.packages[pkg.index]?.groups ?? NONE;
  }
}
