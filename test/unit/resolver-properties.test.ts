// The resolver against brute force on small random registries (4-6 packages, 1-5 versions each, random
// requirements, yanked versions, locks, all dependency kinds; then optional dependencies and features too).
//
// The oracle below is written independently of the solver: it reads Cargo's rules directly (which lines count,
// which features a selection turns on, which optional dependencies those activate) into `closure`, and searches
// every assignment of versions to the packages the closure says are needed. Each solution the solver returns must
// pass the same closure with nothing missing and nothing extra, report exactly the closure's features and edges, and
// use no yanked version the lock does not hold; the solver must succeed exactly when the oracle finds a solution;
// and solving twice gives the same answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matches, parseRequirement } from '../../src/core/requirement.js';
import { solve, type IndexDependency, type IndexEntry, type LockedPackage, type SolveOptions, type SolveResult } from '../../src/core/resolver.js';
import { parseVersion } from '../../src/core/version.js';

const ROOT = 'app';

interface World {
  root: IndexEntry;
  packages: Map<string, IndexEntry[]>;
  options: SolveOptions;
}

// ---------------------------------------------------------------------------------------------------------------
// Cargo's rules, read directly

function satisfies(req: string, vers: string): boolean {
  const parsed = parseRequirement(req);
  if (!parsed.ok) throw new Error(`generated requirement ${req} does not parse`);
  return matches(parsed.requirement, parseVersion(vers)!);
}

/** The lines that count: all of the root's, and all but dev ones for the others (never a package's own name). */
function activeLines(name: string, entry: IndexEntry): IndexDependency[] {
  return entry.deps.filter((line) => (name === ROOT || line.kind !== 'dev') && line.name !== name);
}

/** Declared features, plus one per optional dependency that no `dep:` value names and no feature shadows. */
function featureTable(name: string, entry: IndexEntry): Map<string, string[]> {
  const table = new Map(Object.entries(entry.features));
  const values = Object.values(entry.features).flat();
  for (const line of activeLines(name, entry)) {
    if (line.optional && !values.includes(`dep:${line.name}`) && !table.has(line.name)) table.set(line.name, [`dep:${line.name}`]);
  }
  return table;
}

type Closure =
  | { ok: false; why: string }
  | {
      ok: true;
      /** Packages some active line requires but the assignment leaves out. */
      needed: Set<string>;
      reached: Set<string>;
      enabled: Map<string, Set<string>>;
      activated: Map<string, Set<string>>;
    };

