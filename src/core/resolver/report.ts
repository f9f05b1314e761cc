// Failure explanations: the derivation graph of the incompatibility that proved version solving impossible, told
// as sentences, following solver.md "Error Reporting" and Dart pub's writer (lib/src/solver/failure.dart): one line
// per derived incompatibility, "Because X and Y, Z." / "And because X, Z." / "So, because X, version solving
// failed.", with a line number such as "(1)" on a conclusion that is referred to again further down.
//
// Terms read as `x ^1.0` (the requirement as written), `x 1.0.0`, `every version of x`, or the bare name for the
// root and for "any version"; virtual packages read as `x ^1.0 with feature \`f\``.
import { isTerminal, ROOT_POSITION, type Incompatibility, type RootIdentity } from './incompatibility.js';
import type { PackageRef } from './packages.js';
import { negate, satisfies, type Term } from './term.js';

/** What a virtual package adds to its package's name: `with feature \`f\``; empty for a real package. */
export function qualifier(ref: PackageRef): string {
  if (ref.kind === 'feature') return ` with feature \`${ref.feature}\``;
  if (ref.kind === 'optional') return ` with optional dependency \`${ref.dependency}\``;
  return '';
}

/** The explanation of why `failure` (a terminal incompatibility) holds. */
export function explain(failure: Incompatibility, root: RootIdentity): string {
  return new Writer(failure, root).write();
}

