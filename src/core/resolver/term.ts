// PubGrub terms: a statement about one package that a selection of versions makes true or false. `foo ^1.0` holds
// when foo is selected at a version in ^1.0; `not foo ^1.0` holds when foo is not selected at all or is selected
// outside ^1.0. A negative term therefore also allows "not selected", which is why the rules below are not
// symmetric (solver.md, "Term").
import type { PositionSet } from './position-set.js';
import type { PackageRef } from './packages.js';

export interface Term {
  /** The solver package (a real package, or one of the virtual packages for features). */
  readonly pkg: PackageRef;
  readonly positive: boolean;
  readonly set: PositionSet;
}

export function positive(pkg: PackageRef, set: PositionSet): Term {
  return { pkg, positive: true, set };
}

export function negative(pkg: PackageRef, set: PositionSet): Term {
  return { pkg, positive: false, set };
}

export function negate(term: Term): Term {
  return { pkg: term.pkg, positive: !term.positive, set: term.set };
}

/** Whether the term allows anything at all, "not selected" included: such a term says nothing. */
export function isAny(term: Term): boolean {
  return !term.positive && term.set.isEmpty();
}

/** The selections both terms allow (both about the same package). */
export function intersect(a: Term, b: Term): Term {
  if (a.positive && b.positive) return positive(a.pkg, a.set.intersection(b.set));
  if (a.positive) return positive(a.pkg, a.set.difference(b.set));
  if (b.positive) return positive(a.pkg, b.set.difference(a.set));
  return negative(a.pkg, a.set.union(b.set));
}

/** The selections either term allows (both about the same package). */
export function union(a: Term, b: Term): Term {
  if (a.positive && b.positive) return positive(a.pkg, a.set.union(b.set));
  if (a.positive) return negative(a.pkg, b.set.difference(a.set));
  if (b.positive) return negative(a.pkg, a.set.difference(b.set));
  return negative(a.pkg, a.set.intersection(b.set));
}

/** Whether every selection `a` allows, `b` allows too (`a` satisfies `b`). */
export function satisfies(a: Term, b: Term): boolean {
  if (a.positive) return b.positive ? a.set.isSubsetOf(b.set) : a.set.isDisjointFrom(b.set);
  // A negative term allows "not selected", which no positive term allows.
  return !b.positive && b.set.isSubsetOf(a.set);
}

/** Whether no selection satisfies both (`a` contradicts `b`). */
export function isDisjoint(a: Term, b: Term): boolean {
  if (a.positive && b.positive) return a.set.isDisjointFrom(b.set);
  if (a.positive) return a.set.isSubsetOf(b.set);
  if (b.positive) return b.set.isSubsetOf(a.set);
  return false;
}