/** Everything the assignment turns on, starting from the root, or why it is inconsistent. */
function closure(assignment: ReadonlyMap<string, IndexEntry>): Closure {
  const needed = new Set<string>();
  const reached = new Set<string>();
  const enabled = new Map<string, Set<string>>();
  const activated = new Map<string, Set<string>>();
  const weak: Array<{ name: string; dependency: string; line: IndexDependency; feature: string }> = [];
  let why: string | null = null;

  const reach = (name: string): void => {
    if (reached.has(name)) return;
    reached.add(name);
    const entry = assignment.get(name)!;
    for (const line of activeLines(name, entry)) if (!line.optional) follow(line);
    if (name === ROOT && 'default' in entry.features) enable(name, 'default');
  };
  /** A line's package must be selected in range; then it is reached, with the line's features. */
  const target = (line: IndexDependency): boolean => {
    const entry = assignment.get(line.name);
    if (entry === undefined) {
      needed.add(line.name);
      return false;
    }
    if (!satisfies(line.req, entry.vers)) {
      why ??= `${line.name} ${entry.vers} is outside ${line.req}`;
      return false;
    }
    reach(line.name);
    return true;
  };
  const follow = (line: IndexDependency): void => {
    if (!target(line)) return;
    for (const feature of line.features) enable(line.name, feature);
    if (line.default_features) enable(line.name, 'default');
  };
  const activate = (name: string, dependency: string): void => {
    const set = activated.get(name) ?? new Set();
    activated.set(name, set);
    if (set.has(dependency)) return;
    set.add(dependency);
    for (const line of activeLines(name, assignment.get(name)!)) if (line.optional && line.name === dependency) follow(line);
  };
  const enable = (name: string, feature: string): void => {
    const set = enabled.get(name) ?? new Set();
    enabled.set(name, set);
    if (set.has(feature)) return;
    set.add(feature);
    const entry = assignment.get(name)!;
    const table = featureTable(name, entry);
    if (feature !== 'default' && !table.has(feature)) {
      why ??= `${name} ${entry.vers} has no feature ${feature}`;
      return;
    }
    for (const value of table.get(feature) ?? []) apply(name, entry, table, value);
  };
  const apply = (name: string, entry: IndexEntry, table: Map<string, string[]>, value: string): void => {
    const lines = activeLines(name, entry);
    if (value.startsWith('dep:')) {
      const dependency = value.slice(4);
      const named = lines.filter((line) => line.name === dependency);
      if (named.length === 0) why ??= `${name} has no dependency ${dependency}`;
      else if (named.some((line) => line.optional)) activate(name, dependency);
      return;
    }
    if (!value.includes('/')) {
      if (value !== 'default' && !table.has(value)) why ??= `${name} has no feature ${value}`;
      else enable(name, value);
      return;
    }
    const [head, feature] = value.split('/') as [string, string];
    const isWeak = head.endsWith('?');
    const dependency = isWeak ? head.slice(0, -1) : head;
    const named = lines.filter((line) => line.name === dependency);
    if (named.length === 0) why ??= `${name} has no dependency ${dependency}`;
    for (const line of named) {
      if (line.optional && isWeak) {
        weak.push({ name, dependency, line, feature });
        continue;
      }
      if (line.optional) {
        if (table.get(dependency)?.[0] === `dep:${dependency}` && !(dependency in entry.features)) enable(name, dependency);
        else activate(name, dependency);
      }
      if (target(line)) enable(line.name, feature);
    }
  };

  reach(ROOT);
  // `d?/f` applies once d is activated by anything else: repeat until nothing more turns on.
  for (let changed = true; changed && why === null; ) {
    changed = false;
    for (const rule of weak) {
      const before = enabled.get(rule.line.name)?.has(rule.feature) ?? false;
      if (activated.get(rule.name)?.has(rule.dependency) && !before && target(rule.line)) {
        enable(rule.line.name, rule.feature);
        changed = true;
      }
    }
  }
  return why === null ? { ok: true, needed, reached, enabled, activated } : { ok: false, why };
}

function allowed(world: World, name: string, entry: IndexEntry): boolean {
  if (!entry.yanked) return true;
  const { locked = [], unlock } = world.options;
  if (unlock === 'all' || unlock?.includes(name)) return false;
  return locked.some((l) => l.name === name && l.version === entry.vers);
}

/** Whether some assignment of allowed versions is consistent and leaves nothing needed. */
function oracle(world: World): boolean {
  const assignment = new Map([[ROOT, world.root]]);
  const search = (): boolean => {
    const state = closure(assignment);
    if (!state.ok) return false;
    const next = [...state.needed].sort()[0];
    if (next === undefined) return true;
    for (const entry of world.packages.get(next) ?? []) {
      if (!allowed(world, next, entry)) continue;
      assignment.set(next, entry);
      if (search()) return true;
      assignment.delete(next);
    }
    return false;
  };
  return search();
}

/** An explanation is a list of sentences, each introduced as the reporting algorithm introduces them. */
function expectSentences(message: string): void {
  expect(message).toMatch(/version solving failed\.$/);
  // Sets print as written or by published versions: never with the lowest pre-release as a made-up bound.
  expect(message).not.toMatch(/\d-0\b/);
  for (const line of message.split('\n')) {
    if (line !== '') expect(line).toMatch(/^(\(\d+\) *| *)(Because|And because|So, because|Thus,) .*\.$/);
  }
}

