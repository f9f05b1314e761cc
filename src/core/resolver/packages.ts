// Packages as the solver sees them: the registry's versions (read once per package through the provider), the root
// as a package with a single version, and Cargo's features turned into dependencies, uv-style, between virtual
// packages that share their package's versions:
//
// - `x[f]` (feature f of x) at version v depends on x at exactly v and on whatever f turns on: another feature
//   (`x[g]`), an optional dependency (`x[dep:d]`), or a feature of a dependency (`d[g]`, and the dependency itself
//   when it is optional). `d?/g` turns on `d[g]` only if `x[dep:d]` is selected anyway: a three-term
//   incompatibility {x[f], x[dep:d], not d[g]}.
// - `x[dep:d]` (x's optional dependency d, turned on) at version v depends on x at exactly v and on d as the
//   dependency line says, with its requested features.
// - A dependency line `d = { version = "^1", features = ["g"] }` makes its package depend on `d ^1`, `d[g] ^1` and,
//   unless `default_features = false`, `d[default] ^1` (left out when no version of d in ^1 declares a `default`
//   feature: it would change nothing).
//
// A feature is thus enabled exactly when its virtual package is selected, and the solution lists, for each real
// package, the features whose virtual packages were selected.
import { isValidPackageName } from '../names.js';
import { parseRequirement } from '../requirement.js';
import { VersionSet } from '../version-set.js';
import { VersionList, type PositionSet } from './position-set.js';
import { compareVersions, parseVersion, versionKey, type Version } from '../version.js';
import type { IndexDependency, IndexEntry, PackageProvider } from '../resolver.js';
import type { Budget } from './budget.js';

/** A package the solver selects versions of; one object per package, so identity is equality. */
export type PackageRef = RealPackage | VirtualPackage;

export interface RealPackage {
  readonly kind: 'real';
  /** Dense, from 0 in the order made: lets the solver keep per-package state in arrays. */
  readonly index: number;
  /** The package name, which is also the base of its virtual packages. */
  readonly id: string;
  readonly base: string;
  /** Its virtual packages made so far: features by name, optional dependencies by name. */
  readonly features: Map<string, VirtualPackage>;
  readonly optionals: Map<string, VirtualPackage>;
}

export type VirtualPackage =
  | { readonly kind: 'feature'; readonly index: number; readonly id: string; readonly base: string; readonly real: RealPackage; readonly feature: string }
  | { readonly kind: 'optional'; readonly index: number; readonly id: string; readonly base: string; readonly real: RealPackage; readonly dependency: string };

/** The real package a package reference belongs to (itself for a real one). */
export function realOf(ref: PackageRef): RealPackage {
  return ref.kind === 'real' ? ref : ref.real;
}

export class VersionRecord {
  /** The version's identity (no build metadata). */
  readonly key: string;

  constructor(
    readonly entry: IndexEntry,
    readonly version: Version,
    key = versionKey(version),
  ) {
    this.key = key;
  }
}

export interface Dependency {
  /** The same key on adjacent versions means the same dependency, which then shares one incompatibility. */
  readonly key: string;
  readonly target: PackageRef;
  /** A requirement's set, or the target's own version (for a virtual package's dependency on its package). */
  readonly set: VersionSet | PositionSet;
  /** A package that must be selected too for the dependency to apply (`d?/g`). */
  readonly condition: PackageRef | null;
  /** A virtual package's dependency on its own package at the same version, which no other version shares. */
  readonly aligned: boolean;
  /** A dependency on a `default` feature, which can be left out when no version in range declares one. */
  readonly isDefault: boolean;
}

export type VersionDependencies =
  | { readonly kind: 'available'; readonly dependencies: readonly Dependency[] }
  /** The version cannot be used (its metadata is broken): `problem` completes a sentence about it. */
  | { readonly kind: 'unavailable'; readonly problem: string }
  /** The version lacks the feature or optional dependency that the virtual package stands for. */
  | { readonly kind: 'absent' };

