// Version sets: the constructors, the descriptions explanations print, labels surviving operations, and property
// tests against brute force: membership of any expression of unions, intersections, complements and differences
// equals the same Boolean combination of its leaves, a requirement's set holds exactly what the requirement
// matches, and the canonical form makes equal sets compare equal (so the algebra's laws hold as equalities).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matches, parseRequirement, type Requirement } from '../../src/core/requirement.js';
import { VersionSet } from '../../src/core/version-set.js';
import { parseVersion, versionKey, type Version } from '../../src/core/version.js';

const MAX = Number.MAX_SAFE_INTEGER;

function v(text: string): Version {
  const version = parseVersion(text);
  if (version === null) throw new Error(`test version ${text} does not parse`);
  return version;
}

function req(text: string): Requirement {
  const parsed = parseRequirement(text);
  if (!parsed.ok) throw new Error(`test requirement ${text} does not parse: ${parsed.message}`);
  return parsed.requirement;
}

function set(text: string): VersionSet {
  return VersionSet.fromRequirement(req(text), text);
}

/** Unlabelled (a complement has no label): the same versions, described from the intervals. */
function bare(text: string): VersionSet {
  return set(text).complement().complement();
}

function members(subject: VersionSet, probes: string[]): string[] {
  return probes.filter((probe) => subject.contains(v(probe)));
}

const PROBES = ['0.0.0', '0.0.1-alpha', '0.9.0', '1.0.0-beta', '1.0.0', '1.0.1-rc', '1.4.0', '2.0.0-alpha', '2.0.0', '3.1.0'];

describe('constructors', () => {
  it('a requirement holds what it matches, pre-releases only where it names one', () => {
    expect(members(set('^1.0'), PROBES)).toEqual(['1.0.0', '1.4.0']);
    expect(members(set('>=1.0.0-beta, <2'), PROBES)).toEqual(['1.0.0-beta', '1.0.0', '1.4.0']);
    expect(members(set('*'), PROBES)).toEqual(['0.0.0', '0.9.0', '1.0.0', '1.4.0', '2.0.0', '3.1.0']);
  });

  it('exact holds one version, build metadata aside', () => {
    expect(members(VersionSet.exact(v('1.0.0+build.5')), PROBES)).toEqual(['1.0.0']);
    expect(members(VersionSet.exact(v('1.0.1-rc')), PROBES)).toEqual(['1.0.1-rc']);
    expect(VersionSet.exact(v('1.0.0')).contains(v('1.0.0+other'))).toBe(true);
  });

  it('between holds an interval of every version, pre-releases included', () => {
    expect(members(VersionSet.between(v('1.0.0'), v('2.0.0')), PROBES)).toEqual(['1.0.0', '1.0.1-rc', '1.4.0', '2.0.0-alpha']);
    expect(members(VersionSet.between(null, v('1.0.0')), PROBES)).toEqual(['0.0.0', '0.0.1-alpha', '0.9.0', '1.0.0-beta']);
    expect(VersionSet.between(null, null)).toBe(VersionSet.full);
  });

  it('full and empty', () => {
    expect(members(VersionSet.full, PROBES)).toEqual(PROBES);
    expect(members(VersionSet.empty, PROBES)).toEqual([]);
    expect(VersionSet.full.isFull() && VersionSet.empty.isEmpty()).toBe(true);
    expect(set('*').isFull()).toBe(false); // `*` leaves pre-releases out
    expect(set('<0.0.0').isEmpty()).toBe(true);
    // Nothing is below the lowest version, 0.0.0-0 (a property run found `[, 0.0.0-0) ∩ ¬=0.0.0` taken for non-empty).
    expect(VersionSet.between(null, v('0.0.0-0')).isEmpty()).toBe(true);
    expect(VersionSet.between(null, v('0.0.0-0')).equals(VersionSet.empty)).toBe(true);
    expect(VersionSet.between(null, v('0.0.0-0')).intersection(VersionSet.exact(v('0.0.0')).complement()).isEmpty()).toBe(true);
    expect(VersionSet.between(null, v('0.0.0-0')).complement().isFull()).toBe(true);
    expect(members(VersionSet.between(null, v('0.0.0')), ['0.0.0-0', '0.0.0-alpha', '0.0.0'])).toEqual(['0.0.0-0', '0.0.0-alpha']);
  });

  it('sets made differently but holding the same versions are equal', () => {
    expect(set('=1.0.0').equals(VersionSet.exact(v('1.0.0')))).toBe(true);
    expect(VersionSet.between(v('1.0.0'), v('1.0.1-0')).equals(VersionSet.exact(v('1.0.0')))).toBe(true);
    expect(set('>=0.0.0').equals(set('*'))).toBe(true);
    expect(set('^1.2').equals(set('>=1.2.0, <2.0.0'))).toBe(true);
    expect(set('^1.2').equals(set('^1.3'))).toBe(false);
    expect(set('>=1.0.0-alpha, <1.0.0').union(set('>=1.0.0')).equals(set('>=1.0.0-alpha'))).toBe(true);
  });

  it('handles the largest versions without overflowing', () => {
    const top = v(`${MAX}.${MAX}.${MAX}`);
    const highest = set(`>=${MAX}.${MAX}.${MAX}`);
    expect(highest.contains(top)).toBe(true);
    expect(highest.complement().contains(top)).toBe(false);
    expect(VersionSet.exact(top).equals(highest)).toBe(true);
    expect(VersionSet.exact(top).complement().union(highest).isFull()).toBe(true);
  });
});

