// The solver's bookkeeping on its own: the partial solution's out-of-order levels (a derivation implied from a lower
// level survives backtracking down to that level, and the packages' intersections are recomputed), the satisfier
// search on such a trail, and the decision queue (an indexed heap) against a plain sort.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecisionQueue } from '../../src/core/resolver/queue.js';
import { IncompatibilityIndex } from '../../src/core/resolver/incompatibility-index.js';
import { Incompatibility } from '../../src/core/resolver/incompatibility.js';
import { PartialSolution } from '../../src/core/resolver/partial-solution.js';
import { Registry, type PackageRef } from '../../src/core/resolver/packages.js';
import { Budget } from '../../src/core/resolver/budget.js';
import { VersionList, type PositionSet } from '../../src/core/resolver/position-set.js';
import { negative, positive } from '../../src/core/resolver/term.js';
import { parseVersion } from '../../src/core/version.js';
import type { IndexDependency, IndexEntry } from '../../src/core/resolver.js';

function packages(count: number): PackageRef[] {
  const root = { name: 'app', vers: '1.0.0', deps: [], cksum: '', features: {}, yanked: false };
  const registry = new Registry(root, parseVersion('1.0.0')!, { versions: () => [] }, new Budget(1000, 10), new Map());
  return Array.from({ length: count }, (_, i) => registry.real(`p${i}`));
}

const versions = new VersionList(['1.0.0', '1.1.0', '1.2.0', '2.0.0'].map((v) => parseVersion(v)!));
const fact = (terms: ConstructorParameters<typeof Incompatibility>[0]): Incompatibility => new Incompatibility(terms, { kind: 'fact', text: 'test' });

describe('PartialSolution', () => {
  it('keeps a derivation implied from a lower level when backtracking above it, and recomputes intersections', () => {
    const [a, b, c] = packages(3) as [PackageRef, PackageRef, PackageRef];
    const solution = new PartialSolution();
    solution.decide(a, versions.versions[3]!, 3, versions.exact(3)); // level 1
    solution.decide(b, versions.versions[2]!, 2, versions.exact(2)); // level 2
    const upToMinor = versions.where((p) => p <= 2);
    solution.derive(c, positive(c, upToMinor), fact([negative(c, upToMinor)]), 2); // level 2
    const notOld = versions.where((p) => p >= 1);
    // Implied by a's decision alone: level 1, though made at level 2.
    const cause = fact([positive(a, versions.exact(3)), negative(c, notOld)]);
    solution.derive(c, positive(c, notOld), cause, 1);
    expect(solution.accumulated(c)!.set.positions()).toEqual([2, 1]);
    expect(solution.implicationLevel(cause, cause.terms[1]!)).toBe(1);

    const changed = solution.backtrack(1);
    expect([...changed].sort((x, y) => x.index - y.index)).toEqual([b, c]);
    expect(solution.level).toBe(1);
    expect(solution.decision(b)).toBeNull();
    expect(solution.decision(a)?.position).toBe(3);
    // Only the level-1 derivation is left for c.
    expect(solution.accumulated(c)!.set).toBe(notOld);
    expect(solution.isPending(c)).toBe(true);

    solution.backtrack(0);
    expect(solution.accumulated(c)).toBeUndefined();
    expect(solution.accumulated(a)).toBeUndefined();
  });

  it('finds the satisfier by the level its term holds from, then by trail order', () => {
    const [a, b] = packages(2) as [PackageRef, PackageRef];
    const solution = new PartialSolution();
    solution.decide(a, versions.versions[3]!, 3, versions.exact(3)); // level 1
    solution.decide(b, versions.versions[0]!, 0, versions.exact(0)); // level 2
    const conflict = fact([positive(a, versions.exact(3)), positive(b, versions.exact(0))]);
    expect(solution.relation(conflict)).toBe('satisfied');
    const search = solution.satisfierSearch(conflict);
    expect(search.pkg).toBe(b);
    expect(search.satisfier.cause).toBeNull();
    expect(search.satisfierLevel).toBe(2);
    expect(search.previousLevel).toBe(1);
  });
});

describe('DecisionQueue', () => {
  it('gives the packages in the order of a plain sort, whatever the updates', () => {
    const refs = packages(8);
    const update = fc.record({ pkg: fc.nat(7), count: fc.nat(5) });
    fc.assert(
      fc.property(fc.array(update, { maxLength: 40 }), fc.array(fc.nat(7), { maxLength: 8 }), (updates, decided) => {
        const queue = new DecisionQueue();
        const latest = new Map<PackageRef, { count: number; found: number }>();
        for (const { pkg, count } of updates) {
          const ref = refs[pkg]!;
          queue.update(ref, count);
          latest.set(ref, { count, found: latest.get(ref)?.found ?? latest.size });
        }
        const pending = new Set([...latest.keys()].filter((ref) => !decided.includes(ref.index)));
        const expected = [...pending].sort((x, y) => {
          const [p, q] = [latest.get(x)!, latest.get(y)!];
          return p.count - q.count || p.found - q.found;
        });
        const order: PackageRef[] = [];
        for (let next = queue.best((ref) => pending.has(ref)); next !== null; next = queue.best((ref) => pending.has(ref))) {
          order.push(next);
          pending.delete(next);
        }
        expect(order).toEqual(expected);
      }),
    );
  });
});

