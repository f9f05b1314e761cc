// Search through the per-process index (services/search-index*.ts) on each backend: typos (jsn → json, sedre →
// serde), every word must match, ranking, filters, orders and pages; the index follows publishes, yanks, owner
// changes and deletions on the same instance at once, and changes written straight to the table after a catch-up;
// and it finds what the SQL search (db/search.ts) finds for queries where both read the same documents.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalName } from '../../src/core/names.js';
import { latestVersion, parseVersion, versionKey } from '../../src/core/version.js';
import { searchPackages, type SearchOrder } from '../../src/db/search.js';
import { packageChanged } from '../../src/services/package-events.js';
import { searchIndexed, searchIndexReady, searchIndexStats } from '../../src/services/search-index-sync.js';
import { searchQueryOf } from '../../src/services/search.js';
import { published } from '../helpers/packages.js';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { signUp } from '../helpers/users.js';

interface SeedPackage {
  name: string;
  description?: string;
  keywords?: string[];
  categories?: string[];
  versions?: Array<{ version: string; yanked?: boolean }>;
  downloads?: number;
  recentDownloads?: number;
  createdAt?: Date;
}

/** Writes a package as a publish does (as in discovery.test.ts), without announcing it. */
async function seed(registry: TestRegistry, spec: SeedPackage): Promise<string> {
  const db = registry.ctx.db;
  const now = spec.createdAt ?? new Date();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO packages (name, description, keywords, downloads, recent_downloads, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [spec.name, spec.description ?? null, spec.keywords ?? [], spec.downloads ?? 0, spec.recentDownloads ?? 0, now],
  );
  const id = rows[0]!.id;
  const versions = spec.versions ?? [{ version: '1.0.0' }];
  for (const version of versions) {
    const checksum = randomBytes(32).toString('hex');
    const key = versionKey(parseVersion(version.version)!);
    await db.query(
      `INSERT INTO versions (package_id, version, version_key, checksum, size, blob_key, authors, yanked, description, license)
       VALUES ($1, $2, $3, $4, 100, $5, '{}', $6, $7, 'MIT')`,
      [id, version.version, key, checksum, `sha256/${checksum}.tar.gz`, version.yanked ?? false, spec.description ?? null],
    );
    await db.query('INSERT INTO published_versions (canonical_name, version_key, checksum) VALUES ($1, $2, $3)', [canonicalName(spec.name), key, checksum]);
  }
  const latest = latestVersion(versions.map((v) => ({ version: parseVersion(v.version)!, yanked: v.yanked ?? false })));
  const latestText = latest === null ? '' : versions.find((v) => versionKey(parseVersion(v.version)!) === versionKey(latest))!.version;
  await db.query('UPDATE packages SET latest_version = $2 WHERE id = $1', [id, latestText]);
  if (spec.categories?.length) {
    await db.query('INSERT INTO package_categories (package_id, category_id) SELECT $1, id FROM categories WHERE slug = ANY($2::text[])', [id, spec.categories]);
  }
  return id;
}

const CORPUS: SeedPackage[] = [
  { name: 'json', description: 'Read and write JSON documents', keywords: ['json', 'serialization'], recentDownloads: 10, downloads: 40 },
  { name: 'serde-json', description: 'JSON support for the serde framework', keywords: ['json'], recentDownloads: 500, downloads: 900 },
  { name: 'serde', description: 'A serialisation framework', keywords: ['serialization'], recentDownloads: 20, downloads: 5000 },
  { name: 'jsonpath', description: 'Query documents with path expressions', keywords: ['query'], recentDownloads: 50, downloads: 60 },
  { name: 'config-loader', description: 'Loads configuration files', keywords: ['json', 'toml'], recentDownloads: 1000, downloads: 1000 },
  { name: 'tiny-http', description: 'A small HTTP server that speaks json', keywords: ['http'], recentDownloads: 5000, downloads: 7000 },
  { name: 'parser', description: 'Parser combinators', keywords: ['parsing'], categories: ['parser', 'text'], createdAt: new Date('2020-01-01T00:00:00Z') },
  { name: 'toml-parser', description: 'Reads TOML files', keywords: ['toml'], categories: ['parser'], createdAt: new Date('2021-01-01T00:00:00Z') },
  { name: 'linalg', description: 'Linear algebra routines', keywords: ['matrix', 'vector'], categories: ['math', 'science'] },
  { name: 'matrixy', description: 'Dense matrices', keywords: ['matrix'], categories: ['math'] },
  { name: 'vectory', description: 'Small vectors', keywords: ['vector'], categories: ['math'] },
  { name: 'async-runtime', description: 'An async runtime with timers and sockets', keywords: ['async', 'net'], recentDownloads: 300 },
  { name: 'async-json-stream', description: 'Streaming JSON parser for async readers', keywords: ['json', 'async', 'stream'], recentDownloads: 30 },
  { name: 'withdrawn-json', description: 'JSON, withdrawn', keywords: ['json'], versions: [{ version: '1.0.0', yanked: true }] },
];