describe('descriptions', () => {
  it('prints the requirement as written when a set came from one', () => {
    expect(set('^1.0').toString()).toBe('^1.0');
    expect(set('>= 1.2, < 1.5').toString()).toBe('>= 1.2, < 1.5');
    expect(VersionSet.fromRequirement(req('1.2')).toString()).toBe('^1.2');
  });

  it('keeps the label when an operation changes nothing', () => {
    const caret = set('^1.0');
    expect(caret.intersection(VersionSet.full)).toBe(caret);
    expect(caret.union(VersionSet.empty)).toBe(caret);
    expect(caret.intersection(set('>=1.0.0'))).toBe(caret);
    expect(caret.difference(set('^3.0'))).toBe(caret);
    expect(caret.intersection(set('<1.5')).toString()).toBe('>=1.0.0, <1.5.0');
  });

  it.each([
    [VersionSet.full, 'any'],
    [VersionSet.empty, 'none'],
    [VersionSet.exact(v('1.2.3')), '1.2.3'],
    [VersionSet.exact(v('0.0.0')), '0.0.0'],
    [VersionSet.exact(v('1.0.0-beta.2')), '1.0.0-beta.2'],
    [bare('^1.2'), '^1.2'],
    [bare('^1.2.3'), '^1.2.3'],
    [bare('^0.3'), '^0.3'],
    [bare('~1.2.3'), '~1.2.3'],
    [bare('~1.2'), '~1.2'],
    [bare('>=1.2.3'), '>=1.2.3'],
    [bare('<2'), '<2.0.0'],
    [bare('>=1.2.3, <1.7.0'), '>=1.2.3, <1.7.0'],
    [set('^1.0').union(set('^3.0')), '^1.0 or ^3.0'],
    [set('^1.0').complement(), '<1.0.0 or >=2.0.0, or any pre-release'],
    [set('^1.0').union(VersionSet.exact(v('2.0.0-rc.1'))), '^1.0, or 2.0.0-rc.1'],
    [VersionSet.between(v('1.0.0'), v('2.0.0')).intersection(VersionSet.between(v('1.5.0'), null)), '>=1.5.0, <2.0.0'],
    [VersionSet.between(v('1.0.0'), null), '>=1.0.0'],
    [VersionSet.between(null, v('1.1.0')), '<1.1.0'],
  ])('%s is described as %j', (subject, expected) => {
    expect(subject.toString()).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

// Small numbers so that random versions land on and around the bounds of random sets.
const number = fc.integer({ min: 0, max: 3 });
const prerelease = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Array<string | number>>([]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom<string | number>(0, 1, 'alpha', 'beta'), { minLength: 1, maxLength: 2 }) },
);
const version: fc.Arbitrary<Version> = fc.record({ major: number, minor: number, patch: number, prerelease, build: fc.constant([]) });
const operator = fc.constantFrom('^', '~', '=', '>', '>=', '<', '<=', '');
const comparator = fc
  .tuple(operator, version, fc.nat(2))
  .map(([op, { major, minor, patch, prerelease: pre }, shape]) =>
    shape === 0 ? `${op}${major}` : shape === 1 ? `${op}${major}.${minor}` : `${op}${versionKey({ major, minor, patch, prerelease: pre, build: [] })}`,
  );
const requirementText = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('*', '1.*', '0.1.*') },
  { weight: 6, arbitrary: fc.array(comparator, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(', ')) },
);

