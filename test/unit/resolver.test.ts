// The resolver on hand-made registries: the classic scenarios of Dart pub's doc/solver.md with their explanations,
// the example of issue 7, yanked and locked versions, dependency kinds, Cargo features and optional dependencies,
// broken index data, and the limits that stop a resolution that would take too long or read too many packages.
import { describe, expect, it } from 'vitest';
import {
  solve,
  type IndexDependency,
  type IndexEntry,
  type PackageProvider,
  type RootSpec,
  type SolveOptions,
  type SolveResult,
} from '../../src/core/resolver.js';

// ---------------------------------------------------------------------------------------------------------------
// Registries written as literals

type Line = string | (Partial<IndexDependency> & { req: string });

interface VersionSpec {
  deps?: Record<string, Line>;
  features?: Record<string, string[]>;
  yanked?: boolean;
}

type Registry = Record<string, Record<string, VersionSpec>>;

function line(name: string, spec: Line): IndexDependency {
  const fields = typeof spec === 'string' ? { req: spec } : spec;
  return { name, features: [], optional: false, default_features: true, kind: 'normal', ...fields };
}

function entries(registry: Registry, name: string): IndexEntry[] {
  return Object.entries(registry[name] ?? {}).map(([vers, spec]) => ({
    name,
    vers,
    deps: Object.entries(spec.deps ?? {}).map(([dependency, l]) => line(dependency, l)),
    cksum: `sha-${name}-${vers}`,
    features: spec.features ?? {},
    yanked: spec.yanked ?? false,
  }));
}

/** A provider over the literal, which also records which packages were read. */
function provider(registry: Registry): PackageProvider & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    versions(name) {
      reads.push(name);
      return entries(registry, name);
    },
  };
}

function root(deps: Record<string, Line>, extra: Partial<RootSpec> = {}): RootSpec {
  return { name: 'app', version: '1.0.0', dependencies: Object.entries(deps).map(([name, l]) => line(name, l)), ...extra };
}

async function resolve(deps: Record<string, Line>, registry: Registry, options?: SolveOptions, extra?: Partial<RootSpec>): Promise<SolveResult> {
  return solve(root(deps, extra), provider(registry), options);
}

/** "name version" of each package chosen; fails the test on a resolution failure. */
function chosen(result: SolveResult): string[] {
  if (!result.ok) throw new Error(`expected a solution, got ${result.code}:\n${result.message}`);
  return result.packages.map((p) => `${p.name} ${p.version}`);
}

function explanation(result: SolveResult): string {
  if (result.ok) throw new Error(`expected a failure, got ${chosen(result).join(', ')}`);
  expect(result.code).toBe('resolution_failed');
  return result.message;
}

// ---------------------------------------------------------------------------------------------------------------