describeEachBackend('search through the per-process index', (registry) => {
  const get = (url: string) => registry().app.inject({ method: 'GET', url: `/api/v1${url}` });
  async function names(query: string): Promise<string[]> {
    const response = await get(`/search?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { packages: Array<{ name: string }> }).packages.map((pkg) => pkg.name);
  }
  /** Straight from the index (no per-process answer cache), failing if SQL would have answered. */
  async function indexed(q: string, options: { order?: SearchOrder; perPage?: number; page?: number; keywords?: string[]; category?: string } = {}) {
    const page = await searchIndexed(registry().ctx, searchQueryOf({ q, page: options.page ?? 1, perPage: options.perPage ?? 100, ...options }));
    expect(page, `the index answers ${q}`).not.toBeNull();
    return { names: page!.rows.map((row) => row.name), total: page!.total };
  }

  beforeAll(async () => {
    for (const spec of CORPUS) await seed(registry(), spec);
    await searchIndexReady(registry().ctx);
    expect(searchIndexStats(registry().ctx)).toMatchObject({ state: 'ready', packages: CORPUS.length - 1 });
  });

  describe('matching and ranking', () => {
    it('answers from the index once built', async () => {
      const before = searchIndexStats(registry().ctx).answered;
      expect((await names('q=json'))[0]).toBe('json');
      expect(searchIndexStats(registry().ctx).answered).toBe(before + 1);
    });

    it('corrects short typos: jsn → json, sedre → serde, serdejsn → serde-json, linalgg → linalg', async () => {
      const jsn = await indexed('jsn');
      expect(jsn.names[0]).toBe('json');
      expect(jsn.names).toEqual(expect.arrayContaining(['serde-json', 'config-loader', 'tiny-http']));
      expect((await indexed('sedre')).names[0]).toBe('serde');
      expect((await indexed('serdejsn')).names[0]).toBe('serde-json');
      expect((await indexed('linalgg')).names).toContain('linalg');
      expect((await indexed('jsno parsr')).names).toEqual(['async-json-stream']);
      // Two letters: no corrections.
      expect((await indexed('jx')).names).toEqual([]);
    });

    it('every word must match, as written, stemmed or (the last) as a prefix', async () => {
      expect((await indexed('linear algebra')).names).toEqual(['linalg']);
      expect((await indexed('linear cooking')).names).toEqual([]);
      expect((await indexed('async json')).names).toEqual(['async-json-stream']);
      expect((await indexed('streaming readers')).names).toEqual(['async-json-stream']);
      expect((await indexed('async stre')).names).toEqual(['async-json-stream']);
      // Stop words are dropped ("for", "the").
      expect((await indexed('json for the serde')).names).toEqual(['serde-json']);
    });

    it('the exact name first, then name matches, keywords, descriptions; ties by recent downloads', async () => {
      const json = (await indexed('json')).names;
      expect(json[0]).toBe('json');
      expect(json).not.toContain('withdrawn-json');
      for (const nameMatch of ['serde-json', 'jsonpath', 'async-json-stream']) expect(json.indexOf(nameMatch)).toBeLessThan(json.indexOf('config-loader'));
      expect(json.indexOf('config-loader')).toBeLessThan(json.indexOf('tiny-http'));
      expect((await indexed('SERDE_JSON')).names[0]).toBe('serde-json');
      const pars = (await indexed('pars')).names;
      expect(pars[0]).toBe('parser');
      expect(pars).toContain('toml-parser');
      expect((await indexed('async')).names.slice(0, 2)).toEqual(['async-runtime', 'async-json-stream']);
    });

    it('filters by keywords and category; orders by downloads, newest, name; pages with a total', async () => {
      expect((await indexed('matrix', { keywords: ['matrix'] })).names.sort()).toEqual(['linalg', 'matrixy']);
      expect((await indexed('matrix', { keywords: ['matrix', 'vector'] })).names).toEqual(['linalg']);
      expect((await indexed('json', { keywords: ['toml'] })).names).toEqual(['config-loader']);
      expect((await indexed('matrix', { category: 'science' })).names).toEqual(['linalg']);
      expect((await indexed('pars', { category: 'text' })).names).toEqual(['parser']);
      expect((await indexed('matrix', { category: 'cooking' })).names).toEqual([]);

      const json = await indexed('json');
      expect((await indexed('json', { order: 'name' })).names).toEqual([...json.names].sort());
      const byDownloads = (await indexed('json', { order: 'downloads' })).names;
      expect(byDownloads.slice(0, 3)).toEqual(['tiny-http', 'config-loader', 'serde-json']);
      expect((await indexed('parser', { order: 'newest' })).names).toEqual(['async-json-stream', 'toml-parser', 'parser']);

      const pages: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const result = await indexed('json', { perPage: 2, page });
        expect(result.total).toBe(json.total);
        pages.push(...result.names);
      }
      expect(pages).toEqual(json.names.slice(0, 6));
      expect((await indexed('json', { perPage: 50, page: 9 })).names).toEqual([]);
    });

    it('queries made of punctuation or SQL are harmless; words beyond ASCII go to SQL', async () => {
      for (const q of ['!!!', "json' OR 1=1 --", 'json & | ! ( ) :*', '%_\\', 'a', 'json:*', 'a'.repeat(200)]) {
        expect((await get(`/search?q=${encodeURIComponent(q)}`)).statusCode, q).toBe(200);
      }
      expect(await searchIndexed(registry().ctx, searchQueryOf({ q: '日本語', page: 1, perPage: 10 }))).toBeNull();
      expect((await get(`/search?q=${encodeURIComponent('日本語')}`)).statusCode).toBe(200);
    });
  });

  describe('staying current', () => {
    it('follows a publish, a yank, an unyank, an owner change and a deletion on the same instance at once', async () => {
      const r = registry();
      const author = await signUp(r);
      const other = await signUp(r, { username: `zq${randomBytes(3).toString('hex')}` });
      await published(r, author.auth, { name: 'fresh-quokka', version: '1.0.0', description: 'Marsupial utilities' });
      expect((await indexed('quokka')).names).toEqual(['fresh-quokka']);
      expect((await indexed('marsupial')).names).toEqual(['fresh-quokka']);
      expect((await names('q=fresh-quokka'))[0]).toBe('fresh-quokka');

      await published(r, author.auth, { name: 'fresh-quokka', version: '1.1.0', description: 'Wombat utilities' });
      expect((await indexed('marsupial')).names).toEqual([]);
      expect((await indexed('wombat')).names).toEqual(['fresh-quokka']);
      const view = (await get('/search?q=wombat')).json() as { packages: Array<{ latest_version: string }> };
      expect(view.packages[0]!.latest_version).toBe('1.1.0');

      for (const version of ['1.0.0', '1.1.0']) {
        const yank = await r.app.inject({ method: 'POST', url: `/api/v1/packages/fresh-quokka/versions/${version}/yank`, headers: author.auth });
        expect(yank.statusCode, yank.body).toBe(200);
      }
      expect((await indexed('quokka')).names).toEqual([]);
      expect(await names('q=fresh-quokka')).not.toContain('fresh-quokka');
      const unyank = await r.app.inject({ method: 'POST', url: '/api/v1/packages/fresh-quokka/versions/1.0.0/unyank', headers: author.auth });
      expect(unyank.statusCode, unyank.body).toBe(200);
      expect((await indexed('quokka')).names).toEqual(['fresh-quokka']);

      const invite = await r.app.inject({ method: 'PUT', url: '/api/v1/packages/fresh-quokka/owners', headers: author.auth, payload: { users: [other.user.username] } });
      if (invite.statusCode < 300) {
        // Owners are searchable once they are owners (an invitation may need accepting first).
        const { rows } = await r.ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM package_owners po JOIN packages p ON p.id = po.package_id WHERE p.name = $1 AND po.user_id = $2',
          ['fresh-quokka', other.user.id],
        );
        expect((await indexed(other.user.username)).names).toEqual(rows[0]!.n > 0 ? ['fresh-quokka'] : []);
      }

      const admin = await signUp(r, { admin: true });
      const deleted = await r.app.inject({ method: 'DELETE', url: '/api/v1/packages/fresh-quokka', headers: admin.auth });
      expect(deleted.statusCode, deleted.body).toBeLessThan(300);
      expect((await indexed('quokka')).names).toEqual([]);
      expect((await indexed('wombat')).names).toEqual([]);
    });

    it('an announced change written straight to the table is seen at once; an unannounced one after the catch-up', async () => {
      const r = registry();
      await r.ctx.db.query("UPDATE packages SET description = 'Tokenizer for numbat files' WHERE name = 'vectory'");
      await packageChanged(r.ctx, 'vectory');
      expect((await indexed('numbat')).names).toEqual(['vectory']);

      await seed(r, { name: 'unannounced-okapi', description: 'Okapi sightings' });
      await r.ctx.db.query("UPDATE packages SET recent_downloads = 99999 WHERE name = 'matrixy'");
      await searchIndexReady(r.ctx);
      expect((await indexed('okapi')).names).toEqual(['unannounced-okapi']);
      expect((await indexed('matrix')).names[0]).toBe('matrixy');

      await r.ctx.db.query("UPDATE versions SET yanked = true WHERE package_id = (SELECT id FROM packages WHERE name = 'unannounced-okapi')");
      await searchIndexReady(r.ctx);
      expect((await indexed('okapi')).names).toEqual([]);
    });
  });

  describe('the same answers as SQL', () => {
    // Where both read the same documents they find the same packages: every word of the query a term of the corpus
    // (so the index corrects nothing) and no name that SQL's trigram closeness would add. They intentionally differ
    // (a) for words that match nothing: the index corrects them to terms within a few edits, SQL finds only names
    // that look alike; (a') where SQL's trigram closeness finds a name that has only some of the words (`json serde`
    // finds the packages json and serde there, as names similar enough to json_serde; the index requires every word); (b) in relevance order: SQL ranks with ts_rank, the index with its own weights (both put
    // the exact name first and break ties by recent downloads, then name); (c) in totals beyond the candidate limits.
    const QUERIES = ['json', 'serialization', 'framework', 'files', 'async', 'stream', 'matrix', 'vector', 'toml', 'parser combinators', 'streaming readers', 'timers sockets', 'read', 'linear algebra', 'small', 'documents', 'query', 'routines', 'dense'];

    it('finds the same packages, in the same order for the orders that are not relevance', async () => {
      const r = registry();
      for (const q of QUERIES) {
        for (const order of ['name', 'downloads', 'newest'] as const) {
          const query = searchQueryOf({ q, page: 1, perPage: 100, order });
          const sql = await searchPackages(r.ctx.db, query);
          const index = await searchIndexed(r.ctx, query);
          expect(index, q).not.toBeNull();
          expect(index!.rows.map((row) => row.name), `${q} by ${order}`).toEqual(sql.rows.map((row) => row.name));
          expect(index!.total, q).toBe(sql.total);
          // The summaries are the same documents too.
          const plain = ({ total: _total, ...row }: Record<string, unknown>) => ({ ...row, downloads: Number(row['downloads']) });
          expect(index!.rows.map(plain)).toEqual(sql.rows.map(plain));
        }
        const relevance = searchQueryOf({ q, page: 1, perPage: 100 });
        const sql = await searchPackages(r.ctx.db, relevance);
        const index = (await searchIndexed(r.ctx, relevance))!;
        expect([...index.rows.map((row) => row.name)].sort(), q).toEqual([...sql.rows.map((row) => row.name)].sort());
        if (sql.rows[0]?.name === canonicalName(q)) expect(index.rows[0]?.name).toBe(sql.rows[0]?.name);
      }
    });
  });
});