/** A set as an expression, with the membership test it must agree with. */
interface Expression {
  set: VersionSet;
  has: (probe: Version) => boolean;
  text: string;
}

const leaf: fc.Arbitrary<Expression> = fc.oneof(
  requirementText.map((text) => {
    const requirement = req(text);
    return { set: VersionSet.fromRequirement(requirement, text), has: (p: Version) => matches(requirement, p), text };
  }),
  version.map((exact) => ({
    set: VersionSet.exact(exact),
    has: (p: Version) => versionKey(p) === versionKey(exact),
    text: `=${versionKey(exact)}`,
  })),
  fc.tuple(fc.option(version), fc.option(version)).map(([lower, upper]) => ({
    set: VersionSet.between(lower, upper),
    has: (p: Version) => (lower === null || precedes(lower, p) || same(lower, p)) && (upper === null || precedes(p, upper)),
    text: `[${lower === null ? '' : versionKey(lower)}, ${upper === null ? '' : versionKey(upper)})`,
  })),
  fc.constantFrom<Expression>(
    { set: VersionSet.full, has: () => true, text: 'full' },
    { set: VersionSet.empty, has: () => false, text: 'empty' },
  ),
);

const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('expression'), tie('expression')).map(([a, b]) => ({
      set: a.set.union(b.set),
      has: (p: Version) => a.has(p) || b.has(p),
      text: `(${a.text} ∪ ${b.text})`,
    })),
    fc.tuple(tie('expression'), tie('expression')).map(([a, b]) => ({
      set: a.set.intersection(b.set),
      has: (p: Version) => a.has(p) && b.has(p),
      text: `(${a.text} ∩ ${b.text})`,
    })),
    fc.tuple(tie('expression'), tie('expression')).map(([a, b]) => ({
      set: a.set.difference(b.set),
      has: (p: Version) => a.has(p) && !b.has(p),
      text: `(${a.text} \\ ${b.text})`,
    })),
    tie('expression').map((a) => ({ set: a.set.complement(), has: (p: Version) => !a.has(p), text: `¬${a.text}` })),
  ),
}));

// An independent SemVer precedence, so the brute force does not lean on the code under test.
function identifierOrder(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function order(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const difference = identifierOrder(a.prerelease[i]!, b.prerelease[i]!);
    if (difference !== 0) return difference;
  }
  return a.prerelease.length - b.prerelease.length;
}

function precedes(a: Version, b: Version): boolean {
  return order(a, b) < 0;
}

function same(a: Version, b: Version): boolean {
  return order(a, b) === 0;
}

const probes = fc.array(version, { minLength: 8, maxLength: 8 });