describe('the classic scenarios of doc/solver.md', () => {
  it('no conflicts', async () => {
    const result = await resolve({ foo: '^1.0.0' }, {
      foo: { '1.0.0': { deps: { bar: '^1.0.0' } } },
      bar: { '1.0.0': {}, '2.0.0': {} },
    });
    expect(chosen(result)).toEqual(['bar 1.0.0', 'foo 1.0.0']);
  });

  it('avoiding a conflict during decision making', async () => {
    const result = await resolve({ foo: '^1.0.0', bar: '^1.0.0' }, {
      foo: { '1.1.0': { deps: { bar: '^2.0.0' } }, '1.0.0': {} },
      bar: { '1.0.0': {}, '1.1.0': {}, '2.0.0': {} },
    });
    expect(chosen(result)).toEqual(['bar 1.1.0', 'foo 1.0.0']);
  });

  it('performing conflict resolution', async () => {
    const result = await resolve({ foo: '>=1.0.0' }, {
      foo: { '2.0.0': { deps: { bar: '^1.0.0' } }, '1.0.0': {} },
      bar: { '1.0.0': { deps: { foo: '^1.0.0' } } },
    });
    expect(chosen(result)).toEqual(['foo 1.0.0']);
  });

  it('conflict resolution with a partial satisfier', async () => {
    const result = await resolve({ foo: '^1.0.0', target: '^2.0.0' }, {
      foo: { '1.1.0': { deps: { left: '^1.0.0', right: '^1.0.0' } }, '1.0.0': {} },
      left: { '1.0.0': { deps: { shared: '>=1.0.0' } } },
      right: { '1.0.0': { deps: { shared: '<2.0.0' } } },
      shared: { '2.0.0': {}, '1.0.0': { deps: { target: '^1.0.0' } } },
      target: { '2.0.0': {}, '1.0.0': {} },
    });
    expect(chosen(result)).toEqual(['foo 1.0.0', 'target 2.0.0']);
  });

  it('linear error reporting', async () => {
    const result = await resolve({ foo: '^1.0.0', baz: '^1.0.0' }, {
      foo: { '1.0.0': { deps: { bar: '^2.0.0' } } },
      bar: { '2.0.0': { deps: { baz: '^3.0.0' } } },
      baz: { '1.0.0': {}, '3.0.0': {} },
    });
    expect(explanation(result)).toBe(
      'Because every version of foo depends on bar ^2.0.0 which depends on baz ^3.0.0, every version of foo requires baz ^3.0.0.\n' +
        'So, because app depends on both baz ^1.0.0 and foo ^1.0.0, version solving failed.',
    );
    expect(result).toMatchObject({ details: { packages: ['bar', 'baz', 'foo'] } });
  });

  it('branching error reporting, with a numbered line referred to later', async () => {
    const result = await resolve({ foo: '^1.0.0' }, {
      foo: { '1.0.0': { deps: { a: '^1.0.0', b: '^1.0.0' } }, '1.1.0': { deps: { x: '^1.0.0', y: '^1.0.0' } } },
      a: { '1.0.0': { deps: { b: '^2.0.0' } } },
      b: { '1.0.0': {}, '2.0.0': {} },
      x: { '1.0.0': { deps: { y: '^2.0.0' } } },
      y: { '1.0.0': {}, '2.0.0': {} },
    });
    expect(explanation(result)).toBe(
      [
        '    Because every version of a depends on b ^2.0.0 and foo <1.1.0 depends on b ^1.0.0, a is incompatible with foo <1.1.0.',
        '(1) So, because foo <1.1.0 depends on a ^1.0.0, foo <1.1.0 cannot be used.',
        '',
        '    Because every version of x depends on y ^2.0.0 and foo >=1.1.0 depends on y ^1.0.0, x is incompatible with foo >=1.1.0.',
        '    And because foo >=1.1.0 depends on x ^1.0.0, foo >=1.1.0 cannot be used.',
        '    And because foo <1.1.0 cannot be used (1), foo cannot be used.',
        '    So, because app depends on foo ^1.0.0, version solving failed.',
      ].join('\n'),
    );
  });

  it("issue 7's example reads as the issue wrote it", async () => {
    const result = await resolve({ a: '^1.0', b: '^1.0' }, {
      a: { '1.0.0': { deps: { b: '^2.0' } }, '1.1.0': { deps: { b: '^2.0' } } },
      b: { '1.0.0': {}, '2.0.0': {} },
    });
    expect(explanation(result)).toBe(
      'Because every version of a depends on b ^2.0 and app depends on b ^1.0, a cannot be used.\n' +
        'So, because app depends on a ^1.0, version solving failed.',
    );
  });
});

