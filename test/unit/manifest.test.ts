// Sounio.toml validation: the seed's example, every field rule with the field it names, warnings for unknown keys,
// and what stops a manifest from being published.
import { describe, expect, it } from 'vitest';
import { parseManifest, publishProblems } from '../../src/core/manifest.js';
import { canonicalName, isReservedName, isValidPackageName, nameSkeleton } from '../../src/core/names.js';
import { SEED_MANIFEST } from '../helpers/packages.js';

const CATEGORIES = ['science', 'math', 'parser', 'text'];

const SEED_EXAMPLE = SEED_MANIFEST;

function withPackage(extra: string, base = 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\n'): string {
  return `[package]\n${base}${extra}`;
}

function problemsOf(text: string): Array<{ field: string; message: string }> {
  const result = parseManifest(text, { categories: CATEGORIES });
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('parseManifest', () => {
  it("accepts the seed's example", () => {
    const result = parseManifest(SEED_EXAMPLE, { categories: CATEGORIES });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest).toMatchObject({
      name: 'my-package',
      version: '0.1.0',
      authors: ['Your Name <you@example.com>'],
      license: 'MIT',
      keywords: ['keyword1', 'keyword2'],
      categories: ['science', 'math'],
      dependencies: [{ name: 'stdlib', req: '^1.0', kind: 'normal', optional: false, defaultFeatures: true, features: [], source: 'registry' }],
    });
    expect(result.warnings).toEqual([]);
    expect(publishProblems(result.manifest)).toEqual([]);
  });

  it('reads dependency tables of every kind, features and optional dependencies', () => {
    const result = parseManifest(
      withPackage(`sounio-version = "1.2"
edition = "2026"

[dependencies]
linalg = { version = "~1.2", features = ["simd"], optional = true, default-features = false }
plot = "0.3"

[dev-dependencies]
testkit = "=2.0.1"

[build-dependencies]
codegen = ">=1, <3"

[features]
default = ["fast"]
fast = ["dep:linalg", "plot/svg"]
`),
      { categories: CATEGORIES },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest.sounioVersion).toBe('1.2');
    expect(result.manifest.dependencies).toEqual([
      { name: 'linalg', req: '~1.2', kind: 'normal', features: ['simd'], optional: true, defaultFeatures: false, source: 'registry' },
      { name: 'plot', req: '0.3', kind: 'normal', features: [], optional: false, defaultFeatures: true, source: 'registry' },
      { name: 'testkit', req: '=2.0.1', kind: 'dev', features: [], optional: false, defaultFeatures: true, source: 'registry' },
      { name: 'codegen', req: '>=1, <3', kind: 'build', features: [], optional: false, defaultFeatures: true, source: 'registry' },
    ]);
    expect(result.manifest.features).toEqual({ default: ['fast'], fast: ['dep:linalg', 'plot/svg'] });
  });

  it('keeps unknown keys as warnings, not errors', () => {
    const result = parseManifest(withPackage('colour = "blue"\n') + '\n[badges]\nci = "x"\n', { categories: CATEGORIES });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual(['unknown key `badges` is ignored', 'unknown key `package.colour` is ignored']);
  });

  it.each([
    ['not toml at all = = =', 'Sounio.toml'],
    ['[dependencies]\nx = "1"', 'package'],
    [withPackage('', 'version = "1.0.0"\ndescription = "d"\nlicense = "MIT"\n'), 'package.name'],
    [withPackage('', 'name = "Bad_Name"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\n'), 'package.name'],
    [withPackage('', `name = "${'a'.repeat(65)}"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\n`), 'package.name'],
    [withPackage('', 'name = "pkg"\nversion = "1.0"\ndescription = "d"\nlicense = "MIT"\n'), 'package.version'],
    [withPackage('', `name = "pkg"\nversion = "1.0.0-${'a'.repeat(60)}"\ndescription = "d"\nlicense = "MIT"\n`), 'package.version'],
    [withPackage('', 'name = "pkg"\nversion = "1.0.0"\nlicense = "MIT"\n'), 'package.description'],
    [withPackage('', `name = "pkg"\nversion = "1.0.0"\ndescription = "${'d'.repeat(501)}"\nlicense = "MIT"\n`), 'package.description'],
    [withPackage('', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\n'), 'package.license'],
    [withPackage('', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT OR"\n'), 'package.license'],
    [withPackage('', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\nlicense = "Not-A-License"\n'), 'package.license'],
    [withPackage('repository = "ftp://example.org/x"\n'), 'package.repository'],
    [withPackage('homepage = "javascript:alert(1)"\n'), 'package.homepage'],
    [withPackage(`keywords = [${Array.from({ length: 11 }, (_, i) => `"k${i}"`).join(', ')}]\n`), 'package.keywords'],
    [withPackage('keywords = ["Upper"]\n'), 'package.keywords'],
    [withPackage(`keywords = ["${'k'.repeat(21)}"]\n`), 'package.keywords'],
    [withPackage('categories = ["science", "cooking"]\n'), 'package.categories'],
    [withPackage('categories = ["science", "math", "parser", "text", "science", "math"]\n'), 'package.categories'],
    [withPackage('authors = "me"\n'), 'package.authors'],
    [withPackage('sounio-version = "latest"\n'), 'package.sounio-version'],
    [withPackage('publish = "no"\n'), 'package.publish'],
    [withPackage('\n[dependencies]\nstdlib = "^1.!"\n'), 'dependencies.stdlib'],
    [withPackage('\n[dependencies]\nstdlib = { features = ["x"] }\n'), 'dependencies.stdlib'],
    [withPackage('\n[dependencies]\nalias = { package = "stdlib", version = "1" }\n'), 'dependencies.alias'],
    [withPackage('\n[dependencies]\nBad = "1"\n'), 'dependencies.Bad'],
    [withPackage('\n[dependencies]\nx = 1\n'), 'dependencies.x'],
    [withPackage('\n[features]\nfast = ["missing"]\n'), 'features.fast'],
    [withPackage('\n[features]\nfast = ["nodep/feature"]\n'), 'features.fast'],
    [withPackage('\n[features]\n"bad name!" = []\n'), 'features.bad name!'],
  ])('refuses %j, naming %s', (text, field) => {
    const problems = problemsOf(text);
    expect(problems.map((problem) => problem.field)).toContain(field);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(10);
  });

  it('a renamed dependency is refused with a message saying so', () => {
    const problems = problemsOf(withPackage('\n[dependencies]\nalias = { package = "stdlib", version = "1" }\n'));
    expect(problems[0]!.message).toMatch(/renaming a dependency with `package` is not supported/);
  });

  it('an invalid requirement points at the bad character', () => {
    const problems = problemsOf(withPackage('\n[dependencies]\nstdlib = "^1.!"\n'));
    expect(problems[0]!.message).toMatch(/'!'/);
  });

  it('accepts license-file instead of license, and SPDX expressions', () => {
    expect(parseManifest(withPackage('license-file = "LICENSE.txt"\n', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\n')).ok).toBe(true);
    expect(parseManifest(withPackage('', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT OR Apache-2.0"\n')).ok).toBe(true);
    expect(parseManifest(withPackage('', 'name = "pkg"\nversion = "1.0.0"\ndescription = "d"\nlicense = "GPL-3.0-or-later WITH Classpath-exception-2.0"\n')).ok).toBe(true);
  });
});

describe('publishProblems', () => {
  it('refuses publish = false and git or path dependencies, saying so', () => {
    const result = parseManifest(
      withPackage('publish = false\n\n[dependencies]\nlocal = { path = "../local" }\nremote = { git = "https://example.org/r.git", version = "1" }\n'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const problems = publishProblems(result.manifest);
    expect(problems.map((problem) => problem.field)).toEqual(['package.publish', 'dependencies.local', 'dependencies.remote']);
    expect(problems[1]!.message).toMatch(/path dependency/);
    expect(problems[2]!.message).toMatch(/git dependency/);
  });
});

describe('package names', () => {
  it('validates, canonicalises, reserves and finds look-alikes', () => {
    expect(isValidPackageName('serde_json')).toBe(true);
    expect(isValidPackageName('1abc')).toBe(false);
    expect(isValidPackageName('Abc')).toBe(false);
    expect(canonicalName('foo-bar')).toBe(canonicalName('foo_bar'));
    for (const name of ['std', 'stdlib', 'core', 'sounio', 'souc', 'registry', 'con', 'nul', 'aux', 'prn', 'com1', 'lpt9']) expect(isReservedName(name), name).toBe(true);
    expect(isReservedName('stdlib-extras')).toBe(false);
    expect(nameSkeleton('seri0us')).toBe(nameSkeleton('serious'));
    expect(nameSkeleton('l1nalg')).toBe(nameSkeleton('linalg'));
    expect(nameSkeleton('foo-bar')).toBe(nameSkeleton('foobar'));
    expect(nameSkeleton('json')).not.toBe(nameSkeleton('jsn'));
  });
});
