// Version requirements with Cargo's meaning: the syntax and its errors (with the position of the bad character),
// Cargo's documented expansions, the pre-release rule, the normalised text form and the interval form, plus property
// tests that tie them together on random requirements and versions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatRequirement,
  matches,
  MAX_REQUIREMENT_LENGTH,
  parseRequirement,
  toRanges,
  type Comparator,
  type Requirement,
  type RequirementRanges,
  type VersionInterval,
} from '../../src/core/requirement.js';
import { formatVersion, parseVersion, type Version } from '../../src/core/version.js';

const MAX = Number.MAX_SAFE_INTEGER;

function req(text: string): Requirement {
  const parsed = parseRequirement(text);
  if (!parsed.ok) throw new Error(`test requirement ${JSON.stringify(text)} does not parse: ${parsed.message}`);
  return parsed.requirement;
}

function v(text: string): Version {
  const version = parseVersion(text);
  if (version === null) throw new Error(`test version ${text} does not parse`);
  return version;
}

function inRanges(ranges: RequirementRanges, version: Version): boolean {
  const within = (range: VersionInterval) =>
    (range.lower === null || compare(range.lower, version) <= 0) && (range.upper === null || compare(version, range.upper) < 0);
  return (version.prerelease.length === 0 ? ranges.releases : ranges.prereleases).some(within);
}