describe('choosing versions', () => {
  const registry: Registry = {
    web: { '1.0.0': { deps: { json: '^1.0' } }, '1.2.0': { deps: { json: '^1.1', log: '~0.3' } }, '2.0.0': { deps: { json: '^2.0' } } },
    json: { '1.0.0': {}, '1.1.0': {}, '1.4.2': {}, '2.0.0': {} },
    log: { '0.3.0': {}, '0.3.9': {}, '0.4.0': {} },
  };

  it('picks the highest compatible versions and reports checksums and the edges in use', async () => {
    const result = await resolve({ web: '^1.0' }, registry);
    expect(result).toEqual({
      ok: true,
      packages: [
        { name: 'json', version: '1.4.2', checksum: 'sha-json-1.4.2', dependencies: [], features: [] },
        { name: 'log', version: '0.3.9', checksum: 'sha-log-0.3.9', dependencies: [], features: [] },
        { name: 'web', version: '1.2.0', checksum: 'sha-web-1.2.0', dependencies: ['json 1.4.2', 'log 0.3.9'], features: [] },
      ],
    });
  });

  it('is deterministic, whatever order the provider lists versions in', async () => {
    const first = await resolve({ web: '*', log: '<0.4' }, registry);
    const again = await resolve({ web: '*', log: '<0.4' }, registry);
    const shuffled = await solve(root({ web: '*', log: '<0.4' }), {
      versions: (name) => entries(registry, name).reverse(),
    });
    expect(again).toEqual(first);
    expect(shuffled).toEqual(first);
    expect(chosen(first)).toEqual(['json 2.0.0', 'log 0.3.9', 'web 2.0.0']);
  });

  it('uses the first line of a version listed twice (build metadata does not make another version)', async () => {
    const lines = (name: string): IndexEntry[] => {
      const [first, ...rest] = entries({ lib: { '1.0.0': {}, '0.9.0': {} } }, name);
      return name === 'lib' ? [{ ...first!, vers: '1.0.0+first', cksum: 'sha-first' }, ...rest, { ...first!, vers: '1.0.0+second', cksum: 'sha-second' }] : [];
    };
    const result = await solve(root({ lib: '^1' }), { versions: lines });
    expect(result.ok && result.packages.map((p) => [p.name, p.version, p.checksum])).toEqual([['lib', '1.0.0+first', 'sha-first']]);
  });

  it('reads the index through an asynchronous provider', async () => {
    const result = await solve(root({ web: '~1.0' }), { versions: async (name) => entries(registry, name) });
    expect(chosen(result)).toEqual(['json 1.4.2', 'web 1.0.0']);
  });

  it('takes a pre-release only when the requirement names one', async () => {
    const pre: Registry = { x: { '1.0.0': {}, '1.1.0-beta.1': {} } };
    expect(chosen(await resolve({ x: '^1.0' }, pre))).toEqual(['x 1.0.0']);
    expect(chosen(await resolve({ x: '^1.1.0-beta' }, pre))).toEqual(['x 1.1.0-beta.1']);
  });

  it('resolves dependency cycles, including one back to the root', async () => {
    const cyclic: Registry = {
      a: { '1.0.0': { deps: { b: '^1.0' } } },
      b: { '1.0.0': { deps: { a: '^1.0', app: '^1.0' } } },
    };
    const result = await resolve({ a: '^1.0' }, cyclic);
    expect(chosen(result)).toEqual(['a 1.0.0', 'b 1.0.0']);
    expect(result.ok && result.packages[1]!.dependencies).toEqual(['a 1.0.0', 'app 1.0.0']);
    expect(explanation(await resolve({ a: '^1.0' }, { a: { '1.0.0': { deps: { app: '^2.0' } } } }))).toBe(
      'Because app depends on a ^1.0 which depends on app ^2.0, version solving failed.',
    );
  });

  it('explains a package with no matching versions, or none at all', async () => {
    expect(explanation(await resolve({ web: '^3.0' }, registry))).toBe(
      "Because app depends on web ^3.0 which doesn't match any versions, version solving failed.",
    );
    expect(explanation(await resolve({ x: '^2.0' }, {}))).toBe(
      "Because app depends on x ^2.0 which doesn't match any versions, version solving failed.",
    );
  });

  it('finds a dead end in the dependencies of a version it has not decided yet, and explains it', async () => {
    // The solver adds the dependencies of b 0.2.0 as soon as b is required, before deciding anything; the dead
    // end (a needs a b ^1.0 that does not exist) must still lead to the explanation, not to the time budget.
    const deadEnd: Registry = {
      a: { '2.0.0': { deps: { b: '^1.0' } }, '3.0.0': { yanked: true } },
      b: { '0.1.0': { yanked: true }, '0.2.0': { deps: { a: '^2.0' } } },
    };
    expect(explanation(await resolve({ b: '*' }, deadEnd, { timeBudgetMs: 2_000 }))).toBe(
      "Because b >=0.2.0 depends on a ^2.0 which doesn't match any versions (0.1.0 is yanked), every version of b requires a ^2.0.\n" +
        'So, because a <3.0.0 depends on b ^1.0 and app depends on b *, version solving failed.',
    );
  });

  it('explains a conflict between a transitive and a direct requirement', async () => {
    expect(explanation(await resolve({ web: '^1.2', json: '~1.0' }, registry))).toBe(
      'Because web >=1.2.0, <2.0.0 depends on json ^1.1 and app depends on json ~1.0, web >=1.2.0, <2.0.0 cannot be used.\n' +
        'So, because app depends on web ^1.2, version solving failed.',
    );
  });
});