/** The real packages named by the external facts behind `failure`, the root left out, sorted. */
export function involvedPackages(failure: Incompatibility, root: RootIdentity): string[] {
  const names = new Set<string>();
  const seen = new Set<Incompatibility>();
  const visit = (incompatibility: Incompatibility): void => {
    if (seen.has(incompatibility)) return;
    seen.add(incompatibility);
    const { cause } = incompatibility;
    if (cause.kind === 'derived') {
      visit(cause.conflict);
      visit(cause.other);
      return;
    }
    for (const term of incompatibility.terms) if (term.pkg.base !== root.pkg.base) names.add(term.pkg.base);
  };
  visit(failure);
  return [...names].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// One incompatibility as a clause

class Phrasing {
  constructor(private readonly root: RootIdentity) {}

  /** A term without its polarity: `x ^1.0`, `x`, `every version of x` (when `allowEvery`), `app` for the root. */
  terse(term: Term, allowEvery = false): string {
    const { pkg, set } = term;
    const isRoot = pkg.base === this.root.pkg.base;
    let name: string;
    if (allowEvery && set.isFull() && !isRoot) name = `every version of ${pkg.base}`;
    else if (set.isFull() || (isRoot && set.has(ROOT_POSITION))) name = pkg.base;
    else name = `${pkg.base} ${set}`;
    return name + qualifier(pkg);
  }

  describe(incompatibility: Incompatibility): string {
    const { terms, cause } = incompatibility;
    switch (cause.kind) {
      case 'dependency':
        if (terms.length === 2) return `${this.terse(terms[0]!, true)} depends on ${this.terse(terms[1]!)}`;
        break;
      case 'noVersions':
        return this.noVersions(terms[0]!, cause.yanked);
      case 'fact':
        return cause.text;
      case 'root':
        return `${this.root.pkg.base} is ${terms[0]!.set}`;
      case 'derived':
        break;
    }
    if (isTerminal(incompatibility, this.root)) return 'version solving failed';
    return this.describeTerms(terms);
  }

  private noVersions(term: Term, yanked: readonly string[]): string {
    const subject = term.pkg.base + qualifier(term.pkg);
    const text = term.set.isFull() ? `${subject} has no versions` : `no versions of ${subject} match ${term.set}`;
    if (yanked.length === 0) return text;
    return `${text} (${listed(yanked)} ${yanked.length === 1 ? 'is' : 'are'} yanked)`;
  }

  private describeTerms(terms: readonly Term[]): string {
    if (terms.length === 1) return `${this.terse(terms[0]!)} ${terms[0]!.positive ? 'cannot be used' : 'is required'}`;
    const positives = terms.filter((t) => t.positive);
    const negatives = terms.filter((t) => !t.positive);
    const positiveText = positives.map((t) => this.terse(t));
    const negativeText = negatives.map((t) => this.terse(t));
    if (terms.length === 2 && negatives.length === 0) return `${positiveText[0]} is incompatible with ${positiveText[1]}`;
    if (terms.length === 2 && positives.length === 0) return `either ${negativeText[0]} or ${negativeText[1]} is required`;
    if (positives.length === 1 && negatives.length > 0) return `${this.terse(positives[0]!, true)} requires ${negativeText.join(' or ')}`;
    if (negatives.length > 0) return `if ${positiveText.join(' and ')} then ${negativeText.join(' or ')}`;
    if (positives.length > 0) return `${listed(positiveText)} cannot be used together`;
    return `one of ${negativeText.join(' or ')} is required`;
  }

  /** "`a` and `b`", phrased more naturally where a pattern allows (pub's Incompatibility.andToString). */
  and(a: Incompatibility, b: Incompatibility, aLine?: number, bLine?: number): string {
    return (
      this.requiresBoth(a, b, aLine, bLine) ??
      this.requiresThrough(a, b, aLine, bLine) ??
      this.requiresForbidden(a, b, aLine, bLine) ??
      `${this.describe(a)}${reference(aLine)} and ${this.describe(b)}${reference(bLine)}`
    );
  }

  /** "x depends on both y ^1 and z ^2". */
  private requiresBoth(a: Incompatibility, b: Incompatibility, aLine?: number, bLine?: number): string | null {
    if (a.terms.length === 1 || b.terms.length === 1) return null;
    const aPositive = single(a, true);
    const bPositive = single(b, true);
    if (aPositive === null || bPositive === null) return null;
    if (aPositive.pkg !== bPositive.pkg || !aPositive.set.equals(bPositive.set)) return null;
    const verb = a.cause.kind === 'dependency' && b.cause.kind === 'dependency' ? 'depends on' : 'requires';
    return (
      `${this.terse(aPositive, true)} ${verb} both ${this.negatives(a)}${reference(aLine)} ` +
      `and ${this.negatives(b)}${reference(bLine)}`
    );
  }

  /** "x depends on y ^1 which depends on z ^2". */
  private requiresThrough(a: Incompatibility, b: Incompatibility, aLine?: number, bLine?: number): string | null {
    if (a.terms.length === 1 || b.terms.length === 1) return null;
    const leadsTo = (from: Incompatibility, to: Incompatibility): boolean => {
      const fromNegative = single(from, false);
      const toPositive = single(to, true);
      // A requirement that no version matches leads nowhere (the empty set is within every other).
      return (
        fromNegative !== null &&
        toPositive !== null &&
        fromNegative.pkg === toPositive.pkg &&
        !fromNegative.set.isEmpty() &&
        satisfies(negate(fromNegative), toPositive)
      );
    };
    let order: [Incompatibility, number | undefined, Incompatibility, number | undefined];
    if (leadsTo(a, b)) order = [a, aLine, b, bLine];
    else if (leadsTo(b, a)) order = [b, bLine, a, aLine];
    else return null;
    const [prior, priorLine, latter, latterLine] = order;
    const subject = this.subject(prior);
    const latterNegatives = this.negatives(latter);
    if (subject === null || latterNegatives === '') return null;
    return (
      `${subject}${this.terse(single(prior, false)!)}${reference(priorLine)} which ${verb(latter)} ` +
      `${latterNegatives}${reference(latterLine)}`
    );
  }

  /** "x depends on y ^1 which doesn't match any versions" / "... but y 1.0.0 has no feature `f`". */
  private requiresForbidden(a: Incompatibility, b: Incompatibility, aLine?: number, bLine?: number): string | null {
    if (a.terms.length !== 1 && b.terms.length !== 1) return null;
    const [prior, priorLine, latter, latterLine] = a.terms.length === 1 ? [b, bLine, a, aLine] : [a, aLine, b, bLine];
    const priorNegative = single(prior, false);
    const forbidden = latter.terms[0]!;
    if (priorNegative === null || !satisfies(negate(priorNegative), forbidden) || latter.cause.kind === 'root') return null;
    const subject = this.subject(prior);
    if (subject === null) return null;
    let reason: string;
    if (latter.cause.kind === 'noVersions') {
      const yanked = latter.cause.yanked;
      reason = `which doesn't match any versions${yanked.length === 0 ? '' : ` (${listed(yanked)} ${yanked.length === 1 ? 'is' : 'are'} yanked)`}`;
    } else if (latter.cause.kind === 'fact') {
      reason = `but ${latter.cause.text}`;
    } else {
      reason = 'which cannot be used';
    }
    return `${subject}${this.terse(priorNegative)}${reference(priorLine)} ${reason}${reference(latterLine)}`;
  }

  /** "x ^1 depends on " or "if x ^1 and y ^2 then ": the start of a sentence about what `prior` requires. */
  private subject(prior: Incompatibility): string | null {
    const positives = prior.terms.filter((t) => t.positive);
    if (positives.length === 0) return null;
    if (positives.length > 1) return `if ${positives.map((t) => this.terse(t)).join(' and ')} then `;
    return `${this.terse(positives[0]!, true)} ${verb(prior)} `;
  }

  private negatives(incompatibility: Incompatibility): string {
    return incompatibility.terms
      .filter((t) => !t.positive)
      .map((t) => this.terse(t))
      .join(' or ');
  }
}

function single(incompatibility: Incompatibility, positive: boolean): Term | null {
  const matching = incompatibility.terms.filter((t) => t.positive === positive);
  return matching.length === 1 ? matching[0]! : null;
}

function verb(incompatibility: Incompatibility): string {
  return incompatibility.cause.kind === 'dependency' ? 'depends on' : 'requires';
}

function reference(line: number | undefined): string {
  return line === undefined ? '' : ` (${line})`;
}

/** "a", "a and b", "a, b and c", "a, b, c and 2 others". */
function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length > 4) return `${items.slice(0, 3).join(', ')} and ${items.length - 3} others`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The derivation graph as numbered lines