async function check(world: World): Promise<void> {
  const provider = { versions: (name: string) => world.packages.get(name) ?? [] };
  const rootSpec = { name: ROOT, version: world.root.vers, dependencies: world.root.deps, features: world.root.features };
  const result = await solve(rootSpec, provider, world.options);
  expect(await solve(rootSpec, provider, world.options)).toEqual(result);
  // A provider that answers later (as the index over HTTP or the database does): the solver waits only for first
  // reads, and must reach the same answer whichever reads wait.
  const later = { versions: (name: string) => new Promise<IndexEntry[]>((resolve) => setImmediate(() => resolve(world.packages.get(name) ?? []))) };
  expect(await solve(rootSpec, later, world.options)).toEqual(result);
  const solvable = oracle(world);
  verify(world, result, solvable);
  // Every incompatibility of two terms or more watched by two of them (solver.ts WATCHED_TERMS), not listed by
  // package: the solver may examine in another order and pick another solution, with the same guarantees.
  verify(world, await solve(rootSpec, provider, { ...world.options, watchedTerms: 1 }), solvable);
}

function verify(world: World, result: SolveResult, solvable: boolean): void {
  if (!result.ok) {
    expect(result.code, result.message).toBe('resolution_failed');
    expect(solvable, `the solver failed but a solution exists:\n${result.message}`).toBe(false);
    expectSentences(result.message);
    return;
  }
  expect(solvable).toBe(true);
  const names = result.packages.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  const assignment = new Map([[ROOT, world.root]]);
  for (const resolved of result.packages) {
    const entry = world.packages.get(resolved.name)?.find((e) => e.vers === resolved.version);
    expect(entry, `${resolved.name} ${resolved.version} is not in the registry`).toBeDefined();
    expect(allowed(world, resolved.name, entry!), `${resolved.name} ${resolved.version} is yanked`).toBe(true);
    expect(resolved.checksum).toBe(entry!.cksum);
    assignment.set(resolved.name, entry!);
  }
  const state = closure(assignment);
  if (!state.ok) throw new Error(`the solution is inconsistent: ${state.why}`);
  expect([...state.needed]).toEqual([]);
  expect([...state.reached].filter((name) => name !== ROOT).sort()).toEqual(names);
  for (const resolved of result.packages) {
    const entry = assignment.get(resolved.name)!;
    const table = featureTable(resolved.name, entry);
    const features = [...(state.enabled.get(resolved.name) ?? [])].filter((f) => table.has(f)).sort();
    expect(resolved.features, `features of ${resolved.name}`).toEqual(features);
    const edges = activeLines(resolved.name, entry)
      .filter((line) => !line.optional || state.activated.get(resolved.name)?.has(line.name))
      .map((line) => `${line.name} ${assignment.get(line.name)!.vers}`);
    expect(resolved.dependencies, `dependencies of ${resolved.name}`).toEqual([...new Set(edges)].sort());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Random registries

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const VERSIONS = ['0.1.0', '0.2.0', '1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.0.0', '2.1.0-beta', '3.0.0'];
// Mostly permissive requirements, so that many registries resolve, through several packages.
const REQUIREMENT = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('*', '>=0.1.0', '^1.0', '<3.0.0', '>=1.0.0') },
  { weight: 2, arbitrary: fc.constantFrom('^0.1', '^1.1', '~1.2', '<2.0.0', '^2.0', '=1.0.0', '>=2.1.0-beta', '^3', '>=0.2, <1.2') },
);
const FEATURES = ['x', 'y'];

interface Shape {
  /** Optional dependencies and features, or plain dependencies only. */
  features: boolean;
}

function lineArbitrary(targets: string[], shape: Shape): fc.Arbitrary<IndexDependency> {
  return fc.record({
    name: fc.constantFrom(...targets),
    req: REQUIREMENT,
    kind: fc.constantFrom<IndexDependency['kind']>('normal', 'normal', 'normal', 'build', 'dev'),
    optional: shape.features ? fc.boolean() : fc.constant(false),
    features: shape.features ? fc.subarray([...FEATURES, 'default'], { maxLength: 2 }) : fc.constant([]),
    default_features: shape.features ? fc.boolean() : fc.constant(true),
  });
}