describe('explanations', () => {
  it('print requirements as written and ranges between published versions, never internal pre-release bounds', async () => {
    // An earlier solver reasoned on all SemVer versions: it spent a conflict on the gap between d 1.0.0 and
    // 1.1.3, and wrote "d ^1.1, or >=1.1.4-0, <2.0.1-0 requires a ^2.0".
    const result = await resolve({ a: '~1.1', c: '~2.1' }, {
      a: { '1.1.0': {}, '2.0.0': {} },
      c: { '2.1.0': { deps: { d: '~1.1' } } },
      d: { '1.0.0': {}, '1.1.3': { deps: { a: '^2.0' } }, '1.2.0': { deps: { a: '^2.0' } }, '2.0.0': {} },
    });
    expect(explanation(result)).toBe(
      'Because every version of c depends on d ~1.1 which depends on a ^2.0, every version of c requires a ^2.0.\n' +
        'So, because app depends on both c ~2.1 and a ~1.1, version solving failed.',
    );
  });

  it('print the versions that share a dependency as bounds between published versions', async () => {
    const result = await resolve({ a: '*', b: '^1.0' }, {
      a: { '1.0.0': { deps: { b: '^2.0' } }, '1.1.0': { deps: { b: '^2.0' } }, '1.2.0': { deps: { c: '^1.0' } } },
      b: { '1.0.0': {}, '2.0.0': {} },
      c: { '1.0.0': { deps: { b: '^2.0' } } },
    });
    const message = explanation(result);
    expect(message).toBe(
      [
        'Because a <1.2.0 depends on b ^2.0 and a >=1.2.0 depends on c ^1.0, every version of a requires b ^2.0 or c ^1.0.',
        'And because every version of c depends on b ^2.0, every version of a requires b ^2.0.',
        'So, because app depends on both b ^1.0 and a *, version solving failed.',
      ].join('\n'),
    );
    expect(message).not.toMatch(/-0\b/);
  });
});

