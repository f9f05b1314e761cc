// The PubGrub loop (solver.md "The Algorithm", structured as in pubgrub-rs): unit propagation derives what the
// known incompatibilities force; conflict resolution learns a new incompatibility from each conflict and backtracks;
// decision making picks a version for the waiting package that queue.ts ranks first and adds its dependencies as
// incompatibilities, lazily.
//
// What keeps it fast: sets of versions are bit sets over each package's published versions (position-set.ts);
// incompatibilities are indexed by package and grouped by term (incompatibility-index.ts), so propagation only
// looks at the groups that a package's change newly satisfies; each incompatibility remembers the level at which
// it was found contradicted, so it is not looked at again until the solver backtracks below that level; the waiting
// packages sit in an indexed heap; a version's dependency incompatibilities are made once, so deciding it again
// costs little; and backtracking after a conflict is chronological (one level) rather than all the way to the
// previous satisfier's level, with each derived assignment at the level of what implies it (partial-solution.ts),
// so that learning a fact about one package neither throws away every unrelated decision made since nor has to be
// learnt again at each level below (Nadel and Ryvchin, SAT 2018; Möhle and Biere, SAT 2019). And a package's
// dependencies are added as soon as it is required, not only when it is decided (lookAhead), so that conflicts with
// them are found early.
import type { Resolved } from '../resolver.js';
import type { Budget } from './budget.js';
import { IncompatibilityIndex, type Group } from './incompatibility-index.js';
import { Incompatibility, isTerminal, priorCause, ROOT_POSITION, type RootIdentity } from './incompatibility.js';
import { PartialSolution, type Decision } from './partial-solution.js';
import { describeBounds, type PositionSet } from './position-set.js';
import { realOf, type Dependency, type PackageRef, type RealPackage, type Registry, type VersionDependencies, type VersionRecord } from './packages.js';
import { DecisionQueue } from './queue.js';
import { qualifier } from './report.js';
import { negate, negative, positive, satisfies, type Term } from './term.js';

export type Outcome = { ok: true; packages: Resolved[] } | { ok: false; failure: Incompatibility };

interface VersionIncompatibilities {
  readonly dependencies: readonly Incompatibility[];
  /** For each dependency whose whole range has no candidate version, the incompatibility that says so. */
  readonly impossible: readonly Incompatibility[];
}

/**
 * Incompatibilities with more terms than this are watched (two of their terms, as SAT solvers watch two literals of
 * a clause) rather than listed under each of their packages' groups. Conflict resolution can learn incompatibilities
 * of hundreds of terms (bench/resolver.mjs, every dependency recent at 10,000 packages: a thousand terms and more),
 * and each was then looked at, term by term, whenever any of its packages changed: most of the solve.
 */
export const WATCHED_TERMS = 6;

/** Thrown by conflict resolution when it derives that the root cannot be selected. */
class NoSolution {
  constructor(readonly incompatibility: Incompatibility) {}
}

export class Solver {
  private readonly solution = new PartialSolution();
  private readonly queue = new DecisionQueue();
  private readonly index = new IncompatibilityIndex();
  /** Incompatibilities added since propagation last ran, which it must look at once whatever changes. */
  private readonly fresh: Incompatibility[] = [];
  /** Every incompatibility, for the check that nothing was missed before answering. */
  private readonly all: Incompatibility[] = [];
  /** Each package's accumulated term when propagation last looked at all its satisfied groups, by package index. */
  private readonly examined: Array<Term | undefined> = [];
  /** The incompatibilities marked contradicted, by the level marked at. */
  private readonly contradicted: Incompatibility[][] = [];
  /** The incompatibilities of each version's dependencies, by the registry's (cached) dependency list. */
  private readonly versionIncompatibilities = new Map<VersionDependencies, VersionIncompatibilities>();
  /** Dependencies whose whole range has no candidate: the incompatibility saying so, made once. */
  private readonly emptyRanges = new Map<PackageRef, Map<PositionSet, Incompatibility>>();
  /**
   * Dependency incompatibilities already made, by depender (package index), dependency and run of versions:
   * adjacent versions share them.
   */
  private readonly sharedIncompatibilities: Array<Map<Dependency, Array<number | Incompatibility>> | undefined> = [];
  /** Propagation's packages still to look at, and the same as a set (kept from one propagation to the next). */
  private readonly changed: PackageRef[] = [];
  /** By package index: 1 while in `changed` (a Set here reallocated its table as it emptied and filled, thousands of times a solve). */
  private queued = new Uint8Array(256);
  private readonly enqueue = (pkg: PackageRef): void => {
    if (pkg.index >= this.queued.length) {
      const grown = new Uint8Array(Math.max(2 * this.queued.length, pkg.index + 1));
      grown.set(this.queued);
      this.queued = grown;
    }
    if (this.queued[pkg.index] === 1) return;
    this.queued[pkg.index] = 1;
    this.changed.push(pkg);
  };
  /**
   * By package index, the watched incompatibilities with a watched term about the package. A watch that moved to
   * another package leaves its entry behind, dropped when the list is next read.
   */
  private readonly watches: Array<Incompatibility[] | undefined> = [];
  private readonly isPending = (pkg: PackageRef): boolean => this.solution.isPending(pkg);
  /** Packages newly required since lookAhead() last ran, and the position (+1) it last looked at for each. */
  private readonly ahead: PackageRef[] = [];
  private readonly lookedAhead: number[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly root: RootIdentity,
    private readonly budget: Budget,
    /** Incompatibilities with more terms than this are watched (WATCHED_TERMS; the tests watch nearly all). */
    private readonly watchedTerms = WATCHED_TERMS,
  ) {}

