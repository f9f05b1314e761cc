// SemVer 2.0 versions: strict parsing, precedence, identity, sorting and the "latest version" rule, with property
// tests against the rules themselves and against the `semver` package as an independent implementation.
import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  formatVersion,
  isPrerelease,
  latestVersion,
  MAX_VERSION_LENGTH,
  parseVersion,
  sortVersionsDescending,
  versionKey,
  type Version,
} from '../../src/core/version.js';

const MAX = Number.MAX_SAFE_INTEGER;

function v(text: string): Version {
  const version = parseVersion(text);
  if (version === null) throw new Error(`test version ${text} does not parse`);
  return version;
}

describe('parseVersion', () => {
  it.each([
    ['0.0.0', { major: 0, minor: 0, patch: 0, prerelease: [], build: [] }],
    ['1.2.3', { major: 1, minor: 2, patch: 3, prerelease: [], build: [] }],
    ['10.20.30', { major: 10, minor: 20, patch: 30, prerelease: [], build: [] }],
    ['1.2.3-alpha', { major: 1, minor: 2, patch: 3, prerelease: ['alpha'], build: [] }],
    ['1.2.3-alpha.1', { major: 1, minor: 2, patch: 3, prerelease: ['alpha', 1], build: [] }],
    ['1.0.0-0.3.7', { major: 1, minor: 0, patch: 0, prerelease: [0, 3, 7], build: [] }],
    ['1.0.0-x.7.z.92', { major: 1, minor: 0, patch: 0, prerelease: ['x', 7, 'z', 92], build: [] }],
    ['1.0.0-x-y-z.--', { major: 1, minor: 0, patch: 0, prerelease: ['x-y-z', '--'], build: [] }],
    ['1.0.0-0A.is.legal', { major: 1, minor: 0, patch: 0, prerelease: ['0A', 'is', 'legal'], build: [] }],
    ['1.0.0-alpha+001', { major: 1, minor: 0, patch: 0, prerelease: ['alpha'], build: ['001'] }],
    ['1.0.0+20130313144700', { major: 1, minor: 0, patch: 0, prerelease: [], build: ['20130313144700'] }],
    ['1.0.0-beta+exp.sha.5114f85', { major: 1, minor: 0, patch: 0, prerelease: ['beta'], build: ['exp', 'sha', '5114f85'] }],
    ['1.0.0+21AF26D3----117B344092BD', { major: 1, minor: 0, patch: 0, prerelease: [], build: ['21AF26D3----117B344092BD'] }],
    [
      '1.2.3----RC-SNAPSHOT.12.9.1--.12+788',
      { major: 1, minor: 2, patch: 3, prerelease: ['---RC-SNAPSHOT', 12, 9, '1--', 12], build: ['788'] },
    ],
    ['9007199254740991.9007199254740991.9007199254740991', { major: MAX, minor: MAX, patch: MAX, prerelease: [], build: [] }],
    ['1.2.3-9007199254740991', { major: 1, minor: 2, patch: 3, prerelease: [MAX], build: [] }],
    ['1.2.3-123abc', { major: 1, minor: 2, patch: 3, prerelease: ['123abc'], build: [] }],
    ['1.2.3-00a', { major: 1, minor: 2, patch: 3, prerelease: ['00a'], build: [] }],
  ])('reads %s', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it('accepts exactly 64 characters', () => {
    const text = `1.0.0-${'a'.repeat(MAX_VERSION_LENGTH - 6)}`;
    expect(text.length).toBe(64);
    expect(parseVersion(text)).not.toBeNull();
    expect(parseVersion(`${text}b`)).toBeNull();
    expect(parseVersion(`1.0.0+${'a'.repeat(59)}`)).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['1', 'partial'],
    ['1.2', 'partial'],
    ['1.2.3.4', 'four numbers'],
    ['v1.2.3', 'v prefix'],
    ['V1.2.3', 'V prefix'],
    ['=1.2.3', 'operator'],
    [' 1.2.3', 'leading space'],
    ['1.2.3 ', 'trailing space'],
    ['1.2.3\n', 'trailing newline'],
    ['1. 2.3', 'inner space'],
    ['01.2.3', 'leading zero in major'],
    ['1.02.3', 'leading zero in minor'],
    ['1.2.03', 'leading zero in patch'],
    ['00.0.0', 'double zero'],
    ['1.2.3-01', 'leading zero in a numeric pre-release identifier'],
    ['1.2.3-alpha.01', 'leading zero in a later pre-release identifier'],
    ['1.2.3-', 'empty pre-release'],
    ['1.2.3+', 'empty build'],
    ['1.2.3-+build', 'empty pre-release before build'],
    ['1.2.3-alpha..1', 'empty pre-release identifier'],
    ['1.2.3-alpha.', 'trailing dot in pre-release'],
    ['1.2.3+build..1', 'empty build identifier'],
    ['1.2.3-alpha_1', 'underscore'],
    ['1.2.3-αlpha', 'non-ASCII letter'],
    ['１.2.3', 'full-width digit'],
    ['-1.2.3', 'negative'],
    ['1.-2.3', 'negative minor'],
    ['+1.2.3', 'plus sign'],
    ['1.2.3+build+more', 'two plus signs'],
    ['1.2.x', 'wildcard'],
    ['1e3.0.0', 'exponent'],
    ['0x1.0.0', 'hexadecimal'],
    ['9007199254740992.0.0', 'major beyond the safe integers'],
    ['0.9007199254740992.0', 'minor beyond the safe integers'],
    ['0.0.9007199254740992', 'patch beyond the safe integers'],
    ['1.2.3-9007199254740992', 'pre-release number beyond the safe integers'],
    ['99999999999999999999.0.0', 'far beyond the safe integers'],
  ])('refuses %j (%s)', (text) => {
    expect(parseVersion(text)).toBeNull();
  });

  it('keeps a numeric-looking build identifier as text (builds have no precedence)', () => {
    expect(v('1.0.0+9007199254740993').build).toEqual(['9007199254740993']);
  });
});

describe('compareVersions', () => {
  // semver.org section 11, in ascending order, then the release line.
  const ascending = [
    '0.0.0-0',
    '0.0.0',
    '0.0.1',
    '0.1.0',
    '1.0.0-0',
    '1.0.0-1',
    '1.0.0-2',
    '1.0.0-10',
    '1.0.0-9007199254740991',
    '1.0.0-A',
    '1.0.0-Z',
    '1.0.0-a',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.1.0',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
    '2.1.0',
    '2.1.1',
    '10.0.0',
    '9007199254740991.0.0',
  ];

  it('orders every pair of the SemVer examples', () => {
    for (const [i, a] of ascending.entries()) {
      for (const [j, b] of ascending.entries()) {
        expect(compareVersions(v(a), v(b)), `${a} vs ${b}`).toBe(Math.sign(i - j));
      }
    }
  });

  it.each([
    ['1.0.0+a', '1.0.0+b'],
    ['1.0.0', '1.0.0+build.5'],
    ['1.0.0-rc.1+x', '1.0.0-rc.1+y'],
  ])('ignores build metadata: %s = %s', (a, b) => {
    expect(compareVersions(v(a), v(b))).toBe(0);
    expect(versionKey(v(a))).toBe(versionKey(v(b)));
  });

  it('compares numeric identifiers as numbers, not text', () => {
    expect(compareVersions(v('1.0.0-alpha.10'), v('1.0.0-alpha.9'))).toBe(1);
    expect(compareVersions(v('1.0.0-10'), v('1.0.0-9a'))).toBe(-1); // `9a` is alphanumeric: after every number
  });
});

describe('versionKey, formatVersion and isPrerelease', () => {
  it.each([
    ['1.2.3', '1.2.3', '1.2.3', false],
    ['1.2.3+build.1', '1.2.3', '1.2.3+build.1', false],
    ['1.2.3-beta.1', '1.2.3-beta.1', '1.2.3-beta.1', true],
    ['1.2.3-0+x', '1.2.3-0', '1.2.3-0+x', true],
    ['9007199254740991.0.0-9007199254740991', '9007199254740991.0.0-9007199254740991', '9007199254740991.0.0-9007199254740991', true],
  ])('%s: key %s, text %s, pre-release %s', (text, key, formatted, prerelease) => {
    expect(versionKey(v(text))).toBe(key);
    expect(formatVersion(v(text))).toBe(formatted);
    expect(isPrerelease(v(text))).toBe(prerelease);
  });
});

describe('sortVersionsDescending', () => {
  it('puts the highest first and keeps the input order among equal versions', () => {
    const items = ['1.0.0+b', '0.9.0', '1.0.0-rc.1', '2.0.0', '1.0.0+a', '1.0.0', '1.0.0-rc.1+x'].map((text, index) => ({ text, index }));
    const sorted = sortVersionsDescending(items, (item) => v(item.text));
    expect(sorted.map((item) => item.text)).toEqual(['2.0.0', '1.0.0+b', '1.0.0+a', '1.0.0', '1.0.0-rc.1', '1.0.0-rc.1+x', '0.9.0']);
  });

  it('returns a copy and leaves the input alone', () => {
    const items = [v('1.0.0'), v('2.0.0')];
    const sorted = sortVersionsDescending(items, (item) => item);
    expect(sorted).not.toBe(items);
    expect(items.map(formatVersion)).toEqual(['1.0.0', '2.0.0']);
    expect(sorted.map(formatVersion)).toEqual(['2.0.0', '1.0.0']);
  });

  it('handles empty and single lists', () => {
    expect(sortVersionsDescending([], (item: Version) => item)).toEqual([]);
    expect(sortVersionsDescending([v('1.0.0')], (item) => item).map(formatVersion)).toEqual(['1.0.0']);
  });
});

describe('latestVersion', () => {
  const entry = (text: string, yanked = false) => ({ version: v(text), yanked });

  it.each([
    ['none at all', [], null],
    ['the highest release', [entry('1.0.0'), entry('1.2.0'), entry('1.1.0')], '1.2.0'],
    ['a release over a higher pre-release', [entry('1.0.0'), entry('2.0.0-rc.1')], '1.0.0'],
    ['a release over a higher yanked release', [entry('1.0.0'), entry('1.1.0', true)], '1.0.0'],
    ['a low release over everything else', [entry('0.1.0'), entry('3.0.0', true), entry('2.0.0-beta')], '0.1.0'],
    ['the highest pre-release when no release stands', [entry('1.0.0-alpha'), entry('1.0.0-beta'), entry('1.0.0', true)], '1.0.0-beta'],
    ['a pre-release over a higher yanked one', [entry('1.0.0-alpha'), entry('1.0.0-beta', true)], '1.0.0-alpha'],
    ['the highest yanked version when all are yanked', [entry('1.0.0', true), entry('3.0.0-rc', true), entry('2.0.0', true)], '3.0.0-rc'],
    ['the only version, yanked', [entry('0.0.1', true)], '0.0.1'],
    ['the only version, a pre-release', [entry('0.0.1-0')], '0.0.1-0'],
  ])('picks %s', (_name, versions, expected) => {
    const latest = latestVersion(versions);
    expect(latest === null ? null : formatVersion(latest)).toBe(expected);
  });

  it('picks the first of versions of equal precedence', () => {
    expect(formatVersion(latestVersion([entry('1.0.0+a'), entry('1.0.0+b')])!)).toBe('1.0.0+a');
  });
});

// Small numbers and a small pool of identifiers so that ties and shared prefixes come up often.
const number = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.nat() },
  { weight: 1, arbitrary: fc.constantFrom(MAX - 1, MAX) },
);
const prereleaseIdentifier = fc.oneof(
  fc.integer({ min: 0, max: 11 }),
  fc.constantFrom('alpha', 'beta', 'rc', 'a', 'A', 'Z', '-', '0a', 'x-1'),
  fc.stringMatching(/^[0-9A-Za-z-]{0,4}[A-Za-z-][0-9A-Za-z-]{0,4}$/),
);
const buildIdentifier = fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/);
const version: fc.Arbitrary<Version> = fc.record({
  major: number,
  minor: number,
  patch: number,
  prerelease: fc.oneof(fc.constant([]), fc.array(prereleaseIdentifier, { minLength: 1, maxLength: 3 })),
  build: fc.oneof(fc.constant([]), fc.array(buildIdentifier, { minLength: 1, maxLength: 2 })),
});

