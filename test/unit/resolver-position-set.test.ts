// The solver's sets of published versions (src/core/resolver/position-set.ts): bit sets over a package's version
// list, checked against plain arrays of booleans, across one-word and several-word lists; how they print; and
// that equal sets are one object and labels survive operations that give back an operand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PositionSet, VersionList } from '../../src/core/resolver/position-set.js';
import { parseVersion, type Version } from '../../src/core/version.js';

function list(...texts: string[]): VersionList {
  return new VersionList(texts.map((t) => parseVersion(t)!));
}

function versions(count: number): Version[] {
  return Array.from({ length: count }, (_, i) => ({ major: 1, minor: i, patch: 0, prerelease: [], build: [] }));
}

/** A list of `size` versions and some sets over it, each given as the booleans it should hold. */
const universe = fc.integer({ min: 0, max: 70 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    members: fc.array(fc.array(fc.boolean(), { minLength: size, maxLength: size }), { minLength: 3, maxLength: 3 }),
  }),
);

function setOf(versionList: VersionList, members: boolean[]): PositionSet {
  return versionList.where((p) => members[p]!);
}

function holds(set: PositionSet): boolean[] {
  return Array.from({ length: set.list.size }, (_, p) => set.has(p));
}

describe('PositionSet', () => {
  it('operations are the Boolean combinations of membership, and relations agree with membership', () => {
    fc.assert(
      fc.property(universe, ({ size, members }) => {
        const versionList = new VersionList(versions(size));
        const [a, b, c] = members.map((m) => setOf(versionList, m)) as [PositionSet, PositionSet, PositionSet];
        const [ma, mb] = [members[0]!, members[1]!];
        expect(holds(a.union(b))).toEqual(ma.map((x, i) => x || mb[i]!));
        expect(holds(a.intersection(b))).toEqual(ma.map((x, i) => x && mb[i]!));
        expect(holds(a.difference(b))).toEqual(ma.map((x, i) => x && !mb[i]!));
        expect(holds(a.complement())).toEqual(ma.map((x) => !x));
        expect(a.isSubsetOf(b)).toBe(ma.every((x, i) => !x || mb[i]!));
        expect(a.isDisjointFrom(b)).toBe(ma.every((x, i) => !x || !mb[i]!));
        expect(a.equals(b)).toBe(ma.every((x, i) => x === mb[i]!));
        expect(a.isEmpty()).toBe(!ma.includes(true));
        expect(a.isFull()).toBe(size > 0 && ma.every((x) => x));
        expect(a.count()).toBe(ma.filter((x) => x).length);
        expect(a.countWithin(b)).toBe(ma.filter((x, i) => x && mb[i]!).length);
        const both = ma.map((x, i) => x && mb[i]!);
        expect(a.highestWithin(b)).toBe(both.lastIndexOf(true));
        expect(a.positions()).toEqual(ma.flatMap((x, i) => (x ? [i] : [])).reverse());
        // Equal sets are one object, whichever way they were made.
        expect(a.union(b).intersection(c)).toBe(a.intersection(c).union(b.intersection(c)));
        expect(a.complement().complement()).toBe(versionList.where((p) => ma[p]!));
      }),
    );
  });

  it('gives back an operand, label and all, when the result equals it', () => {
    const versionList = list('1.0.0', '1.1.0', '2.0.0');
    const caret = versionList.where((p) => p < 2, '^1.0', false);
    const all = versionList.full;
    expect(caret.intersection(all)).toBe(caret);
    expect(all.intersection(caret)).toBe(caret);
    expect(caret.union(versionList.empty)).toBe(caret);
    expect(String(caret.union(versionList.exact(2)))).toBe('any');
    expect(String(caret.difference(versionList.exact(0)))).toBe('1.1.0');
  });

  it('prints a set without a label as runs between published versions, never with made-up bounds', () => {
    const versionList = list('1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.0.1-rc.1', '2.0.1');
    const of = (...positions: number[]): string => String(versionList.where((p) => positions.includes(p)));
    expect(of(1, 2)).toBe('>=1.1.0, <2.0.0');
    expect(of(0, 1)).toBe('<1.2.0');
    expect(of(3, 4, 5)).toBe('>=2.0.0');
    expect(of(0)).toBe('1.0.0');
    expect(of(1, 5)).toBe('1.1.0 or 2.0.1');
    expect(of(0, 1, 3, 4)).toBe('<1.2.0 or >=2.0.0, <2.0.1');
    expect(of(2, 3, 4)).toBe('>=1.2.0, <2.0.1');
    expect(of()).toBe('none');
    expect(of(0, 1, 2, 3, 4, 5)).toBe('any');
    // A pre-release shows only where the set's bounds are one.
    expect(of(4)).toBe('2.0.1-rc.1');
    expect(of(3, 4)).toBe('>=2.0.0, <2.0.1');
  });

  it('prints exact versions and labels as given', () => {
    const versionList = list('0.9.0', '1.0.0+build.1');
    expect(String(versionList.exact(1))).toBe('1.0.0');
    expect(String(versionList.where(() => false, '^2.0', false))).toBe('^2.0');
    expect(versionList.where(() => false, '^2.0', false).isFull()).toBe(false);
  });

  it('treats a package without versions as having no full set, so requirements on it print as written', () => {
    const none = new VersionList([]);
    expect(none.full.isFull()).toBe(false);
    expect(none.full.isEmpty()).toBe(true);
    expect(none.full).toBe(none.empty);
    expect(String(none.where(() => true, '^1.0', false))).toBe('^1.0');
  });

  it('makes equal sets one object, however they are made, on lists of one word or several', () => {
    fc.assert(
      fc.property(universe, ({ size, members }) => {
        const versionList = new VersionList(versions(size));
        const [a, b] = members.map((m) => setOf(versionList, m)) as [PositionSet, PositionSet];
        const [ma, mb] = [members[0]!, members[1]!];
        expect(setOf(versionList, ma)).toBe(a);
        expect(a.union(b)).toBe(setOf(versionList, ma.map((x, i) => x || mb[i]!)));
        expect(a.intersection(b)).toBe(setOf(versionList, ma.map((x, i) => x && mb[i]!)));
        expect(a.difference(b)).toBe(setOf(versionList, ma.map((x, i) => x && !mb[i]!)));
        expect(a.complement().complement()).toBe(a);
      }),
    );
  });

  it('handles lists longer than one word', () => {
    const versionList = new VersionList(versions(95));
    const high = versionList.where((p) => p >= 60);
    expect(high.count()).toBe(35);
    expect(high.highestWithin(versionList.full)).toBe(94);
    expect(high.complement().highestWithin(versionList.full)).toBe(59);
    expect(high.has(61) && !high.has(31) && high.complement().has(29)).toBe(true);
    expect(versionList.range(29, 31, null).positions()).toEqual([31, 30, 29]);
    expect(String(versionList.range(29, 31, null))).toBe('>=1.29.0, <1.32.0');
  });

  it('a range holds exactly the positions from low to high, whatever words they span', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.nat(99), fc.nat(99), (size, a, b) => {
        const versionList = new VersionList(versions(size));
        const [low, high] = [Math.min(a, b) % size, Math.max(a, b) % size];
        const range = versionList.range(low, high, null);
        expect(range).toBe(versionList.where((p) => p >= low && p <= high));
        expect(range.count()).toBe(Math.max(0, high - low + 1));
        expect(versionList.range(low, high, 'label').bits).toEqual(range.bits);
      }),
    );
  });
});