  async run(): Promise<Outcome> {
    this.add(new Incompatibility([negative(this.root.pkg, this.registry.exact(this.root.pkg.base, ROOT_POSITION))], { kind: 'root' }));
    let next: readonly PackageRef[] = [this.root.pkg];
    try {
      for (;;) {
        this.budget.checkTime();
        this.propagate(next);
        if (this.ahead.length > 0) {
          const added = this.lookAhead();
          if (added instanceof Promise ? await added : added) {
            next = [];
            continue;
          }
        }
        const pkg = this.queue.best(this.isPending);
        if (pkg === null) {
          if (this.unsettled()) {
            next = [];
            continue;
          }
          return { ok: true, packages: this.extractSolution() };
        }
        // Only reading a package the first time is asynchronous: the rest of a decision runs without awaiting.
        const decided = this.decide(pkg);
        next = decided instanceof Promise ? await decided : decided;
      }
    } catch (error) {
      if (error instanceof NoSolution) return { ok: false, failure: error.incompatibility };
      throw error;
    }
  }

  private add(incompatibility: Incompatibility): void {
    // A watched one gets its watches when first looked at (it is fresh now).
    if (incompatibility.terms.length <= this.watchedTerms) this.index.add(incompatibility);
    this.fresh.push(incompatibility);
    this.all.push(incompatibility);
  }

