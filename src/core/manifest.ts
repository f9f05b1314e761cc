// Sounio.toml: parsing and validation shared by the registry (which reads it from inside the uploaded tarball) and
// the CLI (which checks it before packing), so both say the same thing in the same words. Problems are collected,
// not thrown, each naming its field; unknown keys are kept as warnings.
import parseSpdx from 'spdx-expression-parse';
import { parse as parseToml } from 'smol-toml';
import { isValidPackageName } from './names.js';
import { parseRequirement } from './requirement.js';
import { parseVersion, type Version } from './version.js';

export type DependencyKind = 'normal' | 'dev' | 'build';

export interface DependencySpec {
  name: string;
  req: string;
  kind: DependencyKind;
  features: string[];
  optional: boolean;
  defaultFeatures: boolean;
  /** Where the dependency comes from: only registry dependencies may be published. */
  source: 'registry' | 'git' | 'path';
}

export interface Manifest {
  name: string;
  version: string;
  parsedVersion: Version;
  authors: string[];
  description?: string;
  license?: string;
  licenseFile?: string;
  repository?: string;
  homepage?: string;
  documentation?: string;
  readme?: string;
  keywords: string[];
  categories: string[];
  edition?: string;
  /** Minimum Sounio compiler version (`sounio-version`). */
  sounioVersion?: string;
  publish: boolean;
  include?: string[];
  exclude?: string[];
  dependencies: DependencySpec[];
  features: Record<string, string[]>;
}

export interface ManifestProblem {
  /** Dotted path of the offending key, e.g. `package.name` or `dependencies.stdlib`. */
  field: string;
  message: string;
}

export type ManifestResult = { ok: true; manifest: Manifest; warnings: string[] } | { ok: false; problems: ManifestProblem[]; warnings: string[] };

export interface ManifestOptions {
  /** Category slugs the registry knows; when given, `categories` must be among them. */
  categories?: readonly string[];
  /**
   * `publish` (the default) requires what the registry shows (description, license); `build` (`sounio install`,
   * `tree`, `update` on a project that may never be published) checks everything else the same way.
   */
  purpose?: 'publish' | 'build';
}

export const MANIFEST_LIMITS = {
  description: 500,
  keywords: 10,
  keywordLength: 20,
  categories: 5,
  versionLength: 64,
  authors: 50,
  authorLength: 200,
  urlLength: 500,
  dependencies: 500,
  features: 300,
} as const;

const PACKAGE_KEYS = new Set([
  'name',
  'version',
  'authors',
  'description',
  'license',
  'license-file',
  'repository',
  'homepage',
  'documentation',
  'readme',
  'keywords',
  'categories',
  'edition',
  'sounio-version',
  'publish',
  'include',
  'exclude',
]);
const TOP_KEYS = new Set(['package', 'dependencies', 'dev-dependencies', 'build-dependencies', 'features']);
const DEPENDENCY_KEYS = new Set(['version', 'features', 'optional', 'default-features', 'git', 'branch', 'tag', 'rev', 'path', 'package', 'registry']);
const KEYWORD_RE = /^[a-z0-9_-]+$/;

/** The keyword rule of manifests and of PATCH /packages: a problem sentence, or null when the keyword is fine. */
export function keywordProblem(keyword: string): string | null {
  if (keyword.length > 0 && keyword.length <= MANIFEST_LIMITS.keywordLength && KEYWORD_RE.test(keyword)) return null;
  return `keyword "${keyword}" must be 1–${MANIFEST_LIMITS.keywordLength} characters of a-z, 0-9, _ or -`;
}
const FEATURE_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_+.-]{0,63}$/;

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Checks an SPDX license expression (`MIT OR Apache-2.0`, `GPL-3.0-or-later WITH Classpath-exception-2.0`). */
export function checkLicenseExpression(expression: string): string | null {
  try {
    parseSpdx(expression);
    return null;
  } catch (error) {
    return `"${expression}" is not a valid SPDX license expression (${(error as Error).message}); see https://spdx.org/licenses/`;
  }
}