describe('yanked and locked versions', () => {
  const registry: Registry = {
    x: { '1.0.0': {}, '1.1.0': {}, '1.2.0': { yanked: true } },
    y: { '2.0.0': { yanked: true } },
  };

  it('skips a yanked version, even the highest', async () => {
    expect(chosen(await resolve({ x: '^1.0' }, registry))).toEqual(['x 1.1.0']);
  });

  it('keeps a yanked version that the lock holds', async () => {
    const locked = [{ name: 'x', version: '1.2.0' }];
    expect(chosen(await resolve({ x: '^1.0' }, registry, { locked }))).toEqual(['x 1.2.0']);
    // ... unless that package is being updated, which moves it off the yanked version.
    expect(chosen(await resolve({ x: '^1.0' }, registry, { locked, unlock: ['x'] }))).toEqual(['x 1.1.0']);
  });

  it('says so when only yanked versions match', async () => {
    expect(explanation(await resolve({ y: '^2.0' }, registry))).toBe(
      "Because app depends on y ^2.0 which doesn't match any versions (2.0.0 is yanked), version solving failed.",
    );
  });

  it('prefers locked versions over newer ones, directly and transitively', async () => {
    const graph: Registry = {
      a: { '1.0.0': { deps: { b: '^1.0' } }, '1.1.0': { deps: { b: '^1.0' } } },
      b: { '1.0.0': {}, '1.5.0': {} },
    };
    const locked = [
      { name: 'a', version: '1.0.0' },
      { name: 'b', version: '1.0.0' },
    ];
    expect(chosen(await resolve({ a: '^1.0' }, graph, { locked }))).toEqual(['a 1.0.0', 'b 1.0.0']);
    expect(chosen(await resolve({ a: '^1.0' }, graph, { locked, unlock: ['b'] }))).toEqual(['a 1.0.0', 'b 1.5.0']);
    expect(chosen(await resolve({ a: '^1.0' }, graph, { locked, unlock: 'all' }))).toEqual(['a 1.1.0', 'b 1.5.0']);
  });

  it('ignores a locked version the requirements no longer allow', async () => {
    const locked = [{ name: 'x', version: '1.0.0' }];
    expect(chosen(await resolve({ x: '>=1.1' }, registry, { locked }))).toEqual(['x 1.1.0']);
  });
});

describe('dependency kinds', () => {
  const registry: Registry = {
    lib: {
      '1.0.0': {
        deps: {
          helper: { req: '^1.0', kind: 'build' },
          bench: { req: '^9.0', kind: 'dev' }, // does not exist: would fail if it counted
        },
      },
    },
    helper: { '1.0.0': {} },
    testkit: { '1.0.0': {} },
  };

  it("counts the root's dev-dependencies and build dependencies, but not dependencies' dev-dependencies", async () => {
    const result = await resolve({ lib: '^1.0', testkit: { req: '^1.0', kind: 'dev' } }, registry);
    expect(chosen(result)).toEqual(['helper 1.0.0', 'lib 1.0.0', 'testkit 1.0.0']);
    expect(result.ok && result.packages[1]!.dependencies).toEqual(['helper 1.0.0']);
  });
});