// An independent comparison, so that the interval checks do not lean on the code under test.
function compare(a: Version, b: Version): number {
  for (const key of ['major', 'minor', 'patch'] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i]!;
    const y = b.prerelease[i]!;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

describe('matches', () => {
  it.each([
    // Caret, Cargo's table: ^1.2.3 := >=1.2.3, <2.0.0 and so on.
    ['^1.2.3', '1.2.3', true],
    ['^1.2.3', '1.2.4', true],
    ['^1.2.3', '1.9.9', true],
    ['^1.2.3', '1.2.2', false],
    ['^1.2.3', '2.0.0', false],
    ['^1.2.3', '0.9.0', false],
    ['^1.2', '1.2.0', true],
    ['^1.2', '1.99.0', true],
    ['^1.2', '1.1.9', false],
    ['^1.2', '2.0.0', false],
    ['^1', '1.0.0', true],
    ['^1', '1.99.99', true],
    ['^1', '0.9.9', false],
    ['^1', '2.0.0', false],
    ['^0.2.3', '0.2.3', true],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.2.2', false],
    ['^0.2.3', '0.3.0', false],
    ['^0.2', '0.2.0', true],
    ['^0.2', '0.2.9', true],
    ['^0.2', '0.1.9', false],
    ['^0.2', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['^0.0.3', '0.0.2', false],
    ['^0.0.3', '0.1.3', false],
    ['^0.0', '0.0.0', true],
    ['^0.0', '0.0.9', true],
    ['^0.0', '0.1.0', false],
    ['^0', '0.0.0', true],
    ['^0', '0.9.9', true],
    ['^0', '1.0.0', false],
    ['^0.0.0', '0.0.0', true],
    ['^0.0.0', '0.0.1', false],
    // A bare version is a caret requirement.
    ['1.2.3', '1.5.0', true],
    ['1.2.3', '2.0.0', false],
    ['0.2', '0.2.7', true],
    ['0.2', '0.3.0', false],
    ['1', '1.9.0', true],
    // Tilde.
    ['~1.2.3', '1.2.3', true],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.2.2', false],
    ['~1.2.3', '1.3.0', false],
    ['~1.2', '1.2.0', true],
    ['~1.2', '1.2.9', true],
    ['~1.2', '1.3.0', false],
    ['~1', '1.0.0', true],
    ['~1', '1.9.0', true],
    ['~1', '2.0.0', false],
    ['~0.0.3', '0.0.9', true],
    ['~0.0.3', '0.1.0', false],
    // Equality, including partial versions.
    ['=1.2.3', '1.2.3', true],
    ['=1.2.3', '1.2.3+build', true],
    ['=1.2.3', '1.2.4', false],
    ['=1.2', '1.2.0', true],
    ['=1.2', '1.2.9', true],
    ['=1.2', '1.3.0', false],
    ['=1.2', '1.1.9', false],
    ['=1', '1.0.0', true],
    ['=1', '1.9.9', true],
    ['=1', '2.0.0', false],
    // Comparisons, including partial versions.
    ['>1.2.3', '1.2.4', true],
    ['>1.2.3', '1.2.3', false],
    ['>1.2', '1.3.0', true],
    ['>1.2', '1.2.9', false],
    ['>1', '2.0.0', true],
    ['>1', '1.9.9', false],
    ['>=1.2', '1.2.0', true],
    ['>=1.2', '5.0.0', true],
    ['>=1.2', '1.1.9', false],
    ['>=1.2.3', '1.2.3', true],
    ['>=1.2.3', '1.2.2', false],
    ['<1.2', '1.1.99', true],
    ['<1.2', '1.2.0', false],
    ['<1.2.3', '1.2.2', true],
    ['<1.2.3', '1.2.3', false],
    ['<=1.2', '1.2.99', true],
    ['<=1.2', '1.3.0', false],
    ['<=1.2.3', '1.2.3', true],
    ['<=1.2.3', '1.2.4', false],
    ['<0.0.0', '0.0.0', false],
    // Wildcards.
    ['*', '0.0.0', true],
    ['*', '99.0.0', true],
    ['1.*', '1.0.0', true],
    ['1.*', '1.99.0', true],
    ['1.*', '2.0.0', false],
    ['1.*', '0.9.0', false],
    ['1.*.*', '1.5.5', true],
    ['1.2.*', '1.2.0', true],
    ['1.2.*', '1.2.99', true],
    ['1.2.*', '1.3.0', false],
    ['>=1.*', '3.0.0', true],
    // Several comparators must all hold.
    ['>= 1.2, < 1.5', '1.2.0', true],
    ['>= 1.2, < 1.5', '1.4.99', true],
    ['>= 1.2, < 1.5', '1.5.0', false],
    ['>= 1.2, < 1.5', '1.1.0', false],
    ['>=1.2.3+build, <=1.2.3+other', '1.2.3', true],
    ['>=1.2.3+build, <=1.2.3+other', '1.2.4', false],
    ['>=2, <1', '1.5.0', false],
    // Whitespace and build metadata change nothing.
    ['  >=  1.2 ,  <  2  ', '1.5.0', true],
    ['  >=  1.2 ,  <  2  ', '2.0.0', false],
    ['\t^1.2\t', '1.2.0', true],
    ['1.2.3+build', '1.2.3', true],
    ['1.2.3+build', '1.9.0', true],
    ['1.2.3+build', '1.2.2', false],
    // Pre-releases match only through a comparator naming a pre-release of the same major.minor.patch.
    ['^1.2.3-alpha', '1.2.3-alpha', true],
    ['^1.2.3-alpha', '1.2.3-beta', true],
    ['^1.2.3-alpha', '1.2.3', true],
    ['^1.2.3-alpha', '1.3.0', true],
    ['^1.2.3-alpha', '1.2.3-0', false],
    ['^1.2.3-alpha', '1.2.4-alpha', false],
    ['^1.2.3-alpha', '2.0.0-alpha', false],
    ['^1.2.3', '1.2.3-beta', false],
    ['^1.2.3', '1.3.0-beta', false],
    ['^1.2.3', '2.0.0-alpha', false],
    ['>=1.0.0', '1.5.0-rc.1', false],
    ['>=1.0.0-0', '1.0.0-0', true],
    ['>=1.0.0-0', '1.0.0-alpha', true],
    ['>=1.0.0-0', '1.0.0', true],
    ['>=1.0.0-0', '1.5.0', true],
    ['>=1.0.0-0', '1.5.0-rc.1', false],
    ['>=1.0.0-beta, <2', '1.0.0-rc', true],
    ['>=1.0.0-beta, <2', '1.0.0-alpha', false],
    ['>=1.0.0-beta, <2', '1.4.0', true],
    ['>=1.0.0-beta, <2', '1.4.0-rc', false],
    ['>=1.2.0-alpha, <1.2.0', '1.2.0-beta', true],
    ['>=1.2.0-alpha, <1.2.0', '1.2.0', false],
    ['>=1.2.0-alpha, <1.2', '1.2.0-beta', false], // the semver crate: a partial bound is not below 1.2.0-beta
    ['>=1.2, <1.2.5-beta', '1.2.5-alpha', false], // nor is `>=1.2` above 1.2.5-alpha
    ['<=1.2, >=1.2.3-alpha', '1.2.3-beta', false], // nor is `<=1.2` above 1.2.3-beta
    ['<=1.2, >=1.2.3-alpha', '1.2.5', true],
    ['~1.2, >=1.2.3-alpha', '1.2.3-beta', false], // `~1.2` and `=1.2` allow no pre-release at all
    ['~1.2.3-beta', '1.2.3-beta.2', true],
    ['~1.2.3-beta', '1.2.3-alpha', false],
    ['~1.2.3-beta', '1.2.5', true],
    ['~1.2.3-beta', '1.3.0-alpha', false],
    ['=1.2.3-beta.1', '1.2.3-beta.1', true],
    ['=1.2.3-beta.1', '1.2.3-beta.1+build', true],
    ['=1.2.3-beta.1', '1.2.3-beta.2', false],
    ['=1.2.3-beta.1', '1.2.3', false],
    ['<1.2.3-beta', '1.2.3-alpha', true],
    ['<1.2.3-beta', '1.2.2', true],
    ['<1.2.3-beta', '1.2.3-beta', false],
    ['>1.2.3-beta', '1.2.3-beta.0', true],
    ['>1.2.3-beta', '1.2.3-rc', true],
    ['>1.2.3-beta', '1.2.3', true],
    ['>1.2.3-beta', '1.2.4-alpha', false],
    ['^0.0.3-beta', '0.0.3-beta.1', true],
    ['^0.0.3-beta', '0.0.3', true],
    ['^0.0.3-beta', '0.0.4', false],
    ['=1.2', '1.2.0-alpha', false],
    ['*', '1.0.0-alpha', false],
    ['1.*', '1.5.0-alpha', false],
    ['<0.0.0', '0.0.0-alpha', false],
    // Numbers up to the largest safe integer.
    ['^9007199254740991', '9007199254740991.5.0', true],
    ['>9007199254740990', '9007199254740991.0.0', true],
    ['~1.9007199254740991', '1.9007199254740991.9007199254740991', true],
    ['<=1.2.9007199254740991', '1.3.0', false],
  ])('%j against %s: %s', (requirement, version, expected) => {
    expect(matches(req(requirement), v(version))).toBe(expected);
    expect(inRanges(toRanges(req(requirement)), v(version))).toBe(expected);
  });
});

describe("Cargo's documented expansions", () => {
  // Every version from a grid around the bounds, pre-releases included.
  const probes: Version[] = [];
  for (let major = 0; major <= 3; major++) {
    for (let minor = 0; minor <= 4; minor++) {
      for (let patch = 0; patch <= 4; patch++) {
        for (const prerelease of [[], [0], ['alpha'], ['beta', 1]]) probes.push({ major, minor, patch, prerelease, build: [] });
      }
    }
  }

  it.each([
    ['^1.2.3', '>=1.2.3, <2.0.0'],
    ['^1.2', '>=1.2.0, <2.0.0'],
    ['^1', '>=1.0.0, <2.0.0'],
    ['^0.2.3', '>=0.2.3, <0.3.0'],
    ['^0.2', '>=0.2.0, <0.3.0'],
    ['^0.0.3', '=0.0.3'],
    ['^0.0', '>=0.0.0, <0.1.0'],
    ['^0', '>=0.0.0, <1.0.0'],
    ['~1.2.3', '>=1.2.3, <1.3.0'],
    ['~1.2', '>=1.2.0, <1.3.0'],
    ['~1', '>=1.0.0, <2.0.0'],
    ['=1.2', '>=1.2.0, <1.3.0'],
    ['=1', '>=1.0.0, <2.0.0'],
    ['>1.2', '>=1.3.0'],
    ['>=1.2', '>=1.2.0'],
    ['<1.2', '<1.2.0'],
    ['<=1.2', '<1.3.0'],
    ['*', '>=0.0.0'],
    ['1.*', '>=1.0.0, <2.0.0'],
    ['1.2.*', '>=1.2.0, <1.3.0'],
    ['1.2.3', '^1.2.3'],
    ['1.2.3+build', '^1.2.3'],
  ])('%s means %s', (short, long) => {
    for (const probe of probes) {
      expect(matches(req(short), probe), `${short} vs ${long} on ${formatVersion(probe)}`).toBe(matches(req(long), probe));
    }
  });
});

describe('parseRequirement', () => {
  const c = (op: Comparator['op'], major: number, minor?: number, patch?: number, prerelease: Comparator['prerelease'] = []) => {
    const comparator: Comparator = { op, major, prerelease };
    if (minor !== undefined) comparator.minor = minor;
    if (patch !== undefined) comparator.patch = patch;
    return comparator;
  };

  it.each<[string, Comparator[]]>([
    ['1.2.3', [c('^', 1, 2, 3)]],
    ['1.2', [c('^', 1, 2)]],
    ['1', [c('^', 1)]],
    ['^0.0.0', [c('^', 0, 0, 0)]],
    ['~1.2', [c('~', 1, 2)]],
    ['=1.2.3', [c('=', 1, 2, 3)]],
    ['>1', [c('>', 1)]],
    ['>=1.2', [c('>=', 1, 2)]],
    ['<1.2.3', [c('<', 1, 2, 3)]],
    ['<=1.2', [c('<=', 1, 2)]],
    ['^1.2.3-beta.1', [c('^', 1, 2, 3, ['beta', 1])]],
    ['>=1.0.0-0', [c('>=', 1, 0, 0, [0])]],
    ['1.2.3+build.5', [c('^', 1, 2, 3)]],
    ['1.2.3-rc.1+build', [c('^', 1, 2, 3, ['rc', 1])]],
    ['*', []],
    ['  *  ', []],
    ['1.*', [c('*', 1)]],
    ['1.*.*', [c('*', 1)]],
    ['1.2.*', [c('*', 1, 2)]],
    ['>=1.*', [c('>=', 1)]],
    ['=1.2.*', [c('=', 1, 2)]],
    ['>= 1.2, < 1.5', [c('>=', 1, 2), c('<', 1, 5)]],
    ['  >=  1.2 ,<2  ', [c('>=', 1, 2), c('<', 2)]],
    ['\t>=\t1\t,\t<2\t', [c('>=', 1), c('<', 2)]],
    ['>=1,<2', [c('>=', 1), c('<', 2)]],
    ['1.*, <1.5', [c('*', 1), c('<', 1, 5)]],
    ['9007199254740991.9007199254740991.9007199254740991-9007199254740991', [c('^', MAX, MAX, MAX, [MAX])]],
  ])('reads %j', (text, comparators) => {
    const parsed = parseRequirement(text);
    expect(parsed).toEqual({ ok: true, requirement: { comparators } });
  });

  it('accepts exactly 256 characters', () => {
    const text = `${' '.repeat(MAX_REQUIREMENT_LENGTH - 5)}1.2.3`;
    expect(text.length).toBe(256);
    expect(parseRequirement(text).ok).toBe(true);
  });

  it.each<[string, number, string]>([
    ['', 0, 'unexpected end of input at position 0 in "": expected a version such as 1.2.3'],
    ['   ', 3, 'unexpected end of input at position 3 in "   "'],
    ['>=', 2, `unexpected end of input at position 2 in ">=": expected a version after '>='`],
    ['>= ', 3, `unexpected end of input at position 3 in ">= ": expected a version after '>='`],
    ['>= 1.!', 5, `unexpected character '!' at position 5 in ">= 1.!": expected the minor version number or '*'`],
    ['1.2.3.4', 5, `unexpected character '.' at position 5 in "1.2.3.4": expected ',' or the end of the requirement`],
    ['^01.2', 1, 'leading zero at position 1 in "^01.2": numbers are written without leading zeros'],
    ['1.02', 2, 'leading zero at position 2'],
    ['1.2.00', 4, 'leading zero at position 4'],
    ['1..2', 2, `unexpected character '.' at position 2 in "1..2": expected the minor version number or '*'`],
    ['1.2.', 4, `unexpected end of input at position 4 in "1.2.": expected the patch version number or '*'`],
    ['1.', 2, 'unexpected end of input at position 2'],
    ['~>1.0', 1, `unexpected character '>' at position 1 in "~>1.0": expected a version after '~'`],
    ['=>1', 1, `unexpected character '>' at position 1`],
    ['> =1', 2, `unexpected character '=' at position 2`],
    ['>= 1, ', 6, `unexpected end of input at position 6 in ">= 1, ": expected a version such as 1.2.3`],
    ['1,', 2, 'unexpected end of input at position 2'],
    ['1,,2', 2, `unexpected character ',' at position 2`],
    [',1', 0, `unexpected character ',' at position 0`],
    ['1 2', 2, `unexpected character '2' at position 2 in "1 2": expected ',' or the end of the requirement`],
    ['1.2.3 ^1', 6, `unexpected character '^' at position 6`],
    ['^ 1.2 .3', 6, `unexpected character '.' at position 6`],
    ['v1.2.3', 0, `unexpected character 'v' at position 0 in "v1.2.3": expected a version such as 1.2.3`],
    ['latest', 0, `unexpected character 'l' at position 0`],
    ['-1', 0, `unexpected character '-' at position 0`],
    ['1.2.3-', 6, 'unexpected end of input at position 6 in "1.2.3-": expected a pre-release identifier'],
    ['1.2.3-01', 6, 'leading zero at position 6'],
    ['1.2.3-beta.01', 11, 'leading zero at position 11'],
    ['1.2.3-beta..1', 11, `unexpected character '.' at position 11 in "1.2.3-beta..1": expected a pre-release identifier`],
    ['1.2.3-+b', 6, `unexpected character '+' at position 6`],
    ['1.2.3+', 6, 'unexpected end of input at position 6 in "1.2.3+": expected a build identifier'],
    ['<=1.2.3-alpha+', 14, 'unexpected end of input at position 14'],
    ['1.2.3+b_1', 7, `unexpected character '_' at position 7`],
    ['1.2-beta', 3, `unexpected character '-' at position 3 in "1.2-beta": a pre-release or build metadata needs a full version`],
    ['1-beta', 1, `unexpected character '-' at position 1`],
    ['1.2+build', 3, `unexpected character '+' at position 3 in "1.2+build": a pre-release or build metadata needs a full version`],
    ['1.*-beta', 3, 'a pre-release or build metadata needs a full version'],
    ['1.*.3', 4, `unexpected character '3' at position 4 in "1.*.3": only '*' may follow a wildcard`],
    ['1.x', 2, `unexpected character 'x' at position 2`],
    ['1.2.x', 4, `unexpected character 'x' at position 4`],
    ['1.2.*.*', 5, `unexpected character '.' at position 5`],
    ['*, 1', 1, `unexpected character ',' at position 1 in "*, 1": '*' alone must be the whole requirement`],
    ['*.*', 1, `unexpected character '.' at position 1`],
    ['1, *', 3, `unexpected character '*' at position 3 in "1, *": '*' alone must be the whole requirement`],
    ['>=*', 2, `unexpected character '*' at position 2`],
    ['1.2.3 || 2', 6, `unexpected character '|' at position 6 in "1.2.3 || 2": comparators are joined by ','`],
    ['1.2.3 - 2.0.0', 6, `unexpected character '-' at position 6 in "1.2.3 - 2.0.0": expected ',' or the end`],
    ['1.2.3\n', 5, 'unexpected character U+000A at position 5 in "1.2.3\\n"'],
    ['１.2', 0, `unexpected character '１' at position 0`],
    ['1.2.3-αlpha', 6, `unexpected character 'α' at position 6`],
    ['9007199254740992', 0, 'number too large at position 0 in "9007199254740992": numbers may be at most 9007199254740991'],
    ['1.9007199254740992', 2, 'number too large at position 2'],
    ['1.2.3-9007199254740992', 6, 'number too large at position 6'],
    ['^1.2.99999999999999999999999', 5, 'number too large at position 5'],
    ['x'.repeat(300), 256, 'requirement too long: 300 characters where at most 256 are allowed'],
    [`${' '.repeat(256)}1`, 256, 'requirement too long: 257 characters'],
  ])('refuses %j at %i', (text, index, message) => {
    const parsed = parseRequirement(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.index).toBe(index);
    expect(parsed.message).toContain(message);
  });
});

describe('formatRequirement', () => {
  it.each([
    ['1.2.3', '^1.2.3'],
    ['1.2', '^1.2'],
    ['^1.2', '^1.2'],
    ['  >= 1.2 ,<2', '>=1.2, <2'],
    ['~1', '~1'],
    ['=1.2.3', '=1.2.3'],
    ['<=1.2', '<=1.2'],
    ['>1.2.3-beta.1', '>1.2.3-beta.1'],
    ['^1.2.3-beta.1+build', '^1.2.3-beta.1'],
    ['*', '*'],
    ['  *  ', '*'],
    ['1.*', '1.*'],
    ['1.*.*', '1.*'],
    ['1.2.*', '1.2.*'],
    ['>=1.*', '>=1'],
    ['=1.2.*', '=1.2'],
  ])('writes %j as %j', (text, formatted) => {
    expect(formatRequirement(req(text))).toBe(formatted);
  });
});

describe('toRanges', () => {
  const TOP = `${MAX}.${MAX}.${MAX}`;
  const show = (range: VersionInterval) =>
    `[${range.lower === null ? '-inf' : formatVersion(range.lower)}, ${range.upper === null ? 'inf' : formatVersion(range.upper)})`;

  it.each<[string, string[], string[]]>([
    ['^1.2.3', ['[1.2.3, 2.0.0)'], []],
    ['^1.2', ['[1.2.0, 2.0.0)'], []],
    ['^1', ['[1.0.0, 2.0.0)'], []],
    ['^0.2.3', ['[0.2.3, 0.3.0)'], []],
    ['^0.0.3', ['[0.0.3, 0.0.4)'], []],
    ['^0.0', ['[0.0.0, 0.1.0)'], []],
    ['^0', ['[0.0.0, 1.0.0)'], []],
    ['~1.2.3', ['[1.2.3, 1.3.0)'], []],
    ['~1', ['[1.0.0, 2.0.0)'], []],
    ['=1.2', ['[1.2.0, 1.3.0)'], []],
    ['=1.2.3', ['[1.2.3, 1.2.4)'], []],
    ['>1.2', ['[1.3.0, inf)'], []],
    ['>1.2.3', ['[1.2.4, inf)'], []],
    ['>=1.2', ['[1.2.0, inf)'], []],
    ['<1.2', ['[-inf, 1.2.0)'], []],
    ['<=1.2', ['[-inf, 1.3.0)'], []],
    ['<=1.2.3', ['[-inf, 1.2.4)'], []],
    ['*', ['[-inf, inf)'], []],
    ['1.2.*', ['[1.2.0, 1.3.0)'], []],
    ['>= 1.2, < 1.5', ['[1.2.0, 1.5.0)'], []],
    ['>=2, <1', [], []],
    ['<0.0.0', [], []],
    ['^1.2.3-alpha', ['[1.2.3, 2.0.0)'], ['[1.2.3-alpha, 1.2.3)']],
    ['>=1.0.0-0', ['[1.0.0, inf)'], ['[1.0.0-0, 1.0.0)']],
    ['>=1.0.0-beta, <2', ['[1.0.0, 2.0.0)'], ['[1.0.0-beta, 1.0.0)']],
    ['=1.2.3-beta', [], ['[1.2.3-beta, 1.2.3-beta.0)']],
    ['<1.2.3-beta', ['[-inf, 1.2.3)'], ['[1.2.3-0, 1.2.3-beta)']],
    ['>=1.2, <1.2.5-beta', ['[1.2.0, 1.2.5)'], []],
    ['>1.2.3-alpha, <1.2.4-beta', ['[1.2.3, 1.2.4)'], ['[1.2.3-alpha.0, 1.2.3)', '[1.2.4-0, 1.2.4-beta)']],
    ['=1.2, >=1.2.3-beta', ['[1.2.3, 1.3.0)'], []],
    ['<=1.2, >=1.2.3-beta', ['[1.2.3, 1.3.0)'], []],
    ['<=1.2.3, >=1.2.3-beta', ['[1.2.3, 1.2.4)'], ['[1.2.3-beta, 1.2.3)']],
    ['^9007199254740991', ['[9007199254740991.0.0, inf)'], []],
    ['>9007199254740991', [], []],
    ['~1.9007199254740991', ['[1.9007199254740991.0, 2.0.0)'], []],
    ['<=1.2.9007199254740991', ['[-inf, 1.3.0)'], []],
    [`>=${TOP}-rc`, [`[${TOP}, inf)`], [`[${TOP}-rc, ${TOP})`]],
  ])('%j is releases %j and pre-releases %j', (text, releases, prereleases) => {
    const ranges = toRanges(req(text));
    expect(ranges.releases.map(show)).toEqual(releases);
    expect(ranges.prereleases.map(show)).toEqual(prereleases);
  });
});

// Small numbers, so that random versions land on and around the requirements' bounds, and the largest ones, so
// that bumping past them is exercised.
const number = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(MAX - 1, MAX) });
const prerelease = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom<string | number>(0, 1, 2, 'alpha', 'beta', 'rc'), { minLength: 1, maxLength: 2 }) },
);
const version: fc.Arbitrary<Version> = fc.record({
  major: number,
  minor: number,
  patch: number,
  prerelease,
  build: fc.constantFrom([], ['build']),
});
const operator = fc.constantFrom<Comparator['op']>('^', '~', '=', '>', '>=', '<', '<=', '*');
const comparator: fc.Arbitrary<Comparator> = fc
  .tuple(operator, number, number, number, prerelease, fc.nat(2))
  .map(([op, major, minor, patch, pre, shape]) => {
    if (op === '*') return shape === 0 ? { op, major, prerelease: [] } : { op, major, minor, prerelease: [] };
    if (shape === 0) return { op, major, prerelease: [] };
    if (shape === 1) return { op, major, minor, prerelease: [] };
    return { op, major, minor, patch, prerelease: pre };
  });