class Writer {
  /** How many derived incompatibilities each incompatibility of the graph is a cause of (at least 1). */
  private readonly uses = new Map<Incompatibility, number>();
  private readonly lines: Array<{ text: string; number: number | null }> = [];
  private readonly lineNumbers = new Map<Incompatibility, number>();
  private readonly phrasing: Phrasing;

  constructor(
    private readonly root: Incompatibility,
    identity: RootIdentity,
  ) {
    this.phrasing = new Phrasing(identity);
    this.countUses(root);
  }

  write(): string {
    if (this.root.cause.kind === 'derived') this.visit(this.root, false);
    else this.add(this.root, `Because ${this.phrasing.describe(this.root)}, version solving failed.`, false);
    // Lines get a number only when they are referred to; the others are indented to line up with them.
    const width = this.lineNumbers.size === 0 ? 0 : `(${this.lineNumbers.size}) `.length;
    const output: string[] = [];
    for (const { text, number } of this.lines) {
      if (text === '') {
        if (output[output.length - 1] !== '') output.push('');
        continue;
      }
      output.push((number === null ? '' : `(${number})`).padEnd(width) + text);
    }
    return output.join('\n');
  }

  private countUses(incompatibility: Incompatibility): void {
    const count = this.uses.get(incompatibility);
    if (count !== undefined) {
      this.uses.set(incompatibility, count + 1);
      return;
    }
    this.uses.set(incompatibility, 1);
    const { cause } = incompatibility;
    if (cause.kind === 'derived') {
      this.countUses(cause.conflict);
      this.countUses(cause.other);
    }
  }

  private add(incompatibility: Incompatibility, text: string, numbered: boolean): void {
    let number: number | null = null;
    if (numbered) {
      number = this.lineNumbers.size + 1;
      this.lineNumbers.set(incompatibility, number);
    }
    this.lines.push({ text, number });
  }

