// The partial solution (solver.md, "Partial Solution"): the solver's current assignments, per package in the order
// they were made. Each assignment keeps the intersection of every assignment to its package up to itself, so
// "is this term satisfied?" is one check against the latest intersection, and "which assignment first satisfied
// it?" is a binary search (the intersections only shrink), as in pubgrub-rs.
//
// Unlike pub's, the trail is not sorted by decision level. A derived assignment gets the level of what implies it
// (the highest level among the assignments that satisfy its cause's other terms), which may be below the current
// level: the solver backtracks chronologically, one level at a time, after a conflict, and a fact it learns holds
// from a lower level on (Nadel and Ryvchin, "Chronological Backtracking", SAT 2018; Möhle and Biere, "Backing
// Backtracking", SAT 2019). Backtracking to a level thus removes the assignments above it wherever they are in the
// trail, and keeps the lower ones after them. Each assignment also records its reach, the highest level among it
// and its package's earlier assignments: the level from which its intersection holds.
import type { Version } from '../version.js';
import type { Incompatibility } from './incompatibility.js';
import type { PackageRef } from './packages.js';
import type { PositionSet } from './position-set.js';
import { intersect, isDisjoint, positive, satisfies, type Term } from './term.js';

export interface Assignment {
  readonly pkg: PackageRef;
  /** What this assignment says: a decision's exact version, or the negation of its cause's term. */
  readonly term: Term;
  /** The intersection of this and every earlier assignment to the package. */
  accumulated: Term;
  readonly level: number;
  /** The highest level among this and the package's earlier assignments. */
  reach: number;
  /** Position in the whole partial solution (the trail). */
  index: number;
  /** The incompatibility it was derived from; null for a decision. */
  readonly cause: Incompatibility | null;
}

export interface Decision {
  readonly version: Version;
  /** The version's position in its package's version list. */
  readonly position: number;
  readonly level: number;
}

interface PackageAssignments {
  readonly pkg: PackageRef;
  readonly assignments: Assignment[];
  /** The last assignment's intersection. */
  accumulated: Term;
  decision: Decision | null;
}

export type Relation = 'satisfied' | 'contradicted' | 'inconclusive';

export interface SatisfierSearch {
  /** The package of the assignment after which the incompatibility is satisfied. */
  readonly pkg: PackageRef;
  readonly satisfier: Assignment;
  /** The level from which the satisfier's term is satisfied (its reach). */
  readonly satisfierLevel: number;
  /** The level from which the incompatibility's other terms, and its term without the satisfier, hold (at least 1). */
  readonly previousLevel: number;
}

export class PartialSolution {
  /** By package index; undefined for a package without assignments. */
  private readonly packages: Array<PackageAssignments | undefined> = [];
  /** Every assignment, in the order made. */
  private readonly trail: Assignment[] = [];
  /** The trail index of each level's decision: nothing before it has that level or a higher one. */
  private readonly levelStarts: number[] = [0];
  level = 0;

  accumulated(pkg: PackageRef): Term | undefined {
    return this.packages[pkg.index]?.accumulated;
  }

  decision(pkg: PackageRef): Decision | null {
    return this.packages[pkg.index]?.decision ?? null;
  }

  /** Whether the package must be selected but has no version yet: a candidate for the next decision. */
  isPending(pkg: PackageRef): boolean {
    const state = this.packages[pkg.index];
    return state !== undefined && state.decision === null && state.accumulated.positive;
  }

  /** Every package decided so far, with its decision. */
  decided(): Map<PackageRef, Decision> {
    const result = new Map<PackageRef, Decision>();
    for (const state of this.packages) if (state !== undefined && state.decision !== null) result.set(state.pkg, state.decision);
    return result;
  }

  /** Selects `version` at a new level; `exact` is the set holding just it. */
  decide(pkg: PackageRef, version: Version, position: number, exact: PositionSet): void {
    this.level++;
    this.levelStarts[this.level] = this.trail.length;
    this.push(pkg, positive(pkg, exact), null, this.level);
    this.packages[pkg.index]!.decision = { version, position, level: this.level };
  }