describe('IncompatibilityIndex', () => {
  it('finds every group a change at some versions newly satisfied, newest first, on lists of one word or several', () => {
    const [pkg, other] = packages(2) as [PackageRef, PackageRef];
    const term = fc.record({ positive: fc.boolean(), members: fc.array(fc.boolean(), { minLength: 70, maxLength: 70 }), few: fc.nat(4) });
    const bits = fc.array(fc.boolean(), { minLength: 70, maxLength: 70 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(term, { minLength: 1, maxLength: 12 }), fc.boolean(), bits, bits, fc.nat(6), (size, terms, assignedPositive, before, changed, keep) => {
        const versionList = new VersionList(Array.from({ length: size }, (_, i) => parseVersion(`1.${i}.0`)!));
        const index = new IncompatibilityIndex();
        const otherList = new VersionList([parseVersion('1.0.0')!]);
        for (const { positive: isPositive, members, few } of terms) {
          // Some sets of a few versions (a version's own dependency), kept apart by the index.
          const set = few > 0 ? versionList.where((p) => p % 17 < few && members[p]!) : versionList.where((p) => members[p]!);
          index.add(fact([isPositive ? positive(pkg, set) : negative(pkg, set), positive(other, otherList.full)]));
        }
        // A positive assignment (the versions it allows) loses the changed versions, and sometimes all but a few; a
        // negative one (the versions it excludes) excludes the changed ones too.
        const old = versionList.where((p) => before[p]! && !(!assignedPositive && changed[p]!));
        const now = assignedPositive
          ? versionList.where((p) => before[p]! && !changed[p]! && (keep === 0 || p < keep))
          : versionList.where((p) => before[p]! || changed[p]!);
        const removed = assignedPositive ? old.difference(now) : now.difference(old);
        const satisfiedBy = (set: PositionSet, g: (typeof groups)[number]): boolean =>
          assignedPositive ? (g.term.positive ? set.difference(g.term.set).isEmpty() : set.intersection(g.term.set).isEmpty()) : !g.term.positive && g.term.set.difference(set).isEmpty();
        const groups = index.groups(pkg);
        const found = index.touched(pkg, removed, assignedPositive ? now.count() : -1)!;
        expect(new Set(found).size).toBe(found.length);
        expect(found).toEqual([...found].sort((x, y) => y.order - x.order));
        for (const group of groups) {
          if (satisfiedBy(now, group) && !satisfiedBy(old, group)) expect(found, `group ${group.term.positive ? '' : 'not '}${group.term.set}`).toContain(group);
        }
        // Beyond the small positive groups, exactly the groups listed at a changed version: a positive group whose
        // set lacks it, a negative one whose set has it.
        const listed = groups.filter((g) => g.small === 0 && removed.positions().some((p) => g.term.set.has(p) !== g.term.positive));
        expect(found.filter((g) => g.small === 0)).toEqual([...listed].sort((x, y) => y.order - x.order));
      }),
    );
  });
});

describe('Registry.dependencies', () => {
  it("lists a real package's dependencies in its lines' order, without dev, optional or self lines, whether or not two lines name one package", async () => {
    const line = (name: string, req: string, extra: Partial<IndexDependency> = {}): IndexDependency => ({ name, req, features: [], optional: false, default_features: true, kind: 'normal', ...extra });
    const entry = (vers: string, deps: IndexDependency[]): IndexEntry => ({ name: 'lib', vers, deps, cksum: '', features: { extra: ['dep:opt'] }, yanked: false });
    const lib = [
      // Read from its lines as they are: no two counted lines name the same package.
      entry('1.0.0', [line('zeta', '^1', { default_features: false }), line('tool', '^2', { kind: 'dev' }), line('opt', '^1', { optional: true }), line('lib', '*'), line('alpha', '^3', { features: ['fast'] })]),
      // Two lines name `alpha` (a normal and a build dependency): grouped by package, as Cargo's table is.
      entry('1.1.0', [line('alpha', '^3'), line('zeta', '^1', { default_features: false }), line('alpha', '^3.1', { kind: 'build', default_features: false })]),
      // A dev line naming a counted package does not count.
      entry('1.2.0', [line('alpha', '^3', { default_features: false }), line('alpha', '^4', { kind: 'dev' }), line('zeta', '^1', { default_features: false })]),
      entry('1.3.0', [line('alpha', 'not a requirement')]),
    ];
    const root = { name: 'app', vers: '1.0.0', deps: [], cksum: '', features: {}, yanked: false };
    const registry = new Registry(root, parseVersion('1.0.0')!, { versions: (name) => (name === 'lib' ? lib : []) }, new Budget(1000, 10), new Map());
    await registry.load('lib');
    const keys = (position: number) => {
      const result = registry.dependencies(registry.real('lib'), position);
      return result.kind === 'available' ? result.dependencies.map((d) => d.key) : result;
    };
    expect(keys(0)).toEqual(['zeta ^1', 'alpha ^3', 'alpha[fast] ^3', 'alpha[default] ^3']);
    expect(keys(1)).toEqual(['alpha ^3', 'alpha[default] ^3', 'alpha ^3.1', 'zeta ^1']);
    expect(keys(2)).toEqual(['alpha ^3', 'zeta ^1']);
    expect(keys(3)).toEqual({ kind: 'unavailable', problem: 'depends on alpha with the invalid requirement `not a requirement`' });
    // A version's list is one object, made once; equal dependencies are one object across versions.
    expect(registry.dependencies(registry.real('lib'), 0)).toBe(registry.dependencies(registry.real('lib'), 0));
    const zeta = (position: number) => {
      const result = registry.dependencies(registry.real('lib'), position);
      return result.kind === 'available' ? result.dependencies.find((d) => d.key === 'zeta ^1') : undefined;
    };
    expect(zeta(0)).toBeDefined();
    expect(zeta(0)).toBe(zeta(1));
  });
});