describe('features and optional dependencies', () => {
  const registry: Registry = {
    net: {
      '1.0.0': {
        deps: { tls: { req: '^1.0', optional: true }, zlib: { req: '^1.0', optional: true } },
        features: { default: ['secure'], secure: ['dep:tls'], fast: ['tls?/fast'], small: ['zlib/tiny'] },
      },
    },
    tls: { '1.0.0': { features: { fast: [] } }, '2.0.0': {} },
    zlib: { '1.0.0': { features: { tiny: [] } } },
  };
  const net = (fields: Partial<IndexDependency> = {}): Line => ({ req: '^1.0', ...fields });

  function features(result: SolveResult): Record<string, string[]> {
    if (!result.ok) throw new Error(result.message);
    return Object.fromEntries(result.packages.map((p) => [p.name, p.features]));
  }

  it('turns on the default features, which may turn on an optional dependency', async () => {
    const result = await resolve({ net: net() }, registry);
    expect(features(result)).toEqual({ net: ['default', 'secure'], tls: [] });
    expect(result.ok && result.packages[0]!.dependencies).toEqual(['tls 1.0.0']);
  });

  it('leaves an optional dependency out unless a feature turns it on', async () => {
    expect(features(await resolve({ net: net({ default_features: false }) }, registry))).toEqual({ net: [] });
  });

  it('turns on requested features, and the implicit feature of an optional dependency', async () => {
    const result = await resolve({ net: net({ default_features: false, features: ['zlib'] }) }, registry);
    expect(features(result)).toEqual({ net: ['zlib'], zlib: [] });
  });

  it('reads `dep/feature` as "turn the dependency on, with that feature"', async () => {
    const result = await resolve({ net: net({ default_features: false, features: ['small'] }) }, registry);
    expect(features(result)).toEqual({ net: ['small', 'zlib'], zlib: ['tiny'] });
  });

  it('reads `dep?/feature` as "that feature, only if the dependency is on anyway"', async () => {
    expect(features(await resolve({ net: net({ default_features: false, features: ['fast'] }) }, registry))).toEqual({
      net: ['fast'],
    });
    expect(features(await resolve({ net: net({ features: ['fast'] }) }, registry))).toEqual({
      net: ['default', 'fast', 'secure'],
      tls: ['fast'],
    });
  });

  it('unifies the features every depender asks for', async () => {
    const graph: Registry = {
      ...registry,
      a: { '1.0.0': { deps: { net: { req: '^1.0', default_features: false, features: ['small'] } } } },
      b: { '1.0.0': { deps: { net: { req: '^1.0', default_features: false, features: ['fast', 'secure'] } } } },
    };
    expect(features(await resolve({ a: '^1.0', b: '^1.0' }, graph))).toEqual({
      a: [],
      b: [],
      net: ['fast', 'secure', 'small', 'zlib'],
      tls: ['fast'],
      zlib: ['tiny'],
    });
  });

  it("turns on the root's own default features", async () => {
    const result = await resolve({ tls: { req: '^1.0', optional: true } }, registry, undefined, { features: { default: ['tls'] } });
    expect(chosen(result)).toEqual(['tls 1.0.0']);
    expect(chosen(await resolve({ tls: { req: '^1.0', optional: true } }, registry))).toEqual([]);
  });

  it('chooses a version that has the requested feature', async () => {
    const graph: Registry = { x: { '1.0.0': { features: { extra: [] } }, '1.1.0': {} } };
    expect(chosen(await resolve({ x: { req: '^1.0', features: ['extra'] } }, graph))).toEqual(['x 1.0.0']);
    // Also when the version without it was decided first, for another dependency.
    const later: Registry = {
      ...graph,
      a: { '1.0.0': { deps: { x: '^1.0' } } },
      b: { '1.0.0': { deps: { x: { req: '^1.0', features: ['extra'] } } } },
    };
    expect(chosen(await resolve({ a: '^1.0', b: '^1.0' }, later))).toEqual(['a 1.0.0', 'b 1.0.0', 'x 1.0.0']);
  });

  it('explains a feature that does not exist', async () => {
    expect(explanation(await resolve({ net: net({ features: ['nope'] }) }, registry))).toBe(
      'Because app depends on net ^1.0 with feature `nope` but net 1.0.0 has no feature `nope`, version solving failed.',
    );
    const two: Registry = { x: { '1.0.0': {}, '1.1.0': {} } };
    expect(explanation(await resolve({ x: { req: '^1.0', features: ['foo'] } }, two))).toBe(
      'Because app depends on x ^1.0 with feature `foo` but no version of x matching ^1.0 has feature `foo`, version solving failed.',
    );
  });

  it('explains a conflict that a feature brings in', async () => {
    expect(explanation(await resolve({ net: net(), tls: '^2.0' }, registry))).toBe(
      [
        'Because every version of net with feature `secure` depends on net with optional dependency `tls` which depends on tls ^1.0, every version of net with feature `secure` requires tls ^1.0.',
        'And because every version of net with feature `default` depends on net with feature `secure`, every version of net with feature `default` requires tls ^1.0.',
        'So, because app depends on both tls ^2.0 and net ^1.0 with feature `default`, version solving failed.',
      ].join('\n'),
    );
  });
});