  /** Records `term`, implied by `cause` from `level` on (at most the current level). */
  derive(pkg: PackageRef, term: Term, cause: Incompatibility, level: number): void {
    this.push(pkg, term, cause, level);
  }

  /** Drops every assignment above `level`; returns the packages that lost some. */
  backtrack(level: number): Set<PackageRef> {
    const changed = new Set<PackageRef>();
    if (level >= this.level) return changed;
    const start = this.levelStarts[level + 1]!;
    const kept: Assignment[] = [];
    for (let i = start; i < this.trail.length; i++) {
      const assignment = this.trail[i]!;
      if (assignment.level <= level) kept.push(assignment);
      else changed.add(assignment.pkg);
    }
    this.trail.length = start;
    for (const assignment of kept) {
      assignment.index = this.trail.length;
      this.trail.push(assignment);
    }
    for (const pkg of changed) {
      const state = this.packages[pkg.index]!;
      if (state.decision !== null && state.decision.level > level) state.decision = null;
      const { assignments } = state;
      let write = 0;
      let recompute = false;
      for (let read = 0; read < assignments.length; read++) {
        const assignment = assignments[read]!;
        if (assignment.level > level) {
          recompute = true;
          continue;
        }
        if (recompute) {
          const before = write === 0 ? null : assignments[write - 1]!;
          assignment.accumulated = before === null ? assignment.term : intersect(before.accumulated, assignment.term);
          assignment.reach = before === null ? assignment.level : Math.max(before.reach, assignment.level);
        }
        assignments[write++] = assignment;
      }
      assignments.length = write;
      if (write === 0) this.packages[pkg.index] = undefined;
      else state.accumulated = assignments[write - 1]!.accumulated;
    }
    this.levelStarts.length = level + 1;
    this.level = level;
    return changed;
  }

  /**
   * How the incompatibility stands: satisfied, contradicted, inconclusive, or almost satisfied, in which case the
   * one term that is not yet satisfied is returned.
   */
  relation(incompatibility: Incompatibility): Relation | Term {
    let unsatisfied: Term | null = null;
    for (const term of incompatibility.terms) {
      const accumulated = this.packages[term.pkg.index]?.accumulated;
      if (accumulated !== undefined) {
        const a = accumulated.set.bits;
        if (a.length === 1) {
          // One word: satisfies and isDisjoint (term.ts) as word operations.
          const x = a[0]!;
          const y = term.set.bits[0]!;
          if (accumulated.positive) {
            if (term.positive ? (x & ~y) === 0 : (x & y) === 0) continue;
            if (term.positive ? (x & y) === 0 : (x & ~y) === 0) return 'contradicted';
          } else {
            if (!term.positive && (y & ~x) === 0) continue;
            if (term.positive && (y & ~x) === 0) return 'contradicted';
          }
        } else {
          if (satisfies(accumulated, term)) continue;
          if (isDisjoint(accumulated, term)) return 'contradicted';
        }
      }
      if (unsatisfied !== null) return 'inconclusive';
      unsatisfied = term;
    }
    return unsatisfied ?? 'satisfied';
  }

  /**
   * The level from which a contradicted incompatibility is contradicted: the lowest reach, among its terms that the
   * partial solution contradicts, of the first assignment to the term's package whose intersection is disjoint from
   * it (the intersections only shrink). Backtracking to that level or above leaves it contradicted.
   */
  contradictionLevel(incompatibility: Incompatibility): number {
    let level = this.level;
    for (const term of incompatibility.terms) {
      const state = this.packages[term.pkg.index];
      if (state === undefined || !isDisjoint(state.accumulated, term)) continue;
      const { assignments } = state;
      const first = assignments[firstRelated(assignments, term, isDisjoint)]!;
      if (first.reach < level) level = first.reach;
    }
    return level;
  }

  /**
   * Whether the term is satisfied from level 1 on: by the root's decision and what propagation derived from it
   * there, which conflict resolution never undoes (it backtracks to level 1 at the lowest).
   */
  satisfiedFromRoot(term: Term): boolean {
    const state = this.packages[term.pkg.index];
    if (state === undefined || !satisfies(state.accumulated, term)) return false;
    const { assignments } = state;
    return assignments[firstRelated(assignments, term, satisfies)]!.reach <= 1;
  }

