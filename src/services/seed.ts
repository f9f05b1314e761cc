// `sounio-registry admin seed`: fills a registry with a synthetic but realistic corpus for benchmarks and demos:
// names made of a programmer's vocabulary, descriptions, keywords, categories, authors, about ten versions each with
// dependencies on older (more popular) packages, and download counts that fall off with popularity. It writes in
// bulk through the database port (a few multi-row INSERTs per batch of packages), not through publishes, so 100,000
// packages take minutes. Versions share a few synthetic tarballs (storage is content-addressed): every checksum is
// the true SHA-256 of the stored bytes, so downloads verify. The corpus is a pure function of its options
// (`generateCorpus`), so a benchmark knows what was seeded without asking the registry.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Context } from '../context.js';
import { canonicalName } from '../core/names.js';
import { parseVersion, versionKey } from '../core/version.js';
import type { Queryable } from '../ports/database.js';
import { blobKeyFor } from './publish.js';

export interface SeedOptions {
  packages: number;
  versionsPerPackage: number;
  /** Distinct synthetic tarballs the versions share. */
  tarballs: number;
  /** Approximate size of each tarball in bytes. */
  tarballBytes: number;
  /** Chooses the corpus: the same seed gives the same packages. */
  seed: number;
}

export const DEFAULT_SEED_OPTIONS: SeedOptions = { packages: 1000, versionsPerPackage: 10, tarballs: 8, tarballBytes: 15 * 1024, seed: 1 };

/** Words of the corpus: names, keywords and descriptions are made of them (and searched with them). */
export const VOCABULARY = [
  'json', 'http', 'async', 'parser', 'tokio', 'serde', 'regex', 'crypto', 'hash', 'base64', 'yaml', 'toml', 'csv', 'xml',
  'log', 'trace', 'metrics', 'cli', 'args', 'config', 'env', 'time', 'date', 'uuid', 'rand', 'random', 'math', 'matrix',
  'vector', 'tensor', 'graph', 'tree', 'map', 'set', 'queue', 'stack', 'heap', 'cache', 'pool', 'thread', 'channel',
  'sync', 'lock', 'atomic', 'future', 'stream', 'io', 'file', 'path', 'fs', 'net', 'tcp', 'udp', 'socket', 'tls', 'ssl',
  'dns', 'url', 'uri', 'mime', 'mail', 'smtp', 'imap', 'websocket', 'grpc', 'rpc', 'proto', 'codec', 'compress', 'zip',
  'gzip', 'zstd', 'lz4', 'image', 'png', 'jpeg', 'svg', 'font', 'color', 'audio', 'video', 'midi', 'game', 'engine',
  'physics', 'render', 'gpu', 'shader', 'window', 'gui', 'widget', 'terminal', 'color', 'table', 'text', 'string',
  'unicode', 'utf8', 'ascii', 'format', 'template', 'markdown', 'html', 'css', 'web', 'server', 'client', 'router',
  'middleware', 'auth', 'jwt', 'oauth', 'session', 'cookie', 'database', 'sql', 'postgres', 'sqlite', 'redis', 'mongo',
  'query', 'orm', 'migrate', 'schema', 'validate', 'test', 'mock', 'bench', 'fuzz', 'debug', 'error', 'result',
  'macro', 'derive', 'build', 'lint', 'doc', 'bindgen', 'ffi', 'wasm', 'embedded', 'kernel', 'driver', 'usb', 'serial',
  'bluetooth', 'sensor', 'robot', 'science', 'stats', 'linear', 'algebra', 'numeric', 'complex', 'float', 'decimal',
  'bigint', 'prime', 'fourier', 'signal', 'filter', 'search', 'index', 'sort', 'diff', 'patch', 'version', 'semver',
  'package', 'plugin', 'event', 'actor', 'state', 'machine', 'cron', 'schedule', 'retry', 'backoff', 'limit', 'rate',
];
const NOUNS = ['library', 'toolkit', 'framework', 'crate', 'engine', 'implementation', 'bindings', 'utilities', 'primitives', 'runtime'];
const ADJECTIVES = ['fast', 'small', 'safe', 'simple', 'zero-copy', 'streaming', 'portable', 'minimal', 'ergonomic', 'robust', 'pure'];
const SUFFIXES = ['', '', '', 'rs', 'lite', 'core', 'utils', 'derive', 'macros', 'sys', 'async', 'ext', 'kit', 'x'];
const FIRST = ['ada', 'alan', 'grace', 'linus', 'barbara', 'ken', 'dennis', 'margaret', 'edsger', 'donald', 'john', 'radia', 'guido', 'bjarne', 'niklaus', 'frances'];
const LAST = ['lovelace', 'turing', 'hopper', 'torvalds', 'liskov', 'thompson', 'ritchie', 'hamilton', 'dijkstra', 'knuth', 'backus', 'perlman', 'rossum', 'stroustrup', 'wirth', 'allen'];
const LICENSES = ['MIT', 'Apache-2.0', 'MIT OR Apache-2.0', 'BSD-3-Clause', 'MPL-2.0', 'ISC'];
export const SEED_CATEGORIES = ['algorithms', 'async', 'cli', 'concurrency', 'cryptography', 'data-science', 'database', 'development', 'math', 'network', 'parser', 'science', 'text', 'web'];

