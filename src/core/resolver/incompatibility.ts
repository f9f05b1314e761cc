// Incompatibilities: sets of terms that cannot all be true (solver.md, "Incompatibility"). External ones record a
// fact about the registry (a dependency, a missing version or feature); derived ones come from conflict resolution
// and remember the two incompatibilities they were derived from, which is what failure explanations walk.
import type { Version } from '../version.js';
import type { PackageRef } from './packages.js';
import { intersect, isAny, union, type Term } from './term.js';

export type Cause =
  /** `not root <version>`: the root package must be selected. */
  | { readonly kind: 'root' }
  /** `{depender range, not dependency requirement}`, or with a condition in the middle for weak features. */
  | { readonly kind: 'dependency' }
  /** No allowed version in the term's range; `yanked` lists the versions there that are yanked. */
  | { readonly kind: 'noVersions'; readonly yanked: readonly string[] }
  /** Any other fact about the registry, described once when it is found (a missing feature, broken metadata). */
  | { readonly kind: 'fact'; readonly text: string }
  | { readonly kind: 'derived'; readonly conflict: Incompatibility; readonly other: Incompatibility };

export class Incompatibility {
  /**
   * The decision level at which unit propagation found this incompatibility contradicted, or -1. A cache that spares
   * re-checking it; the solver resets it when backtracking below that level.
   */
  contradictedAt = -1;
  /**
   * For an incompatibility of many terms (the solver's WATCHED_TERMS), the positions of the two terms propagation
   * watches, or -1: it is looked at when one of them becomes satisfied, not whenever any of its packages changes.
   */
  watchA = -1;
  watchB = -1;

  /** At most one term per package, in a stable order (the depender first for dependencies). */
  constructor(
    readonly terms: readonly Term[],
    readonly cause: Cause,
  ) {}

  term(pkg: PackageRef): Term | undefined {
    return this.terms.find((term) => term.pkg === pkg);
  }

  isDerived(): boolean {
    return this.cause.kind === 'derived';
  }
}

/** The root package has a single version, at this position of its version list. */
export const ROOT_POSITION = 0;

/** The root package, whose positive terms always hold once it is selected. */
export interface RootIdentity {
  readonly pkg: PackageRef;
  readonly version: Version;
}

/** Whether the incompatibility says that version solving as a whole fails: nothing, or "the root cannot be used". */
export function isTerminal(incompatibility: Incompatibility, root: RootIdentity): boolean {
  const { terms } = incompatibility;
  if (terms.length === 0) return true;
  if (terms.length > 1) return false;
  const only = terms[0]!;
  return only.pkg === root.pkg && only.positive && only.set.has(ROOT_POSITION);
}

/**
 * Resolution of `incompatibility` with `satisfierCause` on `pkg` (solver.md, "Conflict Resolution"): given
 * `{t1, q}` and `{t2, r}`, derive `{q, r, t1 ∪ t2}`, dropping `t1 ∪ t2` when it allows anything. Terms about one
 * package are intersected, and positive root terms are dropped as always true (solver.md, "Incompatibility").
 */
export function priorCause(
  incompatibility: Incompatibility,
  satisfierCause: Incompatibility,
  pkg: PackageRef,
  root: RootIdentity,
): Incompatibility {
  const terms = new Map<PackageRef, Term>();
  const add = (term: Term): void => {
    const existing = terms.get(term.pkg);
    terms.set(term.pkg, existing === undefined ? term : intersect(existing, term));
  };
  for (const term of incompatibility.terms) if (term.pkg !== pkg) add(term);
  for (const term of satisfierCause.terms) if (term.pkg !== pkg) add(term);
  const merged = union(incompatibility.term(pkg)!, satisfierCause.term(pkg)!);
  if (!isAny(merged)) add(merged);
  const rootTerm = terms.get(root.pkg);
  if (terms.size > 1 && rootTerm !== undefined && rootTerm.positive && rootTerm.set.has(ROOT_POSITION)) {
    terms.delete(root.pkg);
  }
  return new Incompatibility([...terms.values()], { kind: 'derived', conflict: incompatibility, other: satisfierCause });
}