interface FeatureTable {
  /** Declared features, plus the implicit feature of each optional dependency that no `dep:` value names. */
  readonly features: ReadonlyMap<string, readonly string[]>;
  readonly implicit: ReadonlySet<string>;
  /** The dependency lines that count, by package name: all of them for the root, all but dev ones otherwise. */
  readonly dependencies: ReadonlyMap<string, readonly IndexDependency[]>;
}

interface PackageVersions {
  /** Ascending precedence, yanked versions included (facts about them still hold). */
  readonly records: readonly VersionRecord[];
  /** The versions as the universe of the solver's sets. */
  readonly list: VersionList;
  /** The solver's set for each requirement set asked about. */
  readonly sets: Map<VersionSet, PositionSet>;
  readonly isRoot: boolean;
  /** The locked version's key, which is tried first and may be used even if yanked. */
  readonly locked: string | null;
  /** Its position, or -1. */
  readonly lockedPosition: number;
  readonly tables: Array<FeatureTable | undefined>;
  /** The versions that declare a `default` feature (made when first asked). */
  defaults?: PositionSet;
}

const EMPTY: readonly string[] = [];

/**
 * Requirement sets by their text as written, shared by every solve in the process (VersionSets are immutable): a
 * registry answers POST /resolve over the same index lines again and again, and most requirements are written alike
 * (`^1.2`). Parsing them anew was a tenth of a repeated solve of bench/resolver.mjs's adversarial registries (200
 * distinct exact requirements). Emptied when full.
 */
const sharedRequirements = new Map<string, VersionSet | null>();

/** Versions by their text, shared the same way (most packages' versions are written alike: `0.1.0`, `1.0.0`). */
const sharedVersions = new Map<string, { readonly version: Version; readonly key: string } | null>();

/** Entries kept in each of the shared maps before it is emptied. */
const MAX_SHARED = 50_000;

/** What `text` parses to, from a shared map, parsed (and kept) on first sight. */
function shared<T>(map: Map<string, T>, text: string, parse: (text: string) => T): T {
  let parsed = map.get(text);
  if (parsed === undefined) {
    parsed = parse(text);
    if (map.size >= MAX_SHARED) map.clear();
    map.set(text, parsed);
  }
  return parsed;
}

function versionWithKey(text: string): { readonly version: Version; readonly key: string } | null {
  const version = parseVersion(text);
  return version === null ? null : { version, key: versionKey(version) };
}

/** The set a requirement allows, labelled with its text as written; null when it does not parse. */
function requirementSet(text: string): VersionSet | null {
  const parsed = parseRequirement(text);
  return parsed.ok ? VersionSet.fromRequirement(parsed.requirement, text.trim()) : null;
}

export class Registry {
  private readonly refs = new Map<string, RealPackage>();
  private refCount = 0;
  private readonly packages = new Map<string, PackageVersions>();
  /** By package index, then version position. */
  private readonly dependencyCache: Array<Array<VersionDependencies | undefined> | undefined> = [];
  /**
   * The dependencies that feature values and optional dependencies make, one object per key (as lineDependency's
   * are), so that versions with the same dependency hold the same object: hasDependency() then compares identities.
   */
  private readonly madeDependencies = new Map<string, Dependency>();
  /** Plain dependency lines' dependencies, by target package index, then requirement as written (lineDependency). */
  private readonly lineDependencies: Array<Map<string, Dependency> | undefined> = [];
  /** The versions each package may be decided at: allowed, and having the feature or optional dependency. */
  private readonly available: Array<PositionSet | undefined> = [];