/** mulberry32: a small deterministic generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedDependency {
  name: string;
  req: string;
  kind: 'normal' | 'dev';
}

export interface SeedVersion {
  version: string;
  deps: SeedDependency[];
  yanked: boolean;
}

export interface SeedPackage {
  name: string;
  description: string;
  keywords: string[];
  category: string;
  license: string;
  author: string;
  downloads: number;
  versions: SeedVersion[];
}

export const seedVersionAt = (i: number): string => `${Math.floor(i / 4)}.${1 + (i % 4)}.${i % 3}`;

/**
 * The corpus: package 0 is the most popular (downloads fall off as 1/rank); a package depends on 0–5 packages
 * older than itself, drawn towards the popular ones, with `^major.minor` of one of their versions.
 */
export function generateCorpus(options: Pick<SeedOptions, 'packages' | 'versionsPerPackage' | 'seed'>): SeedPackage[] {
  const next = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const taken = new Set<string>();
  const packages: SeedPackage[] = [];
  for (let p = 0; p < options.packages; p++) {
    let name = '';
    for (let attempt = 0; ; attempt++) {
      const words = next() < 0.25 ? [pick(VOCABULARY)] : next() < 0.85 ? [pick(VOCABULARY), pick(VOCABULARY)] : [pick(VOCABULARY), pick(VOCABULARY), pick(VOCABULARY)];
      const suffix = attempt > 5 ? String(p) : pick(SUFFIXES);
      name = [...new Set(words), ...(suffix ? [suffix] : [])].join('-');
      if (name.length <= 64 && !taken.has(canonicalName(name))) break;
    }
    taken.add(canonicalName(name));
    const topics = [...new Set([...name.split('-').filter((word) => VOCABULARY.includes(word)), pick(VOCABULARY), pick(VOCABULARY)])];
    const keywords = topics.slice(0, 2 + Math.floor(next() * 4));
    const description = `A ${pick(ADJECTIVES)} ${topics[0]} ${pick(NOUNS)} for ${topics.slice(1, 3).join(' and ') || pick(VOCABULARY)}, with ${pick(VOCABULARY)} support.`;
    const fanOut = p === 0 ? 0 : Math.min(p, Math.floor(next() * next() * 6));
    const targets = new Set<number>();
    while (targets.size < fanOut) targets.add(Math.floor(next() * next() * next() * p));
    const versions: SeedVersion[] = [];
    for (let v = 0; v < options.versionsPerPackage; v++) {
      const deps = [...targets].map((t): SeedDependency => {
        const at = seedVersionAt(Math.floor(next() * options.versionsPerPackage)).split('.');
        return { name: packages[t]!.name, req: `^${at[0]}.${at[1]}`, kind: next() < 0.1 ? 'dev' : 'normal' };
      });
      versions.push({ version: seedVersionAt(v), deps, yanked: v < options.versionsPerPackage - 1 && next() < 0.02 });
    }
    packages.push({
      name,
      description,
      keywords,
      category: pick(SEED_CATEGORIES),
      license: pick(LICENSES),
      author: `${pick(FIRST)} ${pick(LAST)} <${name}@example.org>`,
      downloads: Math.floor(5_000_000 / (p + 1)) + Math.floor(next() * 100),
      versions,
    });
  }
  return packages;
}