/** Features whose values name this version's features and dependencies, now and then something that is not there. */
function featuresArbitrary(deps: IndexDependency[]): fc.Arbitrary<Record<string, string[]>> {
  const names = [...new Set(deps.map((d) => d.name))];
  const values = [...FEATURES, 'default', ...names.flatMap((d) => [`dep:${d}`, `${d}/x`, `${d}?/y`])];
  const value = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.constant('missing') });
  const list = fc.uniqueArray(value, { maxLength: 2 });
  return fc.record({ default: list, x: list, y: list }, { requiredKeys: [] });
}

function entryArbitrary(name: string, vers: string, others: string[], shape: Shape): fc.Arbitrary<IndexEntry> {
  return fc
    .tuple(fc.uniqueArray(lineArbitrary(others, shape), { maxLength: 3, selector: (l) => `${l.name} ${l.kind}` }), fc.nat(9))
    .chain(([deps, yankRoll]) =>
      (shape.features ? featuresArbitrary(deps) : fc.constant({})).map((features) => ({
        name,
        vers,
        deps,
        cksum: `sha-${name}-${vers}`,
        features,
        yanked: yankRoll === 0,
      })),
    );
}

function worldArbitrary(shape: Shape): fc.Arbitrary<World> {
  return fc.integer({ min: 4, max: 6 }).chain((count) => {
    const names = NAMES.slice(0, count);
    const packageArbitrary = (name: string) =>
      fc
        .uniqueArray(fc.constantFrom(...VERSIONS), { minLength: 1, maxLength: 5 })
        .chain((versions) => fc.tuple(...versions.map((vers) => entryArbitrary(name, vers, names.filter((n) => n !== name), shape))));
    const rootLines = fc.uniqueArray(lineArbitrary(names, { features: shape.features }), {
      minLength: 1,
      maxLength: 3,
      selector: (l) => l.name,
    });
    return fc
      .tuple(fc.tuple(...names.map(packageArbitrary)), rootLines.map((lines) => lines.map((l) => ({ ...l, optional: false }))))
      .chain(([packages, rootDeps]) => {
        const all = packages.flat();
        const locked = fc.subarray(all).map((entries): LockedPackage[] => {
          const seen = new Set<string>();
          return entries.filter((e) => !seen.has(e.name) && seen.add(e.name)).map((e) => ({ name: e.name, version: e.vers }));
        });
        const unlock = fc.constantFrom<SolveOptions['unlock']>(undefined, undefined, 'all', ['a']);
        return fc.record({ locked, unlock }).map(
          (options): World => ({
            root: { name: ROOT, vers: '1.0.0', deps: rootDeps, cksum: '', features: {}, yanked: false },
            packages: new Map(names.map((name, i) => [name, packages[i]!])),
            options,
          }),
        );
      });
  });
}

function describeWorld(world: World): string {
  const lines = [`root: ${JSON.stringify(world.root.deps)}`, `options: ${JSON.stringify(world.options)}`];
  for (const [name, entries] of world.packages) {
    for (const e of entries) lines.push(`${name} ${e.vers}${e.yanked ? ' (yanked)' : ''}: ${JSON.stringify(e.deps)} ${JSON.stringify(e.features)}`);
  }
  return lines.join('\n');
}

/** Checks one world, naming it in full when the check fails. */
async function checkDescribed(world: World): Promise<void> {
  try {
    await check(world);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${describeWorld(world)}`);
  }
}

describe('the resolver against brute force', () => {
  it('on registries of plain dependencies', async () => {
    await fc.assert(fc.asyncProperty(worldArbitrary({ features: false }), checkDescribed), { numRuns: 1000 });
  });

  it('on registries with optional dependencies and features', async () => {
    await fc.assert(fc.asyncProperty(worldArbitrary({ features: true }), checkDescribed), { numRuns: 1000 });
  });
});