describe('properties', () => {
  it('ordering is a total order whose ties are exactly versionKey equality', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        const ab = compareVersions(a, b);
        expect([-1, 0, 1]).toContain(ab);
        expect(compareVersions(a, a)).toBe(0);
        expect(compareVersions(b, a)).toBe(-ab || 0);
        expect(ab === 0).toBe(versionKey(a) === versionKey(b));
        if (ab <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        if (ab === 0) expect(compareVersions(a, c)).toBe(compareVersions(b, c));
      }),
      { numRuns: 2000 },
    );
  });

  it('ordering agrees with the semver package', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(semver.compare(formatVersion(a), formatVersion(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('formatVersion and parseVersion round-trip', () => {
    fc.assert(
      fc.property(version, (value) => {
        const text = formatVersion(value);
        expect(parseVersion(text)).toEqual(text.length <= MAX_VERSION_LENGTH ? value : null);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the strings the semver package accepts verbatim', () => {
    const unit = fc.constantFrom(...'0123456789..--++aZ v_');
    // Valid versions with one character inserted, deleted or replaced, so both answers come up often.
    const mutated = fc.tuple(version, fc.nat(), unit, fc.constantFrom('insert', 'delete', 'replace', 'keep')).map(
      ([value, at, char, edit]) => {
        const text = formatVersion(value);
        const i = at % (text.length + 1);
        if (edit === 'insert') return text.slice(0, i) + char + text.slice(i);
        if (edit === 'delete') return text.slice(0, i) + text.slice(i + 1);
        if (edit === 'replace') return text.slice(0, i) + char + text.slice(i + 1);
        return text;
      },
    );
    const text = fc.oneof(fc.string({ unit, maxLength: 14 }), mutated).filter((candidate) => candidate.length <= MAX_VERSION_LENGTH);
    fc.assert(
      fc.property(text, (candidate) => {
        const theirs = semver.parse(candidate);
        const verbatim = theirs !== null && theirs.format() + (theirs.build.length > 0 ? `+${theirs.build.join('.')}` : '') === candidate;
        expect(parseVersion(candidate) !== null).toBe(verbatim);
      }),
      { numRuns: 5000 },
    );
  });

  it('sorting matches the pairwise order and is stable', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 20 }), (versions) => {
        const items = versions.map((value, index) => ({ value, index }));
        const sorted = sortVersionsDescending(items, (item) => item.value);
        expect(sorted.map((item) => item.index).sort((x, y) => x - y)).toEqual(items.map((item) => item.index));
        for (let i = 1; i < sorted.length; i++) {
          const order = compareVersions(sorted[i - 1]!.value, sorted[i]!.value);
          expect(order).toBeGreaterThanOrEqual(0);
          if (order === 0) expect(sorted[i - 1]!.index).toBeLessThan(sorted[i]!.index);
        }
      }),
    );
  });
});