export function parseManifest(text: string, options: ManifestOptions = {}): ManifestResult {
  const problems: ManifestProblem[] = [];
  const warnings: string[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });

  let document: Table;
  try {
    document = parseToml(text) as Table;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'syntax error';
    return { ok: false, problems: [{ field: 'Sounio.toml', message: `Sounio.toml is not valid TOML: ${message}` }], warnings };
  }
  for (const key of Object.keys(document)) if (!TOP_KEYS.has(key)) warnings.push(`unknown key \`${key}\` is ignored`);

  const pkg = document['package'];
  if (!isTable(pkg)) return { ok: false, problems: [{ field: 'package', message: 'Sounio.toml needs a [package] table' }], warnings };
  for (const key of Object.keys(pkg)) if (!PACKAGE_KEYS.has(key)) warnings.push(`unknown key \`package.${key}\` is ignored`);

  const string = (key: string, required = false): string | undefined => {
    const value = pkg[key];
    if (value === undefined) {
      if (required) problem(`package.${key}`, `package.${key} is required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problem(`package.${key}`, `package.${key} must be a string`);
      return undefined;
    }
    return value;
  };
  const stringArray = (key: string): string[] | undefined => {
    const value = pkg[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      problem(`package.${key}`, `package.${key} must be an array of strings`);
      return undefined;
    }
    return value as string[];
  };

  const name = string('name', true) ?? '';
  if (name !== '' && !isValidPackageName(name)) {
    problem('package.name', `"${name}" is not a valid package name: 1–64 characters, a lower-case letter first, then lower-case letters, digits, _ or -`);
  }

  const version = string('version', true) ?? '';
  const parsedVersion = version === '' ? null : parseVersion(version);
  if (version !== '' && (parsedVersion === null || version.length > MANIFEST_LIMITS.versionLength)) {
    problem('package.version', `"${version}" is not a SemVer 2.0 version (such as 1.2.3 or 0.1.0-beta.1) of at most 64 characters`);
  }

  const authors = stringArray('authors') ?? [];
  if (authors.length > MANIFEST_LIMITS.authors || authors.some((author) => author.length > MANIFEST_LIMITS.authorLength)) {
    problem('package.authors', `package.authors may list at most ${MANIFEST_LIMITS.authors} authors of at most ${MANIFEST_LIMITS.authorLength} characters`);
  }

  const forPublishing = (options.purpose ?? 'publish') === 'publish';
  const description = string('description');
  if (description === undefined || description.trim() === '') {
    if (forPublishing && (pkg['description'] === undefined || typeof pkg['description'] === 'string')) problem('package.description', 'package.description is required: say in a sentence what the package does');
  } else if (description.length > MANIFEST_LIMITS.description) {
    problem('package.description', `package.description is ${description.length} characters long; the limit is ${MANIFEST_LIMITS.description}`);
  }

  const license = string('license');
  const licenseFile = string('license-file');
  if (license !== undefined) {
    const licenseProblem = checkLicenseExpression(license);
    if (licenseProblem) problem('package.license', licenseProblem);
  } else if (licenseFile === undefined && forPublishing) {
    problem('package.license', 'package.license (an SPDX expression such as "MIT") or package.license-file is required');
  }

  const urls: Partial<Record<'repository' | 'homepage' | 'documentation', string>> = {};
  for (const key of ['repository', 'homepage', 'documentation'] as const) {
    const value = string(key);
    if (value === undefined) continue;
    if (!isHttpUrl(value) || value.length > MANIFEST_LIMITS.urlLength) problem(`package.${key}`, `package.${key} must be an http or https URL`);
    else urls[key] = value;
  }

  const keywords = stringArray('keywords') ?? [];
  if (keywords.length > MANIFEST_LIMITS.keywords) problem('package.keywords', `package.keywords lists ${keywords.length} keywords; at most ${MANIFEST_LIMITS.keywords} are allowed`);
  for (const keyword of keywords) {
    const keywordIssue = keywordProblem(keyword);
    if (keywordIssue !== null) problem('package.keywords', keywordIssue);
  }

  const categories = stringArray('categories') ?? [];
  if (categories.length > MANIFEST_LIMITS.categories) problem('package.categories', `package.categories lists ${categories.length} categories; at most ${MANIFEST_LIMITS.categories} are allowed`);
  if (options.categories) {
    for (const category of categories) {
      if (!options.categories.includes(category)) problem('package.categories', `"${category}" is not a category of this registry (known: ${options.categories.join(', ')})`);
    }
  }

  const edition = string('edition');
  const sounioVersion = string('sounio-version');
  if (sounioVersion !== undefined && !/^\d+(\.\d+){0,2}$/.test(sounioVersion)) {
    problem('package.sounio-version', `package.sounio-version must be a version such as 1.2 or 1.2.0 (got "${sounioVersion}")`);
  }
  const readme = string('readme');
  let publish = true;
  if (pkg['publish'] !== undefined) {
    if (typeof pkg['publish'] !== 'boolean') problem('package.publish', 'package.publish must be true or false');
    else publish = pkg['publish'];
  }
  const include = stringArray('include');
  const exclude = stringArray('exclude');

  const dependencies: DependencySpec[] = [];
  for (const [section, kind] of [
    ['dependencies', 'normal'],
    ['dev-dependencies', 'dev'],
    ['build-dependencies', 'build'],
  ] as const) {
    const table = document[section];
    if (table === undefined) continue;
    if (!isTable(table)) {
      problem(section, `[${section}] must be a table`);
      continue;
    }
    for (const [depName, spec] of Object.entries(table)) {
      const dependency = parseDependency(section, depName, spec, kind, problem, warnings);
      if (dependency) dependencies.push(dependency);
    }
  }
  if (dependencies.length > MANIFEST_LIMITS.dependencies) problem('dependencies', `at most ${MANIFEST_LIMITS.dependencies} dependencies are allowed`);

  const features = parseFeatures(document['features'], dependencies, problem);

  if (problems.length > 0) return { ok: false, problems, warnings };
  return {
    ok: true,
    warnings,
    manifest: {
      name,
      version,
      parsedVersion: parsedVersion!,
      authors,
      ...(description !== undefined && { description }),
      ...(license !== undefined && { license }),
      ...(licenseFile !== undefined && { licenseFile }),
      ...urls,
      ...(readme !== undefined && { readme }),
      keywords,
      categories,
      ...(edition !== undefined && { edition }),
      ...(sounioVersion !== undefined && { sounioVersion }),
      publish,
      ...(include !== undefined && { include }),
      ...(exclude !== undefined && { exclude }),
      dependencies,
      features,
    },
  };
}

function parseDependency(
  section: string,
  name: string,
  spec: unknown,
  kind: DependencyKind,
  problem: (field: string, message: string) => void,
  warnings: string[],
): DependencySpec | null {
  const field = `${section}.${name}`;
  if (!isValidPackageName(name)) {
    problem(field, `"${name}" in [${section}] is not a valid package name`);
    return null;
  }
  const checkReq = (req: string): boolean => {
    const parsed = parseRequirement(req);
    if (!parsed.ok) problem(field, `${field}: ${parsed.message}`);
    return parsed.ok;
  };
  if (typeof spec === 'string') {
    if (!checkReq(spec)) return null;
    return { name, req: spec, kind, features: [], optional: false, defaultFeatures: true, source: 'registry' };
  }
  if (!isTable(spec)) {
    problem(field, `${field} must be a version requirement such as "^1.0" or a table { version = "^1.0", ... }`);
    return null;
  }
  for (const key of Object.keys(spec)) if (!DEPENDENCY_KEYS.has(key)) warnings.push(`unknown key \`${field}.${key}\` is ignored`);
  if (spec['package'] !== undefined) {
    problem(field, `${field}: renaming a dependency with \`package\` is not supported by this registry; depend on "${String(spec['package'])}" under its own name`);
    return null;
  }
  const source = spec['git'] !== undefined ? 'git' : spec['path'] !== undefined ? 'path' : 'registry';
  const version = spec['version'];
  if (version !== undefined && typeof version !== 'string') {
    problem(field, `${field}.version must be a string`);
    return null;
  }
  if (version === undefined && source === 'registry') {
    problem(field, `${field} needs a version requirement (version = "^1.0")`);
    return null;
  }
  if (version !== undefined && !checkReq(version)) return null;
  const features = spec['features'] ?? [];
  if (!Array.isArray(features) || !features.every((feature) => typeof feature === 'string')) {
    problem(field, `${field}.features must be an array of strings`);
    return null;
  }
  const optional = spec['optional'] ?? false;
  const defaultFeatures = spec['default-features'] ?? true;
  if (typeof optional !== 'boolean' || typeof defaultFeatures !== 'boolean') {
    problem(field, `${field}.optional and ${field}.default-features must be true or false`);
    return null;
  }
  return { name, req: version ?? '*', kind, features: features as string[], optional, defaultFeatures, source };
}

function parseFeatures(value: unknown, dependencies: DependencySpec[], problem: (field: string, message: string) => void): Record<string, string[]> {
  if (value === undefined) return {};
  if (!isTable(value)) {
    problem('features', '[features] must be a table of feature = [ ... ]');
    return {};
  }
  const features: Record<string, string[]> = {};
  const entries = Object.entries(value);
  if (entries.length > MANIFEST_LIMITS.features) problem('features', `at most ${MANIFEST_LIMITS.features} features are allowed`);
  const names = new Set(entries.map(([name]) => name));
  const dependencyNames = new Set(dependencies.map((dependency) => dependency.name));
  const optionalNames = new Set(dependencies.filter((dependency) => dependency.optional).map((dependency) => dependency.name));
  for (const [feature, items] of entries) {
    const field = `features.${feature}`;
    if (!FEATURE_NAME_RE.test(feature)) problem(field, `"${feature}" is not a valid feature name (letters, digits, _ + . -)`);
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
      problem(field, `${field} must be an array of strings`);
      continue;
    }
    for (const item of items as string[]) {
      const slash = item.indexOf('/');
      if (item.startsWith('dep:')) {
        if (!optionalNames.has(item.slice(4))) problem(field, `${field}: "${item}" names no optional dependency`);
      } else if (slash > 0) {
        const dep = item.slice(0, slash).replace(/\?$/, '');
        if (!dependencyNames.has(dep)) problem(field, `${field}: "${item}" names the dependency "${dep}", which is not declared`);
      } else if (!names.has(item) && !optionalNames.has(item)) {
        problem(field, `${field}: "${item}" is neither a feature of this package nor an optional dependency`);
      }
    }
    features[feature] = items as string[];
  }
  return features;
}

/** What stops a valid manifest from being published (the CLI checks before packing; the registry on upload). */
export function publishProblems(manifest: Manifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (!manifest.publish) problems.push({ field: 'package.publish', message: 'package.publish is false: this package is marked as not publishable' });
  for (const dependency of manifest.dependencies) {
    if (dependency.source !== 'registry') {
      problems.push({
        field: `${dependency.kind === 'normal' ? 'dependencies' : `${dependency.kind}-dependencies`}.${dependency.name}`,
        message: `${dependency.name} is a ${dependency.source} dependency; published packages may only depend on packages of the registry (give it a version and publish it first)`,
      });
    }
  }
  return problems;
}
