// The partial solution (solver.md, "Partial Solution"): the solver's current assignments, per package in the order
// they were made. Each assignment keeps the intersection of every assignment to its package up to itself, so
// "is this term satisfied?" is one check against the latest intersection, and "which assignment first satisfied
// it?" is a binary search (the intersections only shrink), as in pubgrub-rs.
import type { VersionSet } from '../version-set.js';
import type { Version } from '../version.js';
import type { Incompatibility } from './incompatibility.js';
import type { PackageRef } from './packages.js';
import { intersect, isDisjoint, positive, satisfies, type Term } from './term.js';

export interface Assignment {
  /** What this assignment says: a decision's exact version, or the negation of its cause's term. */
  readonly term: Term;
  /** The intersection of this and every earlier assignment to the package. */
  readonly accumulated: Term;
  readonly level: number;
  /** Position in the whole partial solution. */
  readonly index: number;
  /** The incompatibility it was derived from; null for a decision. */
  readonly cause: Incompatibility | null;
}

export interface Decision {
  readonly version: Version;
  /** The version's position in its package's version list. */
  readonly position: number;
}

interface PackageAssignments {
  readonly assignments: Assignment[];
  decision: Decision | null;
}

export type Relation = 'satisfied' | 'contradicted' | 'inconclusive';

export interface SatisfierSearch {
  /** The package of the earliest assignment after which the incompatibility is satisfied. */
  readonly pkg: PackageRef;
  readonly satisfier: Assignment;
  /** The decision level of the assignment before it that the incompatibility also needs (at least 1). */
  readonly previousLevel: number;
}

export class PartialSolution {
  private readonly packages = new Map<PackageRef, PackageAssignments>();
  /** The package of every assignment, in order: backtracking pops from here, touching only what it undoes. */
  private readonly trail: PackageRef[] = [];
  level = 0;

  accumulated(pkg: PackageRef): Term | undefined {
    const assignments = this.packages.get(pkg)?.assignments;
    return assignments?.[assignments.length - 1]?.accumulated;
  }

  decision(pkg: PackageRef): Decision | null {
    return this.packages.get(pkg)?.decision ?? null;
  }

  /** Whether the package must be selected but has no version yet: a candidate for the next decision. */
  isPending(pkg: PackageRef): boolean {
    const state = this.packages.get(pkg);
    return state !== undefined && state.decision === null && state.assignments[state.assignments.length - 1]!.accumulated.positive;
  }

  /** Every package decided so far, with its decision. */
  decided(): Map<PackageRef, Decision> {
    const result = new Map<PackageRef, Decision>();
    for (const [pkg, state] of this.packages) if (state.decision !== null) result.set(pkg, state.decision);
    return result;
  }

  /** Selects `version`; `exact` is the set holding just it. */
  decide(pkg: PackageRef, version: Version, position: number, exact: VersionSet): void {
    this.level++;
    this.push(pkg, positive(pkg, exact), null);
    this.packages.get(pkg)!.decision = { version, position };
  }

  derive(pkg: PackageRef, term: Term, cause: Incompatibility): void {
    this.push(pkg, term, cause);
  }

  /** Drops every assignment above `level`; returns the packages that lost some. */
  backtrack(level: number): Set<PackageRef> {
    const changed = new Set<PackageRef>();
    for (;;) {
      const pkg = this.trail[this.trail.length - 1];
      if (pkg === undefined) break;
      const state = this.packages.get(pkg)!;
      const { assignments } = state;
      if (assignments[assignments.length - 1]!.level <= level) break;
      this.trail.pop();
      assignments.pop();
      state.decision = null; // a decision is its package's last assignment, so it goes first
      if (assignments.length === 0) this.packages.delete(pkg);
      changed.add(pkg);
    }
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
      const accumulated = this.accumulated(term.pkg);
      if (accumulated !== undefined) {
        if (satisfies(accumulated, term)) continue;
        if (isDisjoint(accumulated, term)) return 'contradicted';
      }
      if (unsatisfied !== null) return 'inconclusive';
      unsatisfied = term;
    }
    return unsatisfied ?? 'satisfied';
  }

  /** Whether every term of the incompatibility except the one about `pkg` is satisfied. */
  satisfiesAllBut(incompatibility: Incompatibility, pkg: PackageRef): boolean {
    return incompatibility.terms.every((term) => {
      if (term.pkg === pkg) return true;
      const accumulated = this.accumulated(term.pkg);
      return accumulated !== undefined && satisfies(accumulated, term);
    });
  }

  /** Finds the satisfier and the previous satisfier of an incompatibility the partial solution satisfies. */
  satisfierSearch(incompatibility: Incompatibility): SatisfierSearch {
    const found = incompatibility.terms.map((term) => {
      const assignments = this.packages.get(term.pkg)!.assignments;
      return { term, assignments, position: firstWhere(assignments, (a) => satisfies(a.accumulated, term)) };
    });
    let latest = found[0]!;
    for (const entry of found) if (at(entry).index > at(latest).index) latest = entry;
    const satisfier = at(latest);

    // The previous satisfier: the latest of the other packages' satisfiers and, unless the satisfier alone
    // satisfies its term, the earliest earlier assignment to its package that does so together with it.
    let previous: Assignment | null = null;
    for (const entry of found) if (entry !== latest && (previous === null || at(entry).index > previous.index)) previous = at(entry);
    if (!satisfies(satisfier.term, latest.term)) {
      const own = firstWhere(latest.assignments, (a) => satisfies(intersect(a.accumulated, satisfier.term), latest.term));
      const candidate = latest.assignments[own]!;
      if (previous === null || candidate.index > previous.index) previous = candidate;
    }
    return { pkg: latest.term.pkg, satisfier, previousLevel: Math.max(1, previous?.level ?? 1) };
  }

  private push(pkg: PackageRef, term: Term, cause: Incompatibility | null): void {
    let state = this.packages.get(pkg);
    if (state === undefined) {
      state = { assignments: [], decision: null };
      this.packages.set(pkg, state);
    }
    const before = state.assignments[state.assignments.length - 1]?.accumulated;
    const accumulated = before === undefined ? term : intersect(before, term);
    state.assignments.push({ term, accumulated, level: this.level, index: this.trail.length, cause });
    this.trail.push(pkg);
  }
}

function at(entry: { assignments: Assignment[]; position: number }): Assignment {
  return entry.assignments[entry.position]!;
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