  /** Whether every term of the incompatibility except the one about `pkg` is satisfied. */
  satisfiesAllBut(incompatibility: Incompatibility, pkg: PackageRef): boolean {
    return incompatibility.terms.every((term) => {
      if (term.pkg === pkg) return true;
      const accumulated = this.accumulated(term.pkg);
      return accumulated !== undefined && satisfies(accumulated, term);
    });
  }

  /** The level from which every term of the incompatibility but `except` is satisfied (they all are). */
  implicationLevel(incompatibility: Incompatibility, except: Term): number {
    let level = 0;
    for (const term of incompatibility.terms) {
      if (term === except) continue;
      const assignments = this.packages[term.pkg.index]!.assignments;
      const last = assignments[assignments.length - 1]!;
      // The latest reach is an upper bound: look further only when it could lower the answer.
      if (last.reach <= level) continue;
      const first = assignments[firstRelated(assignments, term, satisfies)]!;
      if (first.reach > level) level = first.reach;
    }
    return level;
  }

  /**
   * Finds the satisfier of an incompatibility the partial solution satisfies, the assignment from which it is
   * satisfied (the one of highest reach, and the latest among those), and the level from which it would be
   * satisfied without it.
   */
  satisfierSearch(incompatibility: Incompatibility): SatisfierSearch {
    let latest: { term: Term; assignments: Assignment[]; found: Assignment } | null = null;
    let previousLevel = 1;
    for (const term of incompatibility.terms) {
      const assignments = this.packages[term.pkg.index]!.assignments;
      const found = assignments[firstRelated(assignments, term, satisfies)]!;
      if (latest === null || found.reach > latest.found.reach || (found.reach === latest.found.reach && found.index > latest.found.index)) {
        if (latest !== null) previousLevel = Math.max(previousLevel, latest.found.reach);
        latest = { term, assignments, found };
      } else {
        previousLevel = Math.max(previousLevel, found.reach);
      }
    }
    const { term, assignments, found: satisfier } = latest!;
    // Unless the satisfier alone satisfies its term, the earliest earlier assignment to its package that does so
    // together with it is needed too.
    if (!satisfies(satisfier.term, term)) {
      const own = assignments[firstWhere(assignments, (a) => satisfies(intersect(a.accumulated, satisfier.term), term))]!;
      previousLevel = Math.max(previousLevel, own.reach);
    }
    return { pkg: term.pkg, satisfier, satisfierLevel: satisfier.reach, previousLevel };
  }

  private push(pkg: PackageRef, term: Term, cause: Incompatibility | null, level: number): void {
    let state = this.packages[pkg.index];
    if (state === undefined) {
      state = { pkg, assignments: [], accumulated: term, decision: null };
      this.packages[pkg.index] = state;
    }
    const before = state.assignments[state.assignments.length - 1];
    const accumulated = before === undefined ? term : intersect(before.accumulated, term);
    const reach = before === undefined ? level : Math.max(before.reach, level);
    const assignment: Assignment = { pkg, term, accumulated, level, reach, index: this.trail.length, cause };
    state.assignments.push(assignment);
    state.accumulated = accumulated;
    this.trail.push(assignment);
  }
}

/**
 * The first assignment whose intersection stands in `relation` (satisfies or isDisjoint) to `term`, which once true
 * stays true as intersections shrink (firstWhere without a closure: a hot path).
 */
function firstRelated(assignments: readonly Assignment[], term: Term, relation: (accumulated: Term, term: Term) => boolean): number {
  let low = 0;
  let high = assignments.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (relation(assignments[middle]!.accumulated, term)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The first position where `predicate` holds, for a predicate that, once true, stays true. */
function firstWhere(assignments: readonly Assignment[], predicate: (assignment: Assignment) => boolean): number {
  let low = 0;
  let high = assignments.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (predicate(assignments[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}