const requirement: fc.Arbitrary<Requirement> = fc.record({ comparators: fc.array(comparator, { maxLength: 3 }) });
// Requirements built around one version, so that pre-releases of that version are allowed and tested often.
const focused = fc
  .tuple(version, fc.array(fc.tuple(operator, fc.nat(2)), { minLength: 1, maxLength: 3 }))
  .map(([around, shapes]) => ({
    requirement: {
      comparators: shapes.map(([op, shape]): Comparator => {
        const { major, minor, patch, prerelease } = around;
        if (shape === 0) return { op, major, prerelease: [] };
        if (shape === 1 || op === '*') return { op, major, minor, prerelease: [] };
        return { op, major, minor, patch, prerelease };
      }),
    },
    around,
  }));

describe('properties', () => {
  it('^x.y.z agrees with >=x.y.z, <next on every version', () => {
    fc.assert(
      fc.property(number, number, number, prerelease, version, (major, minor, patch, pre, probe) => {
        const caret: Requirement = { comparators: [{ op: '^', major, minor, patch, prerelease: pre }] };
        // Cargo's next breaking version, carrying a bump past the largest safe integer into the number before it
        // (0.MAX.z is followed by 1.0.0); past MAX.y.z no version is left, so there is no upper bound.
        let next = major > 0 ? [major + 1, 0, 0] : minor > 0 ? [0, minor + 1, 0] : [0, 0, patch + 1];
        if (next[2]! > MAX) next = [next[0]!, next[1]! + 1, 0];
        if (next[1]! > MAX) next = [next[0]! + 1, 0, 0];
        const upper: Comparator[] =
          next[0]! > MAX ? [] : [{ op: '<', major: next[0]!, minor: next[1]!, patch: next[2]!, prerelease: [] }];
        const expanded: Requirement = { comparators: [{ op: '>=', major, minor, patch, prerelease: pre }, ...upper] };
        expect(matches(caret, probe)).toBe(matches(expanded, probe));
      }),
      { numRuns: 3000 },
    );
  });

  it('parse(format(requirement)) is the same requirement', () => {
    fc.assert(
      fc.property(requirement, fc.array(version, { minLength: 5, maxLength: 5 }), (original, probes) => {
        const parsed = parseRequirement(formatRequirement(original));
        expect(parsed).toEqual({ ok: true, requirement: original });
        if (!parsed.ok) return;
        for (const probe of probes) expect(matches(parsed.requirement, probe)).toBe(matches(original, probe));
      }),
      { numRuns: 2000 },
    );
  });

  it('toRanges holds exactly the versions that match', () => {
    const check = (subject: Requirement, probe: Version) => {
      const ranges = toRanges(subject);
      expect(inRanges(ranges, probe), `${formatRequirement(subject)} on ${formatVersion(probe)}`).toBe(matches(subject, probe));
      expect(ranges.releases.length).toBeLessThanOrEqual(1);
      for (const range of [...ranges.releases, ...ranges.prereleases]) {
        if (range.lower !== null && range.upper !== null) expect(compare(range.lower, range.upper)).toBe(-1);
      }
    };
    fc.assert(fc.property(requirement, version, check), { numRuns: 5000 });
    fc.assert(
      fc.property(focused, version, fc.nat(3), ({ requirement: subject, around }, probe, pick) => {
        // Probe the focus version, its neighbours in pre-release order, and an unrelated version.
        const near: Version[] = [
          around,
          { ...around, prerelease: [...around.prerelease, 0] },
          { ...around, prerelease: [] },
          { ...around, prerelease: ['alpha'] },
        ];
        check(subject, near[pick]!);
        check(subject, probe);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, and every failure points inside the text', () => {
    const unit = fc.constantFrom(...'0123456789.*,^~=<>-+ab \t|');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 20 }), fc.string({ maxLength: 20 })), (text) => {
        const parsed = parseRequirement(text);
        if (parsed.ok) {
          expect(parseRequirement(formatRequirement(parsed.requirement))).toEqual(parsed);
          return;
        }
        expect(parsed.index).toBeGreaterThanOrEqual(0);
        expect(parsed.index).toBeLessThanOrEqual(text.length);
        expect(parsed.message).toContain(`at position ${parsed.index} in ${JSON.stringify(text)}`);
      }),
      { numRuns: 5000 },
    );
  });
});