describe('properties', () => {
  it('fromRequirement(r).contains(v) is matches(r, v)', () => {
    fc.assert(
      fc.property(requirementText, version, (text, probe) => {
        const requirement = req(text);
        expect(VersionSet.fromRequirement(requirement).contains(probe)).toBe(matches(requirement, probe));
      }),
      { numRuns: 5000 },
    );
  });

  it('membership of unions, intersections, differences and complements is the Boolean combination', () => {
    fc.assert(
      fc.property(expression, probes, (subject, sample) => {
        for (const probe of sample) expect(subject.set.contains(probe), `${subject.text} on ${versionKey(probe)}`).toBe(subject.has(probe));
      }),
      { numRuns: 3000 },
    );
  });

  it('subset, disjointness, emptiness and equality agree with membership and with each other', () => {
    fc.assert(
      fc.property(expression, expression, probes, (a, b, sample) => {
        const subset = a.set.isSubsetOf(b.set);
        const disjoint = a.set.isDisjointFrom(b.set);
        expect(subset).toBe(a.set.difference(b.set).isEmpty());
        expect(disjoint).toBe(a.set.intersection(b.set).isEmpty());
        expect(a.set.equals(b.set)).toBe(subset && b.set.isSubsetOf(a.set));
        for (const probe of sample) {
          if (subset && a.has(probe)) expect(b.has(probe)).toBe(true);
          if (disjoint) expect(a.has(probe) && b.has(probe)).toBe(false);
          if (a.set.isEmpty()) expect(a.has(probe)).toBe(false);
          if (a.set.isFull()) expect(a.has(probe)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the laws of a Boolean algebra hold as equalities (the form is canonical)', () => {
    fc.assert(
      fc.property(expression, expression, expression, (x, y, z) => {
        const [a, b, c] = [x.set, y.set, z.set];
        expect(a.union(b).equals(b.union(a))).toBe(true);
        expect(a.intersection(b.union(c)).equals(a.intersection(b).union(a.intersection(c)))).toBe(true);
        expect(a.union(b).complement().equals(a.complement().intersection(b.complement()))).toBe(true);
        expect(a.complement().complement().equals(a)).toBe(true);
        expect(a.union(a.complement()).isFull()).toBe(true);
        expect(a.intersection(a.complement()).isEmpty()).toBe(true);
        expect(a.difference(b).equals(a.intersection(b.complement()))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('positionsIn finds, in a list of distinct versions in precedence order, exactly the positions contains() holds', () => {
    const list = fc.uniqueArray(version, { selector: versionKey, maxLength: 40 }).map((versions) => [...versions].sort(order));
    fc.assert(
      fc.property(expression, list, (subject, sorted) => {
        const found: number[] = [];
        subject.set.positionsIn(sorted, (position) => found.push(position));
        const expected = sorted.flatMap((probe, position) => (subject.has(probe) ? [position] : []));
        expect([...found].sort((a, b) => a - b), subject.text).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('a non-empty set holds some version (emptiness is exact)', () => {
    // A non-empty interval holds its own lower bound, and every bound is a generated version, one bumped by a
    // patch, minor or major, or one with `.0` appended to its pre-release: so one of these must be inside.
    const alphabet: Array<string | number> = [0, 1, 'alpha', 'beta'];
    const generated = [[], ...alphabet.map((a) => [a]), ...alphabet.flatMap((a) => alphabet.map((b) => [a, b]))];
    const prereleases = [...generated, ...generated.map((pre) => [...pre, 0])];
    const candidates: Version[] = [];
    for (let major = 0; major <= 4; major++) {
      for (let minor = 0; minor <= 4; minor++) {
        for (let patch = 0; patch <= 4; patch++) {
          for (const pre of prereleases) candidates.push({ major, minor, patch, prerelease: pre, build: [] });
        }
      }
    }
    fc.assert(
      fc.property(expression, (subject) => {
        expect(subject.set.isEmpty()).toBe(!candidates.some((candidate) => subject.set.contains(candidate)));
      }),
      { numRuns: 500 },
    );
  });
});