describe('broken index data', () => {
  it('ignores entries whose version does not parse', async () => {
    const result = await resolve({ x: '*' }, { x: { '1.0.0': {}, 'v2.0.0': {}, '3.0': {} } });
    expect(chosen(result)).toEqual(['x 1.0.0']);
  });

  it('rules out a version with an invalid requirement or feature, and says why', async () => {
    const broken: Registry = {
      a: { '1.0.0': { deps: { x: '^^1' } } },
      b: { '1.0.0': { features: { default: ['nothere'] } } },
      c: { '1.0.0': {}, '1.1.0': { deps: { x: 'not a requirement' } } },
    };
    expect(explanation(await resolve({ a: '^1.0' }, broken))).toBe(
      'Because app depends on a ^1.0 but every version of a depends on x with the invalid requirement `^^1`, version solving failed.',
    );
    expect(explanation(await resolve({ b: '^1.0' }, broken))).toBe(
      'Because app depends on b ^1.0 with feature `default` but every version of b with feature `default` enables `nothere`, ' +
        'which is neither a feature nor an optional dependency, version solving failed.',
    );
    expect(chosen(await resolve({ c: '^1.0' }, broken))).toEqual(['c 1.0.0']);
  });

  it('fails clearly on a root version that is not SemVer', async () => {
    const result = await solve({ ...root({}), version: 'one' }, provider({}));
    expect(result).toMatchObject({ ok: false, code: 'resolution_failed', message: "app's version `one` is not a valid SemVer version, so version solving failed." });
  });
});

describe('limits', () => {
  /** n+1 pigeons in n holes: hopeless, and exponentially long to prove so by resolution. */
  function pigeonholes(holes: number): { deps: Record<string, Line>; registry: Registry } {
    const registry: Registry = {};
    const deps: Record<string, Line> = {};
    for (let pigeon = 1; pigeon <= holes + 1; pigeon++) {
      deps[`pigeon${pigeon}`] = '*';
      registry[`pigeon${pigeon}`] = {};
      for (let hole = 1; hole <= holes; hole++) {
        registry[`pigeon${pigeon}`]![`${hole}.0.0`] = { deps: { [`hole${hole}`]: `=${pigeon}.0.0` } };
        (registry[`hole${hole}`] ??= {})[`${pigeon}.0.0`] = {};
      }
    }
    return { deps, registry };
  }

  it('stops at the time budget on a registry that forces endless backtracking', async () => {
    const { deps, registry } = pigeonholes(10);
    const started = performance.now();
    const result = await resolve(deps, registry, { timeBudgetMs: 50 });
    expect(result).toMatchObject({ ok: false, code: 'resolution_too_complex', details: { limit: 'timeBudgetMs', value: 50 } });
    expect(!result.ok && result.message).toMatch(/time budget of 50 ms/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('proves the small hopeless case impossible within the default budget', async () => {
    const { deps, registry } = pigeonholes(3);
    expect(explanation(await resolve(deps, registry))).toMatch(/version solving failed\.$/);
  });

  it('stops after reading more packages than allowed', async () => {
    const chain: Registry = {};
    for (let i = 0; i < 10; i++) chain[`p${i}`] = { '1.0.0': { deps: i < 9 ? { [`p${i + 1}`]: '^1.0' } : {} } };
    const index = provider(chain);
    const result = await solve(root({ p0: '^1.0' }), index, { maxPackages: 5 });
    expect(result).toMatchObject({ ok: false, code: 'resolution_too_complex', details: { limit: 'maxPackages', value: 5 } });
    expect(!result.ok && result.message).toMatch(/more than 5 packages/);
    expect(index.reads.length).toBeLessThanOrEqual(6);
    expect(chosen(await solve(root({ p0: '^1.0' }), provider(chain), { maxPackages: 10 }))).toHaveLength(10);
  });
});