  /** Writes the lines proving `incompatibility`, a derived one; `conclusion` ends a chain referred to later. */
  private visit(incompatibility: Incompatibility, conclusion: boolean): void {
    const numbered = conclusion || this.uses.get(incompatibility)! > 1;
    const conjunction = conclusion || incompatibility === this.root ? 'So,' : 'And';
    const claim = this.phrasing.describe(incompatibility);
    const { conflict, other } = causes(incompatibility);
    const p = this.phrasing;

    if (conflict.isDerived() && other.isDerived()) {
      const conflictLine = this.lineNumbers.get(conflict);
      const otherLine = this.lineNumbers.get(other);
      if (conflictLine !== undefined && otherLine !== undefined) {
        this.add(incompatibility, `Because ${p.and(conflict, other, conflictLine, otherLine)}, ${claim}.`, numbered);
      } else if (conflictLine !== undefined || otherLine !== undefined) {
        const [withLine, withoutLine, line] =
          conflictLine !== undefined ? [conflict, other, conflictLine] : [other, conflict, otherLine!];
        this.visit(withoutLine, false);
        this.add(incompatibility, `${conjunction} because ${p.describe(withLine)} (${line}), ${claim}.`, numbered);
      } else if (isSingleLine(conflict) || isSingleLine(other)) {
        // The one-line cause goes second, close to the conclusion, so it needs no number.
        const [first, second] = isSingleLine(other) ? [conflict, other] : [other, conflict];
        this.visit(first, false);
        this.visit(second, false);
        this.add(incompatibility, `Thus, ${claim}.`, numbered);
      } else {
        this.visit(conflict, true);
        this.lines.push({ text: '', number: null });
        this.visit(other, false);
        const line = this.lineNumbers.get(conflict)!;
        this.add(incompatibility, `${conjunction} because ${p.describe(conflict)} (${line}), ${claim}.`, numbered);
      }
      return;
    }

    if (conflict.isDerived() || other.isDerived()) {
      const [derived, external] = conflict.isDerived() ? [conflict, other] : [other, conflict];
      const derivedLine = this.lineNumbers.get(derived);
      if (derivedLine !== undefined) {
        this.add(incompatibility, `Because ${p.and(external, derived, undefined, derivedLine)}, ${claim}.`, numbered);
      } else if (this.isCollapsible(derived)) {
        // Skip writing `derived` itself: its own external cause joins this line instead.
        const inner = causes(derived);
        const [innerDerived, innerExternal] = inner.conflict.isDerived()
          ? [inner.conflict, inner.other]
          : [inner.other, inner.conflict];
        this.visit(innerDerived, false);
        this.add(incompatibility, `${conjunction} because ${p.and(innerExternal, external)}, ${claim}.`, numbered);
      } else {
        this.visit(derived, false);
        this.add(incompatibility, `${conjunction} because ${p.describe(external)}, ${claim}.`, numbered);
      }
      return;
    }

    this.add(incompatibility, `Because ${p.and(conflict, other)}, ${claim}.`, numbered);
  }

  /** Whether `incompatibility` (used once, from one derived and one external cause) can be folded into its user. */
  private isCollapsible(incompatibility: Incompatibility): boolean {
    if (this.uses.get(incompatibility)! > 1) return false;
    const { conflict, other } = causes(incompatibility);
    if (conflict.isDerived() === other.isDerived()) return false;
    return !this.lineNumbers.has(conflict.isDerived() ? conflict : other);
  }
}

function causes(incompatibility: Incompatibility): { conflict: Incompatibility; other: Incompatibility } {
  const { cause } = incompatibility;
  if (cause.kind !== 'derived') throw new Error('an external incompatibility has no causes');
  return cause;
}

/** Whether a derived incompatibility follows from two external ones, and so fits in one line. */
function isSingleLine(incompatibility: Incompatibility): boolean {
  const { conflict, other } = causes(incompatibility);
  return !conflict.isDerived() && !other.isDerived();
}