  /**
   * Whether some incompatibility is satisfied or almost satisfied yet not acted on, which propagation should
   * never leave behind: a last check before answering, which puts any such incompatibility up to be looked at.
   */
  private unsettled(): boolean {
    for (const incompatibility of this.all) {
      if (incompatibility.contradictedAt >= 0) continue;
      const relation = this.solution.relation(incompatibility);
      if (relation !== 'inconclusive' && relation !== 'contradicted') this.fresh.push(incompatibility);
    }
    return this.fresh.length > 0;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Unit propagation and conflict resolution

  /**
   * Unit propagation (solver.md, "Unit Propagation") from the packages in `start` and the fresh incompatibilities:
   * derives what almost satisfied incompatibilities force, and resolves each conflict found on the way.
   */
  private propagate(start: readonly PackageRef[]): void {
    const { changed, enqueue } = this;
    // Left empty by the last propagation, unless that one ended in an exception (which ends the solve).
    for (const pkg of start) enqueue(pkg);
    for (;;) {
      let conflict: Incompatibility | null;
      if (this.fresh.length > 0) {
        conflict = this.examineFresh(enqueue);
      } else {
        const pkg = changed.pop();
        if (pkg === undefined) return;
        this.queued[pkg.index] = 0;
        conflict = this.examinePackage(pkg, enqueue);
      }
      // Conflict resolution leaves what it learned almost satisfied, among the fresh incompatibilities: looking at
      // it derives what it says. The packages still waiting to be looked at stay: backtracking is chronological,
      // so their changes may have survived it.
      if (conflict !== null) this.resolveConflict(conflict);
    }
  }

  /** Looks at the fresh incompatibilities, newest first; returns the first one found satisfied. */
  private examineFresh(enqueue: (pkg: PackageRef) => void): Incompatibility | null {
    for (let incompatibility = this.fresh.pop(); incompatibility !== undefined; incompatibility = this.fresh.pop()) {
      if (this.examine(incompatibility, enqueue)) return incompatibility;
    }
    return null;
  }

  /**
   * Looks at the incompatibilities whose term about `pkg` its assignments newly satisfy, newest first (conflict
   * resolution tends to add the more general ones later); returns the first one found satisfied.
   */
  private examinePackage(pkg: PackageRef, enqueue: (pkg: PackageRef) => void): Incompatibility | null {
    const accumulated = this.solution.accumulated(pkg);
    if (accumulated === undefined) return null; // backtracked away meanwhile
    const before = this.examined[pkg.index];
    if (before === accumulated) return null;
    const watched = this.watches[pkg.index];
    if (watched !== undefined && watched.length > 0) {
      const conflict = this.examineWatched(pkg, accumulated, watched, enqueue);
      if (conflict !== null) {
        this.examined[pkg.index] = undefined;
        return conflict;
      }
    }
    let groups: readonly Group[] | null = null;
    // From a positive term to a smaller one, or from a negative one to a larger one: only the groups touched by the
    // versions in between can have become satisfied. Otherwise (a first assignment, or the first positive one),
    // every group is checked.
    if (before !== undefined && before.positive === accumulated.positive) {
      const between = before.positive ? before.set.difference(accumulated.set) : accumulated.set.difference(before.set);
      groups = this.index.touched(pkg, between, accumulated.positive ? accumulated.set.count() : -1);
    }
    const checked = groups ?? this.index.groups(pkg);
    const newestFirst = groups === null;
    const bits = accumulated.set.bits;
    // With a one-word version list, whether the accumulated term satisfies a group's term is one word operation.
    const word = bits.length === 1 ? bits[0]! : null;
    for (let i = 0; i < checked.length; i++) {
      const group = checked[newestFirst ? checked.length - 1 - i : i]!;
      let satisfied: boolean;
      if (word !== null && group.word !== null) {
        if (accumulated.positive) satisfied = group.term.positive ? (word & ~group.word) === 0 : (word & group.word) === 0;
        else satisfied = !group.term.positive && (group.word & ~word) === 0;
      } else {
        satisfied = satisfies(accumulated, group.term);
      }
      if (!satisfied) continue;
      const { members } = group;
      for (let m = members.length - 1; m >= 0; m--) {
        const incompatibility = members[m]!;
        if (incompatibility.contradictedAt < 0 && this.examine(incompatibility, enqueue)) {
          this.examined[pkg.index] = undefined;
          return incompatibility;
        }
      }
    }
    this.examined[pkg.index] = accumulated;
    return null;
  }



  /**
   * Looks at the watched incompatibilities whose watched term about `pkg` is now satisfied: the watch moves to
   * another term that is not satisfied, or, when there is none, the incompatibility is examined (it is almost
   * satisfied, satisfied or contradicted). Returns the first one found satisfied.
   */
  private examineWatched(pkg: PackageRef, accumulated: Term, list: Incompatibility[], enqueue: (pkg: PackageRef) => void): Incompatibility | null {
    let write = 0;
    let conflict: Incompatibility | null = null;
    let read = 0;
    for (; read < list.length && conflict === null; read++) {
      const incompatibility = list[read]!;
      const { terms, watchA, watchB } = incompatibility;
      const which = terms[watchA]?.pkg === pkg ? watchA : terms[watchB]?.pkg === pkg ? watchB : -1;
      if (which < 0) continue; // its watch moved on: drop the entry
      if (incompatibility.contradictedAt >= 0 || !satisfies(accumulated, terms[which]!)) {
        list[write++] = incompatibility;
        continue;
      }
      const moved = this.unsatisfiedTerm(terms, watchA, watchB);
      if (moved >= 0) {
        if (which === watchA) incompatibility.watchA = moved;
        else incompatibility.watchB = moved;
        this.watchList(terms[moved]!.pkg).push(incompatibility);
        continue;
      }
      list[write++] = incompatibility;
      if (this.examine(incompatibility, enqueue)) conflict = incompatibility;
    }
    for (; read < list.length; read++) list[write++] = list[read]!;
    list.length = write;
    return conflict;
  }

  /** The position of a term the partial solution does not satisfy, other than `a` and `b`; -1 when there is none. */
  private unsatisfiedTerm(terms: readonly Term[], a: number, b: number): number {
    for (let i = 0; i < terms.length; i++) if (i !== a && i !== b && this.isUnsatisfied(terms[i]!)) return i;
    return -1;
  }

  private isUnsatisfied(term: Term): boolean {
    const accumulated = this.solution.accumulated(term.pkg);
    return accumulated === undefined || !satisfies(accumulated, term);
  }

  private watchList(pkg: PackageRef): Incompatibility[] {
    let list = this.watches[pkg.index];
    if (list === undefined) this.watches[pkg.index] = list = [];
    return list;
  }

  /** Watches two unsatisfied terms of an inconclusive watched incompatibility (keeping watches that still qualify). */
  private watch(incompatibility: Incompatibility): void {
    const { terms } = incompatibility;
    let a = incompatibility.watchA;
    let b = incompatibility.watchB;
    if (a < 0 || !this.isUnsatisfied(terms[a]!)) a = this.unsatisfiedTerm(terms, b, b);
    if (b < 0 || !this.isUnsatisfied(terms[b]!)) b = this.unsatisfiedTerm(terms, a, a);
    // Inconclusive: at least two terms are unsatisfied, so both were found.
    if (a !== incompatibility.watchA) this.watchList(terms[a]!.pkg).push(incompatibility);
    if (b !== incompatibility.watchB) this.watchList(terms[b]!.pkg).push(incompatibility);
    incompatibility.watchA = a;
    incompatibility.watchB = b;
  }

  /**
   * Derives the negation of an almost satisfied incompatibility's last term, and marks one that cannot become
   * satisfied. Returns whether it is satisfied: a conflict.
   */
  private examine(incompatibility: Incompatibility, enqueue: (pkg: PackageRef) => void): boolean {
    if (incompatibility.contradictedAt >= 0) return false;
    const relation = this.solution.relation(incompatibility);
    if (relation === 'satisfied') return true;
    if (relation === 'inconclusive') {
      if (incompatibility.terms.length > this.watchedTerms) this.watch(incompatibility);
      return false;
    }
    if (relation === 'contradicted') {
      // Marked at the level it became contradicted from: backtracking that keeps the level need not look again.
      this.markContradicted(incompatibility, this.solution.contradictionLevel(incompatibility));
      return false;
    }
    // Almost satisfied: the last term must be false, from the level the others hold from.
    const level = this.solution.implicationLevel(incompatibility, relation);
    this.solution.derive(relation.pkg, negate(relation), incompatibility, level);
    this.requeue(relation.pkg);
    if (this.solution.isPending(relation.pkg)) this.ahead.push(relation.pkg);
    enqueue(relation.pkg);
    this.markContradicted(incompatibility, level);
    return false;
  }

  private markContradicted(incompatibility: Incompatibility, level: number): void {
    incompatibility.contradictedAt = level;
    const marked = this.contradicted[level];
    if (marked === undefined) this.contradicted[level] = [incompatibility];
    else marked.push(incompatibility);
  }

  /**
   * Learns the root cause of a conflict (solver.md, "Conflict Resolution"), backtracks one level below where it
   * became satisfied, and leaves it among the fresh incompatibilities.
   */
  private resolveConflict(conflict: Incompatibility): void {
    let incompatibility = conflict;
    let learned = false;
    for (;;) {
      this.budget.checkTime();
      if (isTerminal(incompatibility, this.root)) throw new NoSolution(incompatibility);
      const { pkg, satisfier, satisfierLevel, previousLevel } = this.solution.satisfierSearch(incompatibility);
      if (satisfier.cause === null || previousLevel < satisfierLevel) {
        // Chronological: only the satisfier's level goes. The incompatibility is then almost satisfied, and what
        // it implies holds from `previousLevel` on, so it survives backtracking down to there.
        this.backtrack(Math.max(previousLevel, satisfierLevel - 1));
        if (learned) this.add(incompatibility);
        else this.fresh.push(incompatibility);
        return;
      }
      incompatibility = this.narrowed(priorCause(incompatibility, satisfier.cause, pkg, this.root));
      learned = true;
    }
  }

  /**
   * A long derived incompatibility without its terms satisfied from level 1 on (what the root's selection implies,
   * as SAT solvers drop literals false at level 0): they hold whenever the root is selected, so the rest is a fact
   * as sound as the whole, as positive root terms are dropped (priorCause). It keeps its derivation, which failure
   * explanations walk. On the every-dependency-recent registries of 3,000 to 10,000 packages (bench/resolver.mjs),
   * four in five terms of the incompatibilities learned with more than 20 terms were such (their satisfiers derived
   * at level 1 by look-ahead), and conflict resolution spent most of its time searching them; dropped, the solves
   * took about 30% less in all, half at 10,000 packages. Short ones (and an incompatibility left empty) stay whole,
   * so the explanations of ordinary failures do not change.
   */
  private narrowed(incompatibility: Incompatibility): Incompatibility {
    const { terms } = incompatibility;
    if (terms.length <= this.watchedTerms) return incompatibility;
    const kept = terms.filter((term) => !this.solution.satisfiedFromRoot(term));
    if (kept.length === 0 || kept.length === terms.length) return incompatibility;
    return new Incompatibility(kept, incompatibility.cause);
  }

  /** Backtracks to `level`, then requeues what changed. */
  private backtrack(level: number): void {
    const changed = this.solution.backtrack(level);
    // What is left of a package's assignments satisfies fewer groups than before, all of them looked at already
    // (and those whose result backtracking undid are looked at again below).
    for (const pkg of changed) this.examined[pkg.index] = this.solution.accumulated(pkg);
    for (const pkg of changed) {
      this.requeue(pkg);
      // A real package may have lost its decision, which its virtual packages' candidates depend on.
      if (pkg.kind === 'real') this.requeueVirtuals(pkg);
    }
    // What was contradicted (or implied something) above `level` may now imply something: look again.
    for (let l = this.contradicted.length - 1; l > level; l--) {
      for (const incompatibility of this.contradicted[l] ?? []) {
        incompatibility.contradictedAt = -1;
        this.fresh.push(incompatibility);
      }
    }
    if (this.contradicted.length > level + 1) this.contradicted.length = level + 1;
  }

  /**
   * For each package newly required (or required more narrowly), adds the dependencies of the version it would be
   * decided at now, before deciding anything else. Those that every version its requirement allows shares (the
   * incompatibility covers the run of versions that have the dependency) are derived at once, at the level of the
   * requirement, so a conflict with them shows up there, and not when the package's turn comes many decisions later,
   * which backtracking would then all undo; the others wait in the index until the requirement narrows to them.
   * On registries whose resolutions conflict at every turn (bench/resolver.mjs, every dependency recent, 1,000 to
   * 3,000 packages) this cut the solve time of the slowest by two to four times. Returns whether anything was added.
   */
  private lookAhead(before = this.fresh.length): boolean | Promise<boolean> {
    for (let pkg = this.ahead.pop(); pkg !== undefined; pkg = this.ahead.pop()) {
      // Not the root: it is decided first, at level 1, which conflict resolution counts on.
      if (pkg === this.root.pkg || !this.solution.isPending(pkg)) continue;
      const choice = this.choose(pkg, this.solution.accumulated(pkg)!.set);
      if (typeof choice !== 'number' || this.lookedAhead[pkg.index] === choice + 1) continue;
      this.lookedAhead[pkg.index] = choice + 1;
      if (this.versionIncompatibilities.has(this.registry.dependencies(pkg, choice))) continue;
      const made = this.dependencyIncompatibilities(pkg, choice, this.registry.records(pkg.base)[choice]!);
      // Only a package read for the first time makes it wait; the rest goes on from there.
      if (made instanceof Promise) return made.then(() => this.lookAhead(before));
    }
    return this.fresh.length > before;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Decision making

  /** Puts a package that waits for a decision back in the queue with its current candidate count. */
  private requeue(pkg: PackageRef): void {
    if (this.solution.isPending(pkg)) this.queue.update(pkg, this.candidateCount(pkg));
  }

  private requeueVirtuals(pkg: RealPackage): void {
    for (const virtual of pkg.features.values()) this.requeue(virtual);
    for (const virtual of pkg.optionals.values()) this.requeue(virtual);
  }

  private candidateCount(pkg: PackageRef): number {
    const set = this.solution.accumulated(pkg)!.set;
    if (pkg.kind !== 'real') {
      const base = this.solution.decision(pkg.real);
      if (base !== null) return this.registry.has(pkg, base.position) && set.has(base.position) ? 1 : 0;
    }
    return this.registry.countCandidates(pkg, set);
  }

  /**
   * Chooses a version of `pkg` and adds its dependencies; decides it unless that would at once satisfy one of them
   * (then propagation derives that the version is out). When no version can be chosen, adds the incompatibility
   * that says why instead. Returns the packages to propagate from next.
   */
  private decide(pkg: PackageRef): readonly PackageRef[] | Promise<readonly PackageRef[]> {
    const choice = this.choose(pkg, this.solution.accumulated(pkg)!.set);
    if (choice instanceof Incompatibility) {
      this.add(choice);
      return [pkg];
    }
    const record = this.registry.records(pkg.base)[choice]!;
    const made = this.dependencyIncompatibilities(pkg, choice, record);
    if (made instanceof Promise) return made.then((incompatibilities) => this.decideWith(pkg, choice, record, incompatibilities));
    return this.decideWith(pkg, choice, record, made);
  }

  private decideWith(pkg: PackageRef, choice: number, record: VersionRecord, { dependencies, impossible }: VersionIncompatibilities): readonly PackageRef[] {
    if (impossible.length > 0 || this.satisfiesAllButOne(dependencies, pkg)) {
      // Not decided: propagation must now rule the version out, so it looks at these whatever changed.
      this.fresh.push(...impossible, ...dependencies);
      return [pkg];
    }
    this.solution.decide(pkg, record.version, choice, this.registry.exact(pkg.base, choice));
    if (pkg.kind === 'real') this.requeueVirtuals(pkg);
    return [pkg];
  }

  /** Whether the partial solution satisfies every term but `pkg`'s of one of the incompatibilities. */
  private satisfiesAllButOne(incompatibilities: readonly Incompatibility[], pkg: PackageRef): boolean {
    for (let i = 0; i < incompatibilities.length; i++) if (this.solution.satisfiesAllBut(incompatibilities[i]!, pkg)) return true;
    return false;
  }

  /** The position of the version to try, or the incompatibility that rules out every version in `set`. */
  private choose(pkg: PackageRef, set: PositionSet): number | Incompatibility {
    if (pkg.kind !== 'real') {
      const base = this.solution.decision(pkg.real);
      if (base !== null) return this.chooseAligned(pkg, set, base);
    }
    const candidates = set.intersection(this.registry.candidateSet(pkg));
    if (candidates.isEmpty()) return this.noCandidates(pkg, set);
    const locked = this.registry.lockedPosition(pkg.base);
    if (locked >= 0 && candidates.has(locked)) return locked;
    if (pkg.kind !== 'real') {
      // A virtual package is best decided at a version its package may still take.
      const baseTerm = this.solution.accumulated(pkg.real);
      const within = baseTerm?.positive ? candidates.highestWithin(baseTerm.set) : -1;
      if (within >= 0) return within;
    }
    return candidates.highestWithin(candidates);
  }

  /** A virtual package whose package is already decided can only take that version. */
  private chooseAligned(pkg: PackageRef, set: PositionSet, base: Decision): number | Incompatibility {
    const real = realOf(pkg);
    if (!this.registry.has(pkg, base.position)) {
      const lacking = this.runSet(pkg.base, base.position, (p) => !this.registry.has(pkg, p));
      return new Incompatibility([positive(real, lacking), positive(pkg, this.registry.versionList(pkg.base).full)], {
        kind: 'fact',
        text: lacks(pkg, lacking.isFull() ? null : `${pkg.base} ${lacking}`),
      });
    }
    if (set.has(base.position)) return base.position;
    const only = this.registry.exact(pkg.base, base.position);
    return new Incompatibility([positive(real, only), positive(pkg, only.complement())], {
      kind: 'fact',
      text: `${pkg.base}${qualifier(pkg)} must have the same version as ${pkg.base}`,
    });
  }

  /** Why no version of `set` can be chosen: none is allowed (or exists), or none has the feature. */
  private noCandidates(pkg: PackageRef, set: PositionSet): Incompatibility {
    const records = this.registry.records(pkg.base);
    const inSet = set.positions().reverse();
    const having = inSet.filter((position) => this.registry.has(pkg, position));
    if (inSet.length > 0 && having.length === 0) {
      const several = inSet.length > 1;
      const subject = several ? (set.isFull() ? null : `${pkg.base} matching ${set}`) : `${pkg.base} ${records[inSet[0]!]!.key}`;
      return new Incompatibility([positive(pkg, set)], { kind: 'fact', text: lacks(pkg, subject, several) });
    }
    // The versions left are all yanked (candidates are the allowed ones).
    const yanked = having.map((position) => records[position]!.key);
    return new Incompatibility([positive(pkg, set)], { kind: 'noVersions', yanked });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Dependencies as incompatibilities

  /**
   * The incompatibilities for the dependencies of `pkg` at `position` (solver.md, "Decision Making"), or for a
   * version that cannot be used, the one that rules it out. Made once per version, and each dependency's shared
   * with the adjacent versions that have it too. Synchronous unless a dependency's package must be read first (a
   * promise and a turn of the microtask queue for each of the thousands of versions a solve looks at cost about a
   * tenth of a registry's first reads).
   */
  private dependencyIncompatibilities(pkg: PackageRef, position: number, record: VersionRecord): VersionIncompatibilities | Promise<VersionIncompatibilities> {
    const dependencies = this.registry.dependencies(pkg, position);
    const known = this.versionIncompatibilities.get(dependencies);
    if (known !== undefined) return known;
    const unread = this.unreadTargets(dependencies);
    if (unread.length > 0) {
      return (async () => {
        for (const name of unread) if (!this.registry.isLoaded(name)) await this.registry.load(name);
        return this.dependencyIncompatibilities(pkg, position, record);
      })();
    }
    const made = this.makeDependencyIncompatibilities(pkg, position, record, dependencies);
    const incompatibilities = { dependencies: made, impossible: this.impossibleRanges(made) };
    this.versionIncompatibilities.set(dependencies, incompatibilities);
    return incompatibilities;
  }

  /** The packages a version's dependencies name that have not been read yet, in the order they are made in. */
  private unreadTargets(result: VersionDependencies): string[] {
    const unread: string[] = [];
    if (result.kind !== 'available') return unread;
    const { dependencies } = result;
    for (let i = dependencies.length - 1; i >= 0; i--) {
      const target = dependencies[i]!.target.base;
      if (!this.registry.isLoaded(target) && !unread.includes(target)) unread.push(target);
    }
    return unread;
  }

  /**
   * For the dependencies whose whole range has no candidate version, the incompatibility that says so.
   * Deciding the version would only lead to a conflict, found late, learning that the version cannot be used, and
   * a backjump that throws away every unrelated decision since the root's: this way propagation rules the version
   * out at once instead.
   */
  private impossibleRanges(dependencies: readonly Incompatibility[]): Incompatibility[] {
    const impossible: Incompatibility[] = [];
    for (const dependency of dependencies) {
      // Only an unconditional dependency rules its depender out (not `d?/f`, which may never apply).
      if (dependency.cause.kind !== 'dependency' || dependency.terms.length !== 2) continue;
      const { pkg: target, set } = dependency.terms[1]!;
      if (this.registry.countCandidates(target, set) > 0) continue;
      let ranges = this.emptyRanges.get(target);
      if (ranges === undefined) {
        ranges = new Map();
        this.emptyRanges.set(target, ranges);
      }
      let incompatibility = ranges.get(set);
      if (incompatibility === undefined) {
        incompatibility = this.noCandidates(target, set);
        ranges.set(set, incompatibility);
        this.add(incompatibility);
      }
      impossible.push(incompatibility);
    }
    return impossible;
  }

  /** The incompatibilities of a version's dependencies, every package they name read already (see unreadTargets). */
  private makeDependencyIncompatibilities(pkg: PackageRef, position: number, record: VersionRecord, result: VersionDependencies): Incompatibility[] {
    if (result.kind === 'absent') throw new Error(`${pkg.id} was chosen at ${record.key}, a version without it`);
    if (result.kind === 'unavailable') {
      const { problem } = result;
      const sameProblem = (p: number): boolean => {
        const other = this.registry.dependencies(pkg, p);
        return other.kind === 'unavailable' && other.problem === problem;
      };
      const unusable = this.runSet(pkg.base, position, sameProblem);
      const incompatibility = new Incompatibility([positive(pkg, unusable)], { kind: 'fact', text: `${subject(pkg, unusable)} ${problem}` });
      this.add(incompatibility);
      return [incompatibility];
    }
    const incompatibilities: Incompatibility[] = [];
    // Made last to first: propagation visits the newest first, so it derives them in the order they are written.
    for (const dependency of [...result.dependencies].reverse()) {
      const target = dependency.target.base;
      if (dependency.isDefault && !this.registry.declaresDefault(target, this.registry.positions(target, dependency.set))) continue;
      incompatibilities.push(this.dependencyIncompatibility(pkg, position, record, dependency));
    }
    return incompatibilities;
  }

  private dependencyIncompatibility(pkg: PackageRef, position: number, record: VersionRecord, dependency: Dependency): Incompatibility {
    const hasIt = (p: number): boolean => this.registry.hasDependency(pkg, p, dependency);
    const single = dependency.aligned || pkg === this.root.pkg;
    const [low, high] = single ? [position, position] : this.runBounds(pkg.base, position, hasIt);
    let byDependency = this.sharedIncompatibilities[pkg.index];
    if (byDependency === undefined) {
      byDependency = new Map();
      this.sharedIncompatibilities[pkg.index] = byDependency;
    }
    // The runs made so far and their incompatibilities, in turn (a dependency has a run or a few: a list, not a map).
    let byRun = byDependency.get(dependency);
    if (byRun === undefined) {
      byRun = [];
      byDependency.set(dependency, byRun);
    }
    // One number for the run (exact while positions are below 2^26, far above any version list read).
    const run = (low * 0x4000000 + high) * 2 + (single ? 1 : 0);
    let incompatibility: Incompatibility | undefined;
    for (let i = 0; i < byRun.length && incompatibility === undefined; i += 2) if (byRun[i] === run) incompatibility = byRun[i + 1] as Incompatibility;
    if (incompatibility === undefined) {
      const depender = single ? this.registry.exact(pkg.base, position) : this.runSet(pkg.base, low, high);
      const terms = [positive(pkg, depender)];
      if (dependency.condition !== null) terms.push(positive(dependency.condition, this.registry.versionList(dependency.condition.base).full));
      terms.push(negative(dependency.target, this.registry.positions(dependency.target.base, dependency.set)));
      incompatibility = new Incompatibility(terms, { kind: 'dependency' });
      byRun.push(run, incompatibility);
      this.add(incompatibility);
    }
    return incompatibility;
  }

  /** The first and last positions of the versions of `name` around `position` for which `holds` is true. */
  private runBounds(name: string, position: number, holds: (position: number) => boolean): [number, number] {
    const last = this.registry.records(name).length - 1;
    let low = position;
    let high = position;
    while (low > 0 && holds(low - 1)) low--;
    while (high < last && holds(high + 1)) high++;
    return [low, high];
  }

  /**
   * The versions of `name` around `position` for which `holds` is true, as a range as pub's package_lister writes
   * it: from the first of them to the first version after them, unbounded below when they start at the first
   * version and above when they end at the last. A fact true of every version thus reads "every version of x",
   * and the ranges cover the gaps between published versions, which keeps derived ranges simple.
   */
  private runSet(name: string, position: number, holds: (position: number) => boolean): PositionSet;
  private runSet(name: string, low: number, high: number): PositionSet;
  private runSet(name: string, position: number, second: number | ((position: number) => boolean)): PositionSet {
    const records = this.registry.records(name);
    const [low, high] = typeof second === 'number' ? [position, second] : this.runBounds(name, position, second);
    const list = this.registry.versionList(name);
    if (low === 0 && high === records.length - 1) return list.full;
    const lower = low === 0 ? null : records[low]!.version;
    const upper = high === records.length - 1 ? null : records[high + 1]!.version;
    return list.range(low, high, describeBounds(lower, upper));
  }

  // -------------------------------------------------------------------------------------------------------------
  // The solution

  private extractSolution(): Resolved[] {
    const decided = this.solution.decided();
    const versionOf = (name: string): string => {
      const decision = decided.get(this.registry.real(name));
      if (decision === undefined) throw new Error(`solution without ${name}, which a selected package depends on`);
      return this.registry.records(name)[decision.position]!.entry.vers;
    };
    const packages: Resolved[] = [];
    for (const [pkg, decision] of decided) {
      if (pkg.kind !== 'real' || pkg === this.root.pkg) continue;
      const name = pkg.id;
      const record = this.registry.records(name)[decision.position]!;
      const dependencies = new Set<string>();
      for (const [dependency, line] of this.registry.dependencyLines(name, decision.position)) {
        if (line.optional && !decided.has(this.registry.optional(name, dependency))) continue;
        dependencies.add(`${dependency} ${versionOf(dependency)}`);
      }
      const features = [...this.registry.featureNames(name, decision.position)].filter((f) => decided.has(this.registry.feature(name, f)));
      packages.push({
        name,
        version: record.entry.vers,
        checksum: record.entry.cksum,
        dependencies: [...dependencies].sort(),
        features: features.sort(),
      });
    }
    return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** "every version of x", "x >=1.2.0", "x 1.0.0 with feature `f`": the versions of `pkg` in `set`, for a fact. */
function subject(pkg: PackageRef, set: PositionSet): string {
  return (set.isFull() ? `every version of ${pkg.base}` : `${pkg.base} ${set}`) + qualifier(pkg);
}

/** "x 1.0.0 has no feature `f`", "no version of x has feature `f`", or for a dependency "... optional dependency". */
function lacks(pkg: PackageRef, subject: string | null, plural = false): string {
  const what = pkg.kind === 'optional' ? `optional dependency \`${pkg.dependency}\`` : `feature \`${pkg.kind === 'feature' ? pkg.feature : pkg.id}\``;
  if (subject === null) return `no version of ${pkg.base} has ${what}`;
  return plural ? `no version of ${subject} has ${what}` : `${subject} has no ${what}`;
}