  constructor(
    rootEntry: IndexEntry,
    rootVersion: Version,
    private readonly provider: PackageProvider,
    private readonly budget: Budget,
    private readonly lockedVersions: ReadonlyMap<string, string>,
  ) {
    this.packages.set(rootEntry.name, versions([new VersionRecord(rootEntry, rootVersion)], true, null));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Package references

  real(name: string): RealPackage {
    let ref = this.refs.get(name);
    if (ref === undefined) {
      ref = { kind: 'real', index: this.refCount++, id: name, base: name, features: new Map(), optionals: new Map() };
      this.refs.set(name, ref);
    }
    return ref;
  }

  feature(base: string, feature: string): VirtualPackage {
    const real = this.real(base);
    let ref = real.features.get(feature);
    if (ref === undefined) {
      ref = { kind: 'feature', index: this.refCount++, id: `${base}[${feature}]`, base, real, feature };
      real.features.set(feature, ref);
    }
    return ref;
  }

  optional(base: string, dependency: string): VirtualPackage {
    const real = this.real(base);
    let ref = real.optionals.get(dependency);
    if (ref === undefined) {
      ref = { kind: 'optional', index: this.refCount++, id: `${base}[dep:${dependency}]`, base, real, dependency };
      real.optionals.set(dependency, ref);
    }
    return ref;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Versions

  isLoaded(name: string): boolean {
    return this.packages.has(name);
  }

  /** Reads a package's versions through the provider, once; counts against the package limit. */
  async load(name: string): Promise<void> {
    if (this.packages.has(name)) return;
    this.budget.countPackage();
    const entries = await this.provider.versions(name);
    if (this.packages.has(name)) return; // read concurrently meanwhile
    const all: VersionRecord[] = [];
    for (const entry of entries) {
      const parsed = shared(sharedVersions, entry.vers, versionWithKey);
      if (parsed === null) continue; // not a version this solver can order: never a candidate
      all.push(new VersionRecord(entry, parsed.version, parsed.key));
    }
    // In order (the sort is stable), the first line of each version kept (lines repeating a version are ignored).
    all.sort((a, b) => compareVersions(a.version, b.version));
    const records: VersionRecord[] = [];
    for (const record of all) if (records.length === 0 || records[records.length - 1]!.key !== record.key) records.push(record);
    this.packages.set(name, versions(records, false, this.lockedVersions.get(name) ?? null));
  }

  records(name: string): readonly VersionRecord[] {
    return this.packages.get(name)!.records;
  }

  /** The versions of a loaded package, as the universe of its sets. */
  versionList(name: string): VersionList {
    return this.packages.get(name)!.list;
  }

  /** The set holding just the version at `position`. */
  exact(name: string, position: number): PositionSet {
    return this.packages.get(name)!.list.exact(position);
  }

  /** The published versions of a loaded package that `set` allows, labelled with the requirement as written. */
  positions(name: string, set: VersionSet | PositionSet): PositionSet {
    if (!(set instanceof VersionSet)) return set;
    const data = this.packages.get(name)!;
    let positions = data.sets.get(set);
    if (positions === undefined) {
      const { list } = data;
      positions = set.isFull() ? list.full : list.collect((add) => set.positionsIn(list.versions, add), set.toString(), false);
      data.sets.set(set, positions);
    }
    return positions;
  }

  isLocked(name: string, record: VersionRecord): boolean {
    return this.packages.get(name)!.locked === record.key;
  }

  /** A yanked version is never chosen, unless the lock holds exactly it. */
  isAllowed(name: string, record: VersionRecord): boolean {
    return !record.entry.yanked || this.isLocked(name, record);
  }

  /** Whether the version at `position` has what `ref` stands for (always true for a real package). */
  has(ref: PackageRef, position: number): boolean {
    if (ref.kind === 'real') return true;
    const table = this.table(ref.base, position);
    if (ref.kind === 'feature') return ref.feature === 'default' || table.features.has(ref.feature);
    return (table.dependencies.get(ref.dependency) ?? []).some((line) => line.optional);
  }

  /** The versions `ref` may be decided at: allowed (not yanked, unless locked) and having what `ref` stands for. */
  candidateSet(ref: PackageRef): PositionSet {
    let set = this.available[ref.index];
    if (set === undefined) {
      const records = this.records(ref.base);
      set = this.versionList(ref.base).where((p) => this.isAllowed(ref.base, records[p]!) && this.has(ref, p));
      this.available[ref.index] = set;
    }
    return set;
  }

  /** The positions of the versions `ref` may be decided at within `set`, highest first. */
  candidates(ref: PackageRef, set: PositionSet): number[] {
    return set.intersection(this.candidateSet(ref)).positions();
  }

  countCandidates(ref: PackageRef, set: PositionSet): number {
    return set.countWithin(this.candidateSet(ref));
  }

  /** The position of the locked version of `name`, or -1. */
  lockedPosition(name: string): number {
    return this.packages.get(name)!.lockedPosition;
  }

  /** Whether some version of `name` in `set` declares a `default` feature. */
  declaresDefault(name: string, set: PositionSet): boolean {
    const data = this.packages.get(name)!;
    data.defaults ??= data.list.where((p) => Object.hasOwn(data.records[p]!.entry.features ?? {}, 'default'));
    return !set.isDisjointFrom(data.defaults);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Dependencies

  /** Whether `ref` at the version at `position` has `dependency` (the same object: equal ones are shared). */
  hasDependency(ref: PackageRef, position: number, dependency: Dependency): boolean {
    const dependencies = this.dependencies(ref, position);
    return dependencies.kind === 'available' && dependencies.dependencies.includes(dependency);
  }

  /** What `ref` at the version at `position` depends on (cached). */
  dependencies(ref: PackageRef, position: number): VersionDependencies {
    let byPosition = this.dependencyCache[ref.index];
    if (byPosition === undefined) {
      byPosition = [];
      this.dependencyCache[ref.index] = byPosition;
    }
    let result = byPosition[position];
    if (result === undefined) {
      result = this.computeDependencies(ref, position);
      byPosition[position] = result;
    }
    return result;
  }

  private computeDependencies(ref: PackageRef, position: number): VersionDependencies {
    if (ref.kind === 'real') {
      const direct = this.realDependencies(ref, position);
      if (direct !== null) return direct;
    }
    if (!this.has(ref, position)) return { kind: 'absent' };
    const table = this.table(ref.base, position);
    const collected = new Map<string, Dependency>();
    const add = (dependency: Dependency): void => {
      // A feature that lists itself asks for nothing more (and a term cannot depend on its own package).
      if (dependency.target !== ref) collected.set(dependency.key, dependency);
    };
    let problem: string | null = null;
    if (ref.kind === 'real') {
      for (const [name, lines] of table.dependencies) {
        if (name === ref.base) continue; // a package is always compatible with itself
        for (const line of lines) if (!line.optional) problem ??= this.addLine(line, add);
      }
      // The root is built with its default features, as Cargo builds a workspace member.
      if (this.packages.get(ref.base)!.isRoot && table.features.has('default')) add(this.whole(this.feature(ref.base, 'default')));
    } else {
      add({ key: '', target: realOf(ref), set: this.exact(ref.base, position), condition: null, aligned: true, isDefault: false });
      if (ref.kind === 'optional') {
        for (const line of table.dependencies.get(ref.dependency) ?? []) if (line.optional) problem ??= this.addLine(line, add);
      } else {
        for (const value of table.features.get(ref.feature) ?? EMPTY) problem ??= this.addFeatureValue(ref.base, table, value, add);
      }
    }
    if (problem !== null) return { kind: 'unavailable', problem };
    return { kind: 'available', dependencies: [...collected.values()] };
  }

  /**
   * What a real package's version (not the root) depends on, read from its lines as they are, when no two lines it
   * counts name the same package: the same dependencies, in the same order, as through its feature table, without
   * making the table (a map and arrays a version, kept for the whole solve). Null when two lines name one package.
   */
  private realDependencies(ref: RealPackage, position: number): VersionDependencies | null {
    const data = this.packages.get(ref.base)!;
    if (data.isRoot) return null;
    const lines = data.records[position]!.entry.deps;
    const counts = (line: IndexDependency): boolean => line.kind !== 'dev' && !line.optional && line.name !== ref.base;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!counts(line)) continue;
      for (let j = 0; j < i; j++) if (lines[j]!.name === line.name && counts(lines[j]!)) return null;
    }
    const dependencies: Dependency[] = [];
    const add = (dependency: Dependency): void => {
      if (dependency.target !== ref && !dependencies.includes(dependency)) dependencies.push(dependency);
    };
    for (const line of lines) {
      if (!counts(line)) continue;
      const problem = this.addLine(line, add);
      if (problem !== null) return { kind: 'unavailable', problem };
    }
    return { kind: 'available', dependencies };
  }

  /** Adds a dependency line: the package, each requested feature and the default one. Returns a problem or null. */
  private addLine(line: IndexDependency, add: (dependency: Dependency) => void): string | null {
    if (!isValidPackageName(line.name)) return `depends on \`${line.name}\`, which is not a valid package name`;
    const set = this.requirement(line.req);
    if (set === null) return `depends on ${line.name} with the invalid requirement \`${line.req}\``;
    const entry = (target: PackageRef, isDefault = false): Dependency => this.lineDependency(target, line.req, set, isDefault);
    add(entry(this.real(line.name)));
    for (const feature of line.features) if (feature !== 'default') add(entry(this.feature(line.name, feature)));
    if (line.default_features || line.features.includes('default')) add(entry(this.feature(line.name, 'default'), true));
    return null;
  }

  /**
   * The dependency on `target` that a line with requirement `req` makes: one object for every version with such a
   * line (most versions repeat their predecessor's lines), rather than one with its key made anew for each.
   */
  private lineDependency(target: PackageRef, req: string, set: VersionSet, isDefault: boolean): Dependency {
    let byRequirement = this.lineDependencies[target.index];
    if (byRequirement === undefined) {
      byRequirement = new Map();
      this.lineDependencies[target.index] = byRequirement;
    }
    let dependency = byRequirement.get(req);
    if (dependency === undefined) {
      dependency = { key: `${target.id} ${req}`, target, set, condition: null, aligned: false, isDefault };
      byRequirement.set(req, dependency);
    }
    return dependency;
  }

  /** Adds what one value of a feature's list turns on (Cargo's syntax). Returns a problem or null. */
  private addFeatureValue(base: string, table: FeatureTable, value: string, add: (dependency: Dependency) => void): string | null {
    if (value.startsWith('dep:')) {
      const name = value.slice('dep:'.length);
      const lines = table.dependencies.get(name);
      if (lines === undefined) return `enables \`${value}\`, but ${base} has no dependency named ${name}`;
      if (lines.some((line) => line.optional)) add(this.whole(this.optional(base, name)));
      return null;
    }
    const slash = value.indexOf('/');
    if (slash < 0) {
      if (value !== 'default' && !table.features.has(value)) {
        return `enables \`${value}\`, which is neither a feature nor an optional dependency`;
      }
      add(this.whole(this.feature(base, value)));
      return null;
    }
    const weak = value[slash - 1] === '?';
    const name = value.slice(0, weak ? slash - 1 : slash);
    const feature = value.slice(slash + 1);
    const lines = table.dependencies.get(name);
    if (lines === undefined) return `enables \`${value}\`, but ${base} has no dependency named ${name}`;
    for (const line of lines) {
      const set = this.requirement(line.req);
      if (set === null) return `depends on ${name} with the invalid requirement \`${line.req}\``;
      const target = this.feature(name, feature);
      if (line.optional && weak) {
        const condition = this.optional(base, name);
        add(this.made({ key: `${target.id} ${line.req} if ${condition.id}`, target, set, condition, aligned: false, isDefault: false }));
        continue;
      }
      // `d/g` on an optional d turns d on too, through its implicit feature when it has one (as Cargo does).
      if (line.optional) add(this.whole(table.implicit.has(name) ? this.feature(base, name) : this.optional(base, name)));
      add(this.made({ key: `${target.id} ${line.req}`, target, set, condition: null, aligned: false, isDefault: false }));
    }
    return null;
  }

  /** A dependency on every version of a package of the same family (which its own version pins down). */
  private whole(target: PackageRef): Dependency {
    return this.made({ key: `${target.id} *`, target, set: VersionSet.full, condition: null, aligned: false, isDefault: false });
  }

  /** The dependency made earlier with the same key, or this one. */
  private made(dependency: Dependency): Dependency {
    const earlier = this.madeDependencies.get(dependency.key);
    if (earlier !== undefined) return earlier;
    this.madeDependencies.set(dependency.key, dependency);
    return dependency;
  }

  /** The set a requirement allows, labelled with its text as written; null when it does not parse. */
  private requirement(text: string): VersionSet | null {
    return shared(sharedRequirements, text, requirementSet);
  }

  // -------------------------------------------------------------------------------------------------------------
  // The solution

  /** The features of the version at `position`, declared and implicit. */
  featureNames(name: string, position: number): IterableIterator<string> {
    return this.table(name, position).features.keys();
  }

  /** The dependency lines that count for the version at `position`, as (package name, line) pairs. */
  dependencyLines(name: string, position: number): Array<[string, IndexDependency]> {
    const result: Array<[string, IndexDependency]> = [];
    for (const [dependency, lines] of this.table(name, position).dependencies) {
      if (dependency !== name) for (const line of lines) result.push([dependency, line]);
    }
    return result;
  }

  private table(name: string, position: number): FeatureTable {
    const data = this.packages.get(name)!;
    let table = data.tables[position];
    if (table === undefined) {
      table = featureTable(data.records[position]!.entry, data.isRoot);
      data.tables[position] = table;
    }
    return table;
  }
}

function versions(records: readonly VersionRecord[], isRoot: boolean, locked: string | null): PackageVersions {
  const lockedPosition = locked === null ? -1 : records.findIndex((record) => record.key === locked);
  return { records, list: new VersionList(records.map((r) => r.version)), sets: new Map(), isRoot, locked, lockedPosition, tables: [] };
}

function featureTable(entry: IndexEntry, isRoot: boolean): FeatureTable {
  const dependencies = new Map<string, IndexDependency[]>();
  for (const line of entry.deps) {
    if (line.kind === 'dev' && !isRoot) continue; // only the root's dev-dependencies are built
    const lines = dependencies.get(line.name);
    if (lines === undefined) dependencies.set(line.name, [line]);
    else lines.push(line);
  }
  // Most versions declare no features and have no optional dependency: they share empty ones.
  let features: Map<string, readonly string[]> | null = null;
  let namedWithDep: Set<string> | null = null;
  const declared = entry.features ?? {};
  for (const name in declared) {
    if (!Object.hasOwn(declared, name)) continue;
    const values = declared[name];
    if (!Array.isArray(values)) continue;
    (features ??= new Map()).set(name, values);
    for (const value of values) if (value.startsWith('dep:')) (namedWithDep ??= new Set()).add(value.slice('dep:'.length));
  }
  // As in Cargo, an optional dependency is also a feature of the same name, unless some feature names it `dep:d`.
  let implicit: Set<string> | null = null;
  for (const [name, lines] of dependencies) {
    if (lines.some(isOptional) && !namedWithDep?.has(name) && !features?.has(name)) {
      (features ??= new Map()).set(name, [`dep:${name}`]);
      (implicit ??= new Set()).add(name);
    }
  }
  return { features: features ?? NO_FEATURES, implicit: implicit ?? NO_NAMES, dependencies };
}

const NO_FEATURES: ReadonlyMap<string, readonly string[]> = new Map();
const NO_NAMES: ReadonlySet<string> = new Set();

function isOptional(line: IndexDependency): boolean {
  return line.optional;
}
