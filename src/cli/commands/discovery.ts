// `sounio search` and `sounio info`: finding packages and reading about one from the terminal.
import type { Command } from 'commander';
import type { ApiOwners, ApiPackage, ApiSearchResults, ApiVersion } from '../api-types.js';
import { usageError } from '../errors.js';
import { Session } from '../session.js';
import { table } from '../terminal.js';

const MAX_LIMIT = 100;

async function search(session: Session, query: string, options: { limit: string }): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw usageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const response = await session.client().request<ApiSearchResults>('/search', { query: { q: query, per_page: limit } });
  if (session.json) {
    session.printJson(response.body);
    return;
  }
  const { packages, total } = response.body;
  if (packages.length === 0) {
    session.terminal.out(`No packages match "${query}".`);
    return;
  }
  const rows = [['NAME', 'LATEST', 'DOWNLOADS', 'DESCRIPTION'], ...packages.map((pkg) => [pkg.name, pkg.latest_version || '-', String(pkg.downloads ?? 0), (pkg.description ?? '').replace(/\s+/g, ' ')])];
  const width = process.stdout.isTTY ? process.stdout.columns : undefined;
  for (const line of table(rows, { right: [2], ...(width !== undefined && { width }) })) session.terminal.out(line);
  if (total > packages.length) session.terminal.out(`... and ${total - packages.length} more (showing ${packages.length} of ${total}; use --limit)`);
}

function splitSpec(spec: string): { name: string; version: string | undefined } {
  const at = spec.indexOf('@');
  if (at === -1) return { name: spec, version: undefined };
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  if (name === '' || version === '') throw usageError(`"${spec}" is not NAME or NAME@VERSION`);
  return { name, version };
}

function dependencyLine(dependency: NonNullable<ApiVersion['dependencies']>[number]): string {
  const notes = [
    dependency.kind !== undefined && dependency.kind !== 'normal' ? dependency.kind : null,
    dependency.optional ? 'optional' : null,
    dependency.features !== undefined && dependency.features.length > 0 ? `features: ${dependency.features.join(', ')}` : null,
    dependency.default_features === false ? 'no default features' : null,
  ].filter((note) => note !== null);
  return `${dependency.name} ${dependency.version_req}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

async function info(session: Session, spec: string): Promise<void> {
  const { name, version: asked } = splitSpec(spec);
  const client = session.client();
  const base = `/packages/${encodeURIComponent(name)}`;
  const [pkg, versions, owners] = await Promise.all([
    client.request<ApiPackage>(base),
    client.request<ApiVersion[]>(`${base}/versions`),
    client.request<ApiOwners>(`${base}/owners`),
  ]);
  const shown = asked ?? (pkg.body.latest_version || versions.body[0]?.version);
  const version = shown === undefined ? undefined : (await client.request<ApiVersion>(`${base}/versions/${encodeURIComponent(shown)}`)).body;
  if (session.json) {
    session.printJson({ package: pkg.body, version: version ?? null, versions: versions.body, owners: owners.body.users.map((user) => user.username) });
    return;
  }
  const out = (text = '') => session.terminal.out(text);
  out(`${pkg.body.name} ${version?.version ?? ''}${version?.yanked ? ' (yanked)' : ''}`.trimEnd());
  if (version?.description ?? pkg.body.description) out(version?.description ?? pkg.body.description);
  out();
  const facts: string[][] = [];
  const license = version?.license ?? pkg.body.license;
  if (license) facts.push(['license:', license]);
  for (const key of ['repository', 'homepage', 'documentation'] as const) if (pkg.body[key]) facts.push([`${key}:`, pkg.body[key]!]);
  if (pkg.body.keywords?.length) facts.push(['keywords:', pkg.body.keywords.join(', ')]);
  if (pkg.body.categories?.length) facts.push(['categories:', pkg.body.categories.join(', ')]);
  facts.push(['owners:', owners.body.users.map((user) => user.username).join(', ')]);
  facts.push(['downloads:', String(pkg.body.downloads ?? 0)]);
  if (version !== undefined) {
    facts.push(['published:', `${version.published_at.slice(0, 10)}${version.published_by ? ` by ${version.published_by}` : ''}`]);
    facts.push(['checksum:', `sha256:${version.checksum}`]);
    if (version.yanked_reason) facts.push(['yanked:', version.yanked_reason]);
  }
  for (const line of table(facts)) out(line);
  out();
  out(`install: ${pkg.body.name} = "^${pkg.body.latest_version || version?.version || ''}"`);
  const dependencies = version?.dependencies ?? [];
  out();
  out(dependencies.length === 0 ? 'dependencies: none' : 'dependencies:');
  for (const dependency of dependencies) out(`  ${dependencyLine(dependency)}`);
  out();
  out('versions:');
  for (const line of table(versions.body.map((v) => [v.version, v.published_at.slice(0, 10), v.yanked ? 'yanked' : '']))) out(`  ${line.trimEnd()}`);
}

export function discoveryCommands(program: Command): void {
  program
    .command('search')
    .description('Search the registry')
    .argument('<query>', 'words to look for')
    .option('--limit <n>', `how many results (1-${MAX_LIMIT})`, '10')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ sounio search "linear algebra" --limit 20')
    .action((query: string, options: { limit: string }, command: Command) => search(new Session(command), query, options));

  program
    .command('info')
    .description('Show a package: description, versions, dependencies, owners, license, checksum')
    .argument('<package>', 'NAME or NAME@VERSION')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ sounio info stdlib\n  $ sounio info stdlib@1.0.0 --json')
    .action((spec: string, _options: unknown, command: Command) => info(new Session(command), spec));
}