/** A valid package tarball of about `bytes` bytes (mostly incompressible data), and its SHA-256. */
export async function syntheticTarball(index: number, bytes: number): Promise<{ data: Buffer; sha256: string }> {
  const next = random(0x5eed + index);
  const noise = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) noise[i] = Math.floor(next() * 256);
  const name = `seed-blob-${index}`;
  const files: Record<string, string | Buffer> = {
    'Sounio.toml': `[package]\nname = "${name}"\nversion = "1.0.${index}"\ndescription = "Synthetic benchmark tarball"\nlicense = "MIT"\n`,
    'README.md': `# ${name}\n\nA synthetic tarball shared by seeded versions.\n`,
    'src/lib.sio': 'fn main() {}\n',
    'data/blob.bin': noise,
  };
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const [path, content] of Object.entries(files)) pack.entry({ name: `${name}-1.0.${index}/${path}`, mtime: new Date(0) }, content);
  pack.finalize();
  await done;
  const data = gzipSync(Buffer.concat(chunks));
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface SeedProgress {
  done: number;
  total: number;
}

export interface SeedSummary {
  packages: number;
  versions: number;
  dependencies: number;
  seconds: number;
  triggersDeferred: boolean;
}

const BATCH = 1000;
const SEED_OWNER = 'seed-publisher';

/** Writes the corpus. Names already in the registry are skipped (so a seed can be resumed). */
export async function seedRegistry(ctx: Context, options: SeedOptions, onProgress: (progress: SeedProgress) => void = () => {}): Promise<SeedSummary> {
  const started = Date.now();
  const corpus = generateCorpus(options);
  // Blobs first: a version row never points at a missing blob.
  const blobs: Array<{ sha256: string; size: number; key: string }> = [];
  const dir = mkdtempSync(join(tmpdir(), 'sounio-seed-'));
  try {
    for (let i = 0; i < options.tarballs; i++) {
      const { data, sha256 } = await syntheticTarball(i, options.tarballBytes);
      const path = join(dir, `${i}.tar.gz`);
      writeFileSync(path, data);
      const key = blobKeyFor(sha256);
      await ctx.blobs.putFile(key, path, { contentType: 'application/gzip' });
      blobs.push({ sha256, size: data.length, key });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const owner = await seedOwner(ctx.db);
  const { rows: superuser } = await ctx.db.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  // Row triggers (search document, availability, keyword counts) are deferred when we may: each batch then sets
  // what they would have set in one statement per table instead of one update per version row.
  const deferTriggers = superuser[0]?.rolsuper === true;
  const { rows: existing } = await ctx.db.query<{ canonical_name: string }>('SELECT canonical_name FROM packages');
  const present = new Set(existing.map((row) => row.canonical_name));
  const todo = corpus.filter((pkg) => !present.has(canonicalName(pkg.name)));
  let versions = 0;
  let dependencies = 0;
  const epoch = Date.now() - 3 * 365 * 86_400_000;
  for (let start = 0; start < todo.length; start += BATCH) {
    const batch = todo.slice(start, start + BATCH);
    const counts = await ctx.db.transaction((tx) => writeBatch(tx, batch, blobs, owner, deferTriggers, epoch, corpus.length, start + (corpus.length - todo.length)));
    versions += counts.versions;
    dependencies += counts.dependencies;
    onProgress({ done: start + batch.length, total: todo.length });
  }
  if (deferTriggers) {
    await ctx.db.query(
      `INSERT INTO keywords AS k (keyword, package_count)
         SELECT keyword, count(*)::integer FROM packages, unnest(keywords) AS keyword GROUP BY keyword
       ON CONFLICT (keyword) DO UPDATE SET package_count = EXCLUDED.package_count`,
    );
  }
  await ctx.db.query('ANALYZE');
  return { packages: todo.length, versions, dependencies, seconds: (Date.now() - started) / 1000, triggersDeferred: deferTriggers };
}

async function seedOwner(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (username, email, email_verified) VALUES ($1, $2, true)
     ON CONFLICT DO NOTHING RETURNING id`,
    [SEED_OWNER, `${SEED_OWNER}@example.org`],
  );
  if (rows[0] !== undefined) return rows[0].id;
  const found = await db.query<{ id: string }>('SELECT id FROM users WHERE lower(username) = $1', [SEED_OWNER]);
  return found.rows[0]!.id;
}

async function writeBatch(
  tx: Queryable,
  batch: SeedPackage[],
  blobs: Array<{ sha256: string; size: number; key: string }>,
  owner: string,
  deferTriggers: boolean,
  epoch: number,
  total: number,
  offset: number,
): Promise<{ versions: number; dependencies: number }> {
  if (deferTriggers) await tx.query("SET LOCAL session_replication_role = 'replica'");
  const span = Date.now() - epoch;
  const pkgIds: string[] = [];
  const pkg = { name: [] as string[], description: [] as string[], keywords: [] as string[], license: [] as string[], repository: [] as string[], readme: [] as string[], readmeHtml: [] as string[], latest: [] as string[], downloads: [] as number[], created: [] as string[], author: [] as string[] };
  const ver = { id: [] as string[], pkg: [] as string[], version: [] as string[], key: [] as string[], checksum: [] as string[], size: [] as number[], blob: [] as string[], license: [] as string[], description: [] as string[], author: [] as string[], yanked: [] as boolean[], downloads: [] as number[], published: [] as string[], canonical: [] as string[] };
  const dep = { version: [] as string[], name: [] as string[], req: [] as string[], kind: [] as string[] };
  const categories = { pkg: [] as string[], slug: [] as string[] };
  batch.forEach((seed, i) => {
    const id = randomUUID();
    pkgIds.push(id);
    const rank = offset + i;
    const created = epoch + Math.floor((span * rank) / (total + 1));
    const latest = [...seed.versions].reverse().find((version) => !version.yanked)?.version ?? '';
    pkg.name.push(seed.name);
    pkg.description.push(seed.description);
    pkg.keywords.push(JSON.stringify(seed.keywords));
    pkg.license.push(seed.license);
    pkg.repository.push(`https://git.example.org/${seed.name}`);
    pkg.readme.push(`# ${seed.name}\n\n${seed.description}\n\n## Usage\n\nAdd \`${seed.name} = "^${latest}"\` to the [dependencies] of your Sounio.toml.\n`);
    pkg.readmeHtml.push(`<h1>${escapeHtml(seed.name)}</h1>\n<p>${escapeHtml(seed.description)}</p>\n<h2>Usage</h2>\n<p>Add <code>${escapeHtml(seed.name)} = &quot;^${latest}&quot;</code> to the [dependencies] of your Sounio.toml.</p>\n`);
    pkg.latest.push(latest);
    pkg.downloads.push(seed.downloads);
    pkg.created.push(new Date(created).toISOString());
    pkg.author.push(seed.author);
    categories.pkg.push(id);
    categories.slug.push(seed.category);
    seed.versions.forEach((version, v) => {
      const versionId = randomUUID();
      const blob = blobs[(rank + v) % blobs.length]!;
      ver.id.push(versionId);
      ver.pkg.push(id);
      ver.version.push(version.version);
      ver.key.push(versionKey(parseVersion(version.version)!));
      ver.checksum.push(blob.sha256);
      ver.size.push(blob.size);
      ver.blob.push(blob.key);
      ver.license.push(seed.license);
      ver.description.push(seed.description);
      ver.author.push(seed.author);
      ver.yanked.push(version.yanked);
      ver.downloads.push(Math.floor(seed.downloads / seed.versions.length));
      ver.published.push(new Date(created + v * 86_400_000).toISOString());
      ver.canonical.push(canonicalName(seed.name));
      for (const dependency of version.deps) {
        dep.version.push(versionId);
        dep.name.push(dependency.name);
        dep.req.push(dependency.req);
        dep.kind.push(dependency.kind);
      }
    });
  });
  await tx.query(
    // With the triggers deferred, the search document is written here, as package_search_document (migration 003)
    // would write it once the version (its author) and the owner exist, and every package has an available version.
    `INSERT INTO packages (id, name, description, keywords, license, repository, readme, readme_html, latest_version, downloads, recent_downloads, created_at, updated_at, available, search_vector)
     SELECT id, name, description, kw, license, repository, readme, readme_html, latest, downloads, downloads / 10, created, created, true,
       CASE WHEN $13 THEN
         setweight(to_tsvector('simple', name || ' ' || replace(replace(name, '-', ' '), '_', ' ')), 'A') ||
         setweight(to_tsvector('english', array_to_string(kw, ' ')), 'B') ||
         setweight(to_tsvector('english', description), 'C') ||
         setweight(to_tsvector('simple', regexp_replace(author, '<[^>]*>', ' ', 'g') || ' ' || $14), 'D')
       END
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::timestamptz[], $12::text[])
       AS t(id, name, description, keywords, license, repository, readme, readme_html, latest, downloads, created, author),
       LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(keywords::jsonb)) AS kw) k`,
    [pkgIds, pkg.name, pkg.description, pkg.keywords, pkg.license, pkg.repository, pkg.readme, pkg.readmeHtml, pkg.latest, pkg.downloads, pkg.created, pkg.author, deferTriggers, SEED_OWNER],
  );
  await tx.query('INSERT INTO package_owners (package_id, user_id, added_by) SELECT id, $2, $2 FROM unnest($1::uuid[]) AS id', [pkgIds, owner]);
  await tx.query(
    `INSERT INTO package_categories (package_id, category_id)
     SELECT t.id, c.id FROM unnest($1::uuid[], $2::text[]) AS t(id, slug) JOIN categories c ON c.slug = t.slug`,
    [categories.pkg, categories.slug],
  );
  await tx.query(
    `INSERT INTO versions (id, package_id, version, version_key, checksum, size, blob_key, license, description, authors, yanked, yanked_at, downloads, published_at, published_by)
     SELECT id, pkg, version, key, checksum, size, blob, license, description, ARRAY[author], yanked, CASE WHEN yanked THEN published END, downloads, published, $14
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[], $12::bigint[], $13::timestamptz[])
       AS t(id, pkg, version, key, checksum, size, blob, license, description, author, yanked, downloads, published)`,
    [ver.id, ver.pkg, ver.version, ver.key, ver.checksum, ver.size, ver.blob, ver.license, ver.description, ver.author, ver.yanked, ver.downloads, ver.published, owner],
  );
  await tx.query(
    `INSERT INTO published_versions (canonical_name, version_key, checksum, published_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) ON CONFLICT DO NOTHING`,
    [ver.canonical, ver.key, ver.checksum, ver.published],
  );
  await tx.query(
    `INSERT INTO dependencies (version_id, package_name, version_req, kind)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [dep.version, dep.name, dep.req, dep.kind],
  );
  if (!deferTriggers) {
    // The triggers ran before the versions and the owner existed: the search document's people and availability.
    await tx.query(
      `UPDATE packages p SET available = EXISTS (SELECT 1 FROM versions v WHERE v.package_id = p.id AND NOT v.yanked),
         search_vector = package_search_document(p.id, p.name, p.keywords, p.description, p.latest_version)
       WHERE p.id = ANY($1::uuid[])`,
      [pkgIds],
    );
  }
  return { versions: ver.id.length, dependencies: dep.version.length };
}
