// Discovery through the API on each backend: listing and its pagination, search (matching, typos, ranking, filters,
// people, yanked packages, validation), statistics, categories, keywords, dependents, READMEs and the summary.
// Packages come from the real publish API where the flow matters (authors, owners, yanks, READMEs, dependencies)
// and from SQL that writes what a publish writes where many are needed; download counts are written as the flush
// job writes them. Every JSON answer is checked against its route's schema by the test harness (conformance.ts);
// here, in addition, that no field anywhere is null (absent, not null).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, parseVersion, versionKey } from '../../src/core/version.js';
import { canonicalName } from '../../src/core/names.js';
import { packageChanged } from '../../src/services/package-events.js';
import { published } from '../helpers/packages.js';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { signUp, type TestUser } from '../helpers/users.js';

interface SeedVersion {
  version: string;
  yanked?: boolean;
  authors?: string[];
  readmeHtml?: string | null;
}

interface SeedPackage {
  name: string;
  description?: string;
  keywords?: string[];
  categories?: string[];
  /** Default: one version 1.0.0. */
  versions?: SeedVersion[];
  downloads?: number;
  recentDownloads?: number;
  createdAt?: Date;
  updatedAt?: Date;
  ownerIds?: string[];
}

/** Writes a package as a publish does (package, versions, version-number records, latest_version, categories, owners). */
async function seed(registry: TestRegistry, spec: SeedPackage): Promise<{ id: string; versionIds: Record<string, string> }> {
  const db = registry.ctx.db;
  const now = new Date();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO packages (name, description, keywords, downloads, recent_downloads, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [spec.name, spec.description ?? null, spec.keywords ?? [], spec.downloads ?? 0, spec.recentDownloads ?? 0, spec.createdAt ?? now, spec.updatedAt ?? spec.createdAt ?? now],
  );
  const id = rows[0]!.id;
  const versionIds: Record<string, string> = {};
  const versions = spec.versions ?? [{ version: '1.0.0' }];
  for (const version of versions) {
    const checksum = randomBytes(32).toString('hex');
    const key = versionKey(parseVersion(version.version)!);
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO versions (package_id, version, version_key, checksum, size, blob_key, authors, yanked, readme_html, description, license)
       VALUES ($1, $2, $3, $4, 100, $5, $6, $7, $8, $9, 'MIT') RETURNING id`,
      [id, version.version, key, checksum, `sha256/${checksum}.tar.gz`, version.authors ?? [], version.yanked ?? false, version.readmeHtml ?? null, spec.description ?? null],
    );
    versionIds[version.version] = inserted.rows[0]!.id;
    await db.query('INSERT INTO published_versions (canonical_name, version_key, checksum) VALUES ($1, $2, $3)', [canonicalName(spec.name), key, checksum]);
  }
  const latest = latestVersion(versions.map((v) => ({ version: parseVersion(v.version)!, yanked: v.yanked ?? false })));
  const latestText = latest === null ? '' : versions.find((v) => versionKey(parseVersion(v.version)!) === versionKey(latest))!.version;
  await db.query('UPDATE packages SET latest_version = $2 WHERE id = $1', [id, latestText]);
  if (spec.categories?.length) {
    await db.query('INSERT INTO package_categories (package_id, category_id) SELECT $1, id FROM categories WHERE slug = ANY($2::text[])', [id, spec.categories]);
  }
  for (const owner of spec.ownerIds ?? []) await db.query('INSERT INTO package_owners (package_id, user_id) VALUES ($1, $2)', [id, owner]);
  return { id, versionIds };
}

/** The UTC date `daysAgo` days before today, as YYYY-MM-DD. */
function day(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** Records downloads as the flush job does: per version per day, per package per day, and the totals. */
async function addDownloads(registry: TestRegistry, packageId: string, versionId: string, date: string, count: number): Promise<void> {
  const db = registry.ctx.db;
  await db.query(
    `INSERT INTO downloads (version_id, date, downloads) VALUES ($1, $2, $3)
     ON CONFLICT (version_id, date) DO UPDATE SET downloads = downloads.downloads + EXCLUDED.downloads`,
    [versionId, date, count],
  );
  await db.query(
    `INSERT INTO package_downloads_daily (package_id, date, downloads) VALUES ($1, $2, $3)
     ON CONFLICT (package_id, date) DO UPDATE SET downloads = package_downloads_daily.downloads + EXCLUDED.downloads`,
    [packageId, date, count],
  );
  await db.query('UPDATE versions SET downloads = downloads + $2 WHERE id = $1', [versionId, count]);
  await db.query('UPDATE packages SET downloads = downloads + $2 WHERE id = $1', [packageId, count]);
}

type PackageJson = { name: string; downloads: number; created_at: string; updated_at: string; latest_version: string; keywords: string[]; categories: string[]; owners: string[] };
type ListJson = { packages: PackageJson[]; total: number; page: number; per_page: number; has_next: boolean };

/** A JSON body, with no null anywhere in it: optional fields without a value are left out. */
function jsonOf(response: { statusCode: number; body: string; headers: Record<string, unknown> }): any {
  expect(String(response.headers['content-type']), response.body).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as unknown;
  const nulls: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (value === null) nulls.push(path);
    else if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${path}[${index}]`));
    else if (typeof value === 'object') for (const [key, item] of Object.entries(value)) visit(item, `${path}.${key}`);
  };
  visit(body, 'body');
  expect(nulls, 'fields that should be absent rather than null').toEqual([]);
  return body;
}

function expectErrorBody(response: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(body).toMatchObject({ error: code, message: expect.any(String) });
  expect(Object.keys(body).every((key) => ['error', 'message', 'details'].includes(key))).toBe(true);
}

describeEachBackend('discovery', (registry) => {
  const get = (url: string) => registry().app.inject({ method: 'GET', url: `/api/v1${url}` });

  async function getList(url: string): Promise<ListJson> {
    const response = await get(url);
    expect(response.statusCode, response.body).toBe(200);
    return jsonOf(response) as ListJson;
  }

  /** Every page of a list, concatenated, checking total and has_next on the way. */
  async function getAllPages(url: string, perPage: number): Promise<PackageJson[]> {
    const all: PackageJson[] = [];
    for (let page = 1; ; page++) {
      const list = await getList(`${url}${url.includes('?') ? '&' : '?'}page=${page}&per_page=${perPage}`);
      expect(list.page).toBe(page);
      expect(list.per_page).toBe(perPage);
      expect(list.packages.length).toBeLessThanOrEqual(perPage);
      all.push(...list.packages);
      expect(list.has_next).toBe(all.length < list.total);
      if (!list.has_next) {
        expect(all).toHaveLength(list.total);
        return all;
      }
      expect(list.packages).toHaveLength(perPage);
    }
  }

  async function searchNames(query: string): Promise<string[]> {
    const response = await get(`/search?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = jsonOf(response) as ListJson;
    return body.packages.map((pkg) => pkg.name);
  }

  async function packageCount(): Promise<number> {
    const { rows } = await registry().ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages');
    return rows[0]!.n;
  }

  describe('GET /packages', () => {
    beforeAll(async () => {
      // Equal downloads, equal creation times: ties that only the name can break.
      for (const name of ['tie-charlie', 'tie-alpha', 'tie-bravo']) {
        await seed(registry(), { name, downloads: 77_777, createdAt: new Date('2001-02-03T04:05:06Z'), updatedAt: new Date('2001-02-03T04:05:06Z') });
      }
      for (let i = 0; i < 12; i++) {
        await seed(registry(), {
          name: `list-${String.fromCharCode(97 + ((i * 7) % 12))}`,
          downloads: (i * 37) % 11,
          createdAt: new Date(Date.UTC(2020, 0, 1 + i)),
          updatedAt: new Date(Date.UTC(2022, 0, 12 - i)),
        });
      }
    });

    it('defaults to the most downloaded first, ties by name, 20 a page', async () => {
      const list = await getList('/packages');
      expect(list).toMatchObject({ page: 1, per_page: 20, total: await packageCount() });
      expect(list.packages.length).toBe(Math.min(20, list.total));
      const all = await getAllPages('/packages', 100);
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.downloads > b.downloads || (a.downloads === b.downloads && a.name < b.name), `${a.name} before ${b.name}`).toBe(true);
      }
      // Absent, not null: a package without description, links or license has no such fields.
      const bare = all.find((pkg) => pkg.name === 'tie-alpha')!;
      for (const field of ['description', 'homepage', 'repository', 'documentation', 'license']) expect(bare).not.toHaveProperty(field);
      expect(bare).toMatchObject({ latest_version: '1.0.0', keywords: [], categories: [], owners: [], downloads: 77_777 });
      const ties = all.filter((pkg) => pkg.downloads === 77_777).map((pkg) => pkg.name);
      expect(ties).toEqual(['tie-alpha', 'tie-bravo', 'tie-charlie']);
      expect(list.packages.map((pkg) => pkg.name)).toEqual(all.slice(0, 20).map((pkg) => pkg.name));
    });

    it('pages follow each other without duplicates or gaps, in every sort and order', async () => {
      const total = await packageCount();
      for (const sort of ['name', 'downloads', 'updated', 'created'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const whole = (await getList(`/packages?sort=${sort}&order=${order}&per_page=100`)).packages.map((pkg) => pkg.name);
          const first = await getList(`/packages?sort=${sort}&order=${order}&per_page=4&page=1`);
          const second = await getList(`/packages?sort=${sort}&order=${order}&per_page=4&page=2`);
          expect(first.total).toBe(total);
          expect(first.has_next).toBe(true);
          expect([...first.packages, ...second.packages].map((pkg) => pkg.name)).toEqual(whole.slice(0, 8));
          expect(new Set(whole).size).toBe(whole.length);
          const paged = (await getAllPages(`/packages?sort=${sort}&order=${order}`, 7)).map((pkg) => pkg.name);
          expect(paged).toEqual(whole);
        }
      }
    });

    it('sorts by name, creation and update, each way, ties by name', async () => {
      const names = (await getAllPages('/packages?sort=name&order=asc', 100)).map((pkg) => pkg.name);
      expect(names).toEqual([...names].sort());
      const descending = (await getAllPages('/packages?sort=name&order=desc', 100)).map((pkg) => pkg.name);
      expect(descending).toEqual([...names].reverse());

      const created = await getAllPages('/packages?sort=created&order=asc', 100);
      expect(created.slice(0, 3).map((pkg) => pkg.name)).toEqual(['tie-alpha', 'tie-bravo', 'tie-charlie']);
      const listed = created.filter((pkg) => pkg.name.startsWith('list-')).map((pkg) => pkg.created_at);
      expect(listed).toEqual([...listed].sort());

      const updated = await getAllPages('/packages?sort=updated&order=desc', 100);
      const updates = updated.map((pkg) => pkg.updated_at);
      expect(updates).toEqual([...updates].sort().reverse());
      expect(updated.slice(-3).map((pkg) => pkg.name)).toEqual(['tie-alpha', 'tie-bravo', 'tie-charlie']);
    });

    it('answers past the last page with an empty page', async () => {
      const list = await getList('/packages?page=1000&per_page=100');
      expect(list.packages).toEqual([]);
      expect(list.total).toBe(await packageCount());
      expect(list.has_next).toBe(false);
    });

    it('refuses out-of-range and unknown parameters with a 400 Error body', async () => {
      for (const query of ['per_page=101', 'per_page=0', 'page=0', 'page=100001', 'page=x', 'sort=stars', 'order=up']) {
        expectErrorBody(await get(`/packages?${query}`), 400, 'invalid_request');
      }
    });
  });

  describe('GET /search', () => {
    let people: { owner: TestUser; second: TestUser };

    beforeAll(async () => {
      const r = registry();
      await seed(r, { name: 'json', description: 'Read and write JSON documents', keywords: ['json', 'serialization'], recentDownloads: 10 });
      await seed(r, { name: 'serde-json', description: 'JSON support for the serde framework', keywords: ['json'], recentDownloads: 500 });
      await seed(r, { name: 'serde', description: 'A serialisation framework', keywords: ['serialization'] });
      await seed(r, { name: 'jsonpath', description: 'Query documents with path expressions', keywords: ['query'], recentDownloads: 50 });
      await seed(r, { name: 'config-loader', description: 'Loads configuration files', keywords: ['json', 'toml'], recentDownloads: 1000 });
      await seed(r, { name: 'tiny-http', description: 'A small HTTP server that speaks json', keywords: ['http'], recentDownloads: 5000 });
      await seed(r, { name: 'yanked-json', description: 'JSON, withdrawn', keywords: ['json'], versions: [{ version: '1.0.0', yanked: true }, { version: '1.1.0', yanked: true }], recentDownloads: 9000 });
      await seed(r, { name: 'json-unreleased', description: 'JSON soon', keywords: ['json'], versions: [] });
      await seed(r, { name: 'parser', description: 'Parser combinators', keywords: ['parsing'], categories: ['parser', 'text'] });
      await seed(r, { name: 'toml-parser', description: 'Reads TOML files', keywords: ['toml'], categories: ['parser'] });
      await seed(r, { name: 'linalg', description: 'Linear algebra routines', keywords: ['matrix', 'vector'], categories: ['math', 'science'] });
      await seed(r, { name: 'matrixy', description: 'Dense matrices', keywords: ['matrix'], categories: ['math'] });
      await seed(r, { name: 'vectory', description: 'Small vectors', keywords: ['vector'], categories: ['math'] });
      await seed(r, { name: 'zebra-two', description: 'Handles quaternion arithmetic', recentDownloads: 100 });
      await seed(r, { name: 'aardvark-one', description: 'Handles quaternion arithmetic', recentDownloads: 10 });
      await seed(r, { name: 'mango-three', description: 'Handles quaternion arithmetic', recentDownloads: 10 });
      await seed(r, { name: 'old-yanked-only', description: 'A quaternion library, yanked', versions: [{ version: '0.1.0', yanked: true }] });
      people = { owner: await signUp(r, { username: 'zedowner' }), second: await signUp(r, { username: 'secondzed' }) };
    });

    it('an exact name comes first; then name matches, keyword matches, description matches, whatever their downloads', async () => {
      const names = await searchNames('q=json');
      expect(names[0]).toBe('json');
      const position = (name: string) => {
        expect(names, name).toContain(name);
        return names.indexOf(name);
      };
      for (const nameMatch of ['serde-json', 'jsonpath']) expect(position(nameMatch)).toBeLessThan(position('config-loader'));
      expect(position('config-loader')).toBeLessThan(position('tiny-http'));
      expect(names).not.toContain('yanked-json');
      expect(names).not.toContain('json-unreleased');
      // The canonical form of a name is an exact match too; case does not count.
      expect((await searchNames('q=SERDE_JSON'))[0]).toBe('serde-json');
    });

    it('equal relevance goes to recent downloads, then name; pages are stable', async () => {
      const names = await searchNames('q=quaternion');
      expect(names).toEqual(['zebra-two', 'aardvark-one', 'mango-three']);
      const pages = [];
      for (let page = 1; page <= 3; page++) {
        const response = await get(`/search?q=quaternion&per_page=1&page=${page}`);
        const body = jsonOf(response) as ListJson;
        expect(body).toMatchObject({ total: 3, page, per_page: 1, has_next: page < 3 });
        pages.push(...body.packages.map((pkg) => pkg.name));
      }
      expect(pages).toEqual(names);
      const beyond = jsonOf(await get('/search?q=quaternion&per_page=2&page=3')) as ListJson;
      expect(beyond).toMatchObject({ packages: [], total: 3, has_next: false });
    });

    it('finds names with typos and by prefix: jsn → json, pars → parser', async () => {
      expect(await searchNames('q=jsn')).toContain('json');
      expect((await searchNames('q=jsn'))[0]).toBe('json');
      const pars = await searchNames('q=pars');
      expect(pars[0]).toBe('parser');
      expect(pars).toContain('toml-parser');
      expect((await searchNames('q=serdejson'))[0]).toBe('serde-json');
      expect(await searchNames('q=linalgg')).toContain('linalg');
      // A transposition is two edits: still a typo in a five-letter name.
      expect((await searchNames('q=sedre'))[0]).toBe('serde');
      // Two-letter queries get no typo tolerance, only prefixes.
      expect(await searchNames('q=jx')).toEqual([]);
    });

    it('the edit distance comes from fuzzystrmatch, installed on this backend by migration 003', async () => {
      const { rows } = await registry().ctx.db.query<{ d: number }>("SELECT levenshtein('jsn', 'json') AS d");
      expect(rows[0]!.d).toBe(1);
    });

    it('matches every word of the description: "linear algebra"', async () => {
      expect((await searchNames('q=linear%20algebra'))[0]).toBe('linalg');
      expect((await searchNames('q=Linear+Algebra+routines'))[0]).toBe('linalg');
      expect(await searchNames('q=linear%20cooking')).not.toContain('linalg');
    });

    it('keywords narrow: a repeated keywords parameter must all match', async () => {
      expect((await searchNames('q=matrix')).sort()).toEqual(expect.arrayContaining(['linalg', 'matrixy']));
      expect((await searchNames('q=matrix&keywords=matrix')).sort()).toEqual(['linalg', 'matrixy']);
      expect(await searchNames('q=matrix&keywords=matrix&keywords=vector')).toEqual(['linalg']);
      expect(await searchNames('q=matrix&keywords=MATRIX&keywords=cooking')).toEqual([]);
      expect(await searchNames('q=json&keywords=toml')).toEqual(['config-loader']);
    });

    it('a category narrows; an unknown category finds nothing', async () => {
      expect((await searchNames('q=matrix&category=math')).sort()).toEqual(['linalg', 'matrixy']);
      expect(await searchNames('q=matrix&category=science')).toEqual(['linalg']);
      expect(await searchNames('q=pars&category=text')).toEqual(['parser']);
      expect(await searchNames('q=matrix&category=cooking')).toEqual([]);
      expect(await searchNames('q=matrix&category=science&keywords=vector')).toEqual(['linalg']);
    });

    it('finds packages by the authors of their latest version and by their owners, not by e-mail addresses', async () => {
      const r = registry();
      await published(r, people.owner.auth, {
        name: 'owned-thing',
        version: '1.0.0',
        description: 'Something owned',
        extra: 'authors = ["Grace Hopper <grace@navy.example>"]',
      });
      expect(await searchNames('q=hopper')).toEqual(['owned-thing']);
      expect(await searchNames('q=Grace%20Hopper')).toEqual(['owned-thing']);
      expect(await searchNames('q=navy')).toEqual([]);
      expect(await searchNames('q=zedowner')).toEqual(['owned-thing']);

      // The latest version speaks for the authors.
      await published(r, people.owner.auth, { name: 'owned-thing', version: '1.1.0', description: 'Something owned', extra: 'authors = ["Ada Lovelace"]' });
      expect(await searchNames('q=lovelace')).toEqual(['owned-thing']);
      expect(await searchNames('q=hopper')).toEqual([]);

      // Owner changes are searchable at once.
      const pkg = await r.ctx.db.query<{ id: string }>("SELECT id FROM packages WHERE name = 'owned-thing'");
      expect(await searchNames('q=secondzed')).toEqual([]);
      // Written straight to the table (the trigger is under test), then announced as the owner services announce it.
      await r.ctx.db.query('INSERT INTO package_owners (package_id, user_id) VALUES ($1, $2)', [pkg.rows[0]!.id, people.second.user.id]);
      await packageChanged(r.ctx, 'owned-thing');
      expect(await searchNames('q=secondzed')).toEqual(['owned-thing']);
      await r.ctx.db.query('DELETE FROM package_owners WHERE package_id = $1 AND user_id = $2', [pkg.rows[0]!.id, people.second.user.id]);
      await packageChanged(r.ctx, 'owned-thing');
      expect(await searchNames('q=secondzed')).toEqual([]);
    });

    it('leaves out packages whose every version is yanked, even by exact name, and brings them back on unyank', async () => {
      expect(await searchNames('q=yanked-json')).not.toContain('yanked-json');
      expect(await searchNames('q=old-yanked-only')).not.toContain('old-yanked-only');
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'yank-cycle', version: '1.0.0', description: 'Comes and goes' });
      expect((await searchNames('q=yank-cycle'))[0]).toBe('yank-cycle');
      const yank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yank-cycle/versions/1.0.0/yank', headers: author.auth });
      expect(yank.statusCode, yank.body).toBe(200);
      expect(await searchNames('q=yank-cycle')).not.toContain('yank-cycle');
      const unyank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yank-cycle/versions/1.0.0/unyank', headers: author.auth });
      expect(unyank.statusCode, unyank.body).toBe(200);
      expect((await searchNames('q=yank-cycle'))[0]).toBe('yank-cycle');
    });

    it('q is required, not blank, at most 200 characters; other parameters are bounded (400 Error body)', async () => {
      expectErrorBody(await get('/search'), 400, 'invalid_request');
      expectErrorBody(await get('/search?q='), 400, 'invalid_request');
      expectErrorBody(await get('/search?q=%20%20%09'), 400, 'invalid_request');
      expectErrorBody(await get(`/search?q=${'a'.repeat(201)}`), 400, 'invalid_request');
      expect((await get(`/search?q=${'a'.repeat(200)}`)).statusCode).toBe(200);
      expectErrorBody(await get('/search?q=json&per_page=101'), 400, 'invalid_request');
      expectErrorBody(await get('/search?q=json&page=0'), 400, 'invalid_request');
      expectErrorBody(await get(`/search?q=json&category=${'c'.repeat(65)}`), 400, 'invalid_request');
      expectErrorBody(await get(`/search?q=json${'&keywords=k'.repeat(11)}`), 400, 'invalid_request');
    });

    it('queries made of punctuation, SQL or tsquery syntax are harmless', async () => {
      for (const q of ['!!!', "json' OR 1=1 --", 'json & | ! ( ) :*', '%_\\', 'a', '日本語', 'json:*']) {
        const response = await get(`/search?q=${encodeURIComponent(q)}`);
        expect(response.statusCode, `${q}: ${response.body}`).toBe(200);
        jsonOf(response);
      }
      expect(await searchNames(`q=${encodeURIComponent('%')}`)).toEqual([]);
    });

    it('search is counted in its own rate-limit bucket, apart from the other public GETs', async () => {
      const remaining = async (url: string) => Number((await get(url)).headers['x-ratelimit-remaining']);
      const search1 = await remaining('/search?q=json');
      const other1 = await remaining('/packages?per_page=1');
      const search2 = await remaining('/search?q=json');
      const other2 = await remaining('/stats');
      expect(search2).toBe(search1 - 1);
      expect(other2).toBe(other1 - 1);
    });
  });

  describe('statistics', () => {
    it('GET /stats counts packages, versions, downloads, users, and the last day', async () => {
      const r = registry();
      const before = jsonOf(await get('/stats')) as Record<string, number>;
      const db = r.ctx.db;
      const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
      expect(before).toEqual({
        total_packages: await count('SELECT count(*) AS n FROM packages'),
        total_versions: await count('SELECT count(*) AS n FROM versions'),
        total_downloads: await count('SELECT coalesce(sum(downloads), 0) AS n FROM packages'),
        total_users: await count('SELECT count(*) AS n FROM users'),
        packages_last_day: await count("SELECT count(*) AS n FROM packages WHERE created_at > now() - interval '1 day'"),
        downloads_last_day: before.downloads_last_day,
      });

      const fresh = await seed(r, { name: 'stats-fresh', versions: [{ version: '1.0.0' }, { version: '1.1.0' }] });
      await seed(r, { name: 'stats-old', createdAt: new Date(Date.now() - 3 * 86_400_000) });
      await addDownloads(r, fresh.id, fresh.versionIds['1.0.0']!, day(0), 4);
      await addDownloads(r, fresh.id, fresh.versionIds['1.1.0']!, day(0), 6);
      await addDownloads(r, fresh.id, fresh.versionIds['1.1.0']!, day(1), 1000);
      await signUp(r);
      const after = jsonOf(await get('/stats')) as Record<string, number>;
      expect(after).toEqual({
        total_packages: before.total_packages! + 2,
        total_versions: before.total_versions! + 3,
        total_downloads: before.total_downloads! + 1010,
        total_users: before.total_users! + 1,
        packages_last_day: before.packages_last_day! + 1,
        downloads_last_day: before.downloads_last_day! + 10,
      });
    });

    it('GET /packages/{name}/stats: totals, per version and per day within each period, oldest first', async () => {
      const r = registry();
      const pkg = await seed(r, { name: 'stats-pkg', versions: [{ version: '1.0.0' }, { version: '1.1.0' }, { version: '2.0.0-beta.1' }], createdAt: new Date(Date.now() - 500 * 86_400_000) });
      const v1 = pkg.versionIds['1.0.0']!;
      const v11 = pkg.versionIds['1.1.0']!;
      await addDownloads(r, pkg.id, v11, day(0), 5);
      await addDownloads(r, pkg.id, v1, day(1), 3);
      await addDownloads(r, pkg.id, v1, day(10), 7);
      await addDownloads(r, pkg.id, v11, day(10), 2);
      await addDownloads(r, pkg.id, v1, day(100), 11);
      await addDownloads(r, pkg.id, v1, day(400), 13);

      const stats = async (period?: string) => {
        const response = await get(`/packages/stats-pkg/stats${period ? `?period=${period}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        return jsonOf(response) as {
          total_downloads: number;
          downloads_by_version: Record<string, number>;
          downloads_over_time: Array<{ date: string; downloads: number }>;
        };
      };
      const expectSeries = (series: Array<{ date: string; downloads: number }>, days: number, counts: Record<number, number>) => {
        expect(series).toHaveLength(days);
        expect(series[0]!.date).toBe(day(days - 1));
        expect(series.at(-1)!.date).toBe(day(0));
        series.forEach((entry, index) => expect(entry, entry.date).toEqual({ date: day(days - 1 - index), downloads: counts[days - 1 - index] ?? 0 }));
      };

      const today = await stats('day');
      expect(today.total_downloads).toBe(5);
      expect(today.downloads_by_version).toEqual({ '1.0.0': 0, '1.1.0': 5, '2.0.0-beta.1': 0 });
      expectSeries(today.downloads_over_time, 1, { 0: 5 });

      const week = await stats('week');
      expect(week.total_downloads).toBe(8);
      expect(week.downloads_by_version).toEqual({ '1.0.0': 3, '1.1.0': 5, '2.0.0-beta.1': 0 });
      expectSeries(week.downloads_over_time, 7, { 0: 5, 1: 3 });

      const month = await stats();
      expect(month).toEqual(await stats('month'));
      expect(month.total_downloads).toBe(17);
      expect(month.downloads_by_version).toEqual({ '1.0.0': 10, '1.1.0': 7, '2.0.0-beta.1': 0 });
      expectSeries(month.downloads_over_time, 30, { 0: 5, 1: 3, 10: 9 });

      const year = await stats('year');
      expect(year.total_downloads).toBe(28);
      expectSeries(year.downloads_over_time, 365, { 0: 5, 1: 3, 10: 9, 100: 11 });

      const all = await stats('all');
      expect(all.total_downloads).toBe(41);
      expect(all.downloads_by_version).toEqual({ '1.0.0': 34, '1.1.0': 7, '2.0.0-beta.1': 0 });
      expectSeries(all.downloads_over_time, 501, { 0: 5, 1: 3, 10: 9, 100: 11, 400: 13 });
    });

    it('package stats: a package without downloads, an unknown package (404), an unknown period (400)', async () => {
      await seed(registry(), { name: 'stats-quiet' });
      const quiet = jsonOf(await get('/packages/stats-quiet/stats?period=week')) as { total_downloads: number; downloads_over_time: unknown[] };
      expect(quiet.total_downloads).toBe(0);
      expect(quiet.downloads_over_time).toHaveLength(7);
      expectErrorBody(await get('/packages/no-such-package/stats'), 404, 'not_found');
      expectErrorBody(await get('/packages/stats-quiet/stats?period=decade'), 400, 'invalid_request');
    });
  });

  describe('categories and keywords', () => {
    beforeAll(async () => {
      const r = registry();
      await seed(r, { name: 'kw-one', keywords: ['zeta-alpha', 'zeta-gamma'], categories: ['wasm', 'gui'], downloads: 5 });
      await seed(r, { name: 'kw-two', keywords: ['zeta-alpha', 'zeta-beta'], categories: ['wasm'], downloads: 50 });
      await seed(r, { name: 'kw-three', keywords: ['zeta-alpha', 'zeta-gamma', 'zetaxdelta'], categories: ['wasm'], downloads: 50 });
    });

    it('GET /categories lists every category by slug with its package count', async () => {
      const body = jsonOf(await get('/categories')) as { categories: Array<{ slug: string; name: string; package_count: number }> };
      expect(body.categories).toHaveLength(20);
      expect(body.categories.map((c) => c.slug)).toEqual([...body.categories.map((c) => c.slug)].sort());
      const counts = await registry().ctx.db.query<{ slug: string; n: number }>(
        'SELECT c.slug, count(pc.package_id)::int AS n FROM categories c LEFT JOIN package_categories pc ON pc.category_id = c.id GROUP BY c.slug',
      );
      for (const row of counts.rows) expect(body.categories.find((c) => c.slug === row.slug)?.package_count, row.slug).toBe(row.n);
      expect(body.categories.find((c) => c.slug === 'wasm')).toEqual({ slug: 'wasm', name: 'WebAssembly', description: 'Targeting and embedding WebAssembly.', package_count: 3 });
    });

    it('GET /categories/{slug}: the category and its packages, paginated, most downloaded first; 404 for an unknown slug', async () => {
      const page = async (query: string) => jsonOf(await get(`/categories/wasm${query}`)) as ListJson & { category: { slug: string; package_count: number } };
      const all = await page('');
      expect(all.category).toMatchObject({ slug: 'wasm', package_count: 3 });
      expect(all).toMatchObject({ total: 3, page: 1, per_page: 20, has_next: false });
      expect(all.packages.map((pkg) => pkg.name)).toEqual(['kw-three', 'kw-two', 'kw-one']);
      const first = await page('?per_page=2');
      const second = await page('?per_page=2&page=2');
      expect(first.has_next).toBe(true);
      expect(second.has_next).toBe(false);
      expect([...first.packages, ...second.packages].map((pkg) => pkg.name)).toEqual(['kw-three', 'kw-two', 'kw-one']);
      expect((await page('?sort=name&order=asc')).packages.map((pkg) => pkg.name)).toEqual(['kw-one', 'kw-three', 'kw-two']);
      expect(all.packages[0]!.categories).toEqual(['wasm']);
      expectErrorBody(await get('/categories/cooking'), 404, 'not_found');
      expectErrorBody(await get('/categories/wasm?per_page=1000'), 400, 'invalid_request');
    });

    it('GET /keywords?prefix= lists keywords with package counts, most used first, limited', async () => {
      const keywords = async (query: string) =>
        (jsonOf(await get(`/keywords${query}`)) as { keywords: Array<{ keyword: string; package_count: number }> }).keywords;
      expect(await keywords('?prefix=zeta-')).toEqual([
        { keyword: 'zeta-alpha', package_count: 3 },
        { keyword: 'zeta-gamma', package_count: 2 },
        { keyword: 'zeta-beta', package_count: 1 },
      ]);
      expect(await keywords('?prefix=ZETA-&limit=2')).toEqual([
        { keyword: 'zeta-alpha', package_count: 3 },
        { keyword: 'zeta-gamma', package_count: 2 },
      ]);
      // LIKE wildcards in the prefix are literal characters.
      expect(await keywords('?prefix=zeta_')).toEqual([]);
      expect(await keywords('?prefix=zeta%25')).toEqual([]);
      const everything = await keywords('?limit=100');
      const counts = everything.map((k) => k.package_count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      expect((await keywords('')).length).toBeLessThanOrEqual(20);
      expectErrorBody(await get('/keywords?limit=101'), 400, 'invalid_request');
    });

    it('keyword counts follow keyword changes and package deletion', async () => {
      const r = registry();
      const admin = await signUp(r, { admin: true });
      const owner = await signUp(r);
      await published(r, owner.auth, { name: 'kw-published', version: '1.0.0', extra: 'keywords = ["zeta-beta", "zeta-epsilon"]' });
      const count = async (keyword: string) => {
        const body = jsonOf(await get(`/keywords?prefix=${keyword}`)) as { keywords: Array<{ keyword: string; package_count: number }> };
        return body.keywords.find((k) => k.keyword === keyword)?.package_count ?? 0;
      };
      expect(await count('zeta-beta')).toBe(2);
      expect(await count('zeta-epsilon')).toBe(1);
      const patched = await r.app.inject({ method: 'PATCH', url: '/api/v1/packages/kw-published', headers: owner.auth, payload: { keywords: ['zeta-epsilon', 'zeta-omega'] } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(await count('zeta-beta')).toBe(1);
      expect(await count('zeta-omega')).toBe(1);
      const deleted = await r.app.inject({ method: 'DELETE', url: '/api/v1/packages/kw-published', headers: admin.auth });
      expect(deleted.statusCode, deleted.body).toBeLessThan(300);
      expect(await count('zeta-epsilon')).toBe(0);
      expect(await count('zeta-omega')).toBe(0);
    });
  });

  describe('dependents and READMEs', () => {
    let author: TestUser;

    beforeAll(async () => {
      const r = registry();
      author = await signUp(r);
      await published(r, author.auth, { name: 'dep-base', version: '1.0.0', files: { 'README.md': '# Dep base\n\nFirst <b>README</b>.\n\n<script>alert(1)</script>\n' } });
      await published(r, author.auth, { name: 'dep-base', version: '1.1.0', files: { 'README.md': '# Dep base 1.1\n\nSecond README.\n' } });
      await published(r, author.auth, { name: 'dep-user-a', version: '1.0.0', dependencies: { 'dep-base': '^1.0' } });
      await published(r, author.auth, { name: 'dep-user-b', version: '1.0.0', dependencies: { 'dep-base': '^1.0' } });
      await published(r, author.auth, { name: 'dep-user-b', version: '2.0.0' });
      await published(r, author.auth, { name: 'dep-user-c', version: '1.0.0', dependencies: { 'dep-base': '1.1' } });
      await r.ctx.db.query("UPDATE packages SET downloads = 10 WHERE name = 'dep-user-c'");
    });

    it('GET /packages/{name}/dependents: packages whose latest version depends on it, paginated; 404 for an unknown package', async () => {
      const list = await getList('/packages/dep-base/dependents');
      expect(list.packages.map((pkg) => pkg.name)).toEqual(['dep-user-c', 'dep-user-a']);
      expect(list).toMatchObject({ total: 2, page: 1, per_page: 20, has_next: false });
      const paged = await getAllPages('/packages/dep_base/dependents', 1);
      expect(paged.map((pkg) => pkg.name)).toEqual(['dep-user-c', 'dep-user-a']);
      expect((await getList('/packages/dep-user-a/dependents')).total).toBe(0);
      expectErrorBody(await get('/packages/no-such-package/dependents'), 404, 'not_found');
    });

    it('GET /packages/{name}/versions/{version}/readme: the sanitised HTML stored at publish, `latest` included', async () => {
      const first = await get('/packages/dep-base/versions/1.0.0/readme');
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(first.body).toContain('<h1>Dep base</h1>');
      expect(first.body).toContain('<b>README</b>');
      expect(first.body).not.toContain('<script');
      const stored = await registry().ctx.db.query<{ readme_html: string }>(
        "SELECT v.readme_html FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'dep-base' AND v.version = '1.0.0'",
      );
      expect(first.body).toBe(stored.rows[0]!.readme_html);
      expect(first.headers['content-security-policy']).toContain("default-src 'none'");
      const latest = await get('/packages/dep-base/versions/latest/readme');
      expect(latest.statusCode).toBe(200);
      expect(latest.body).toContain('<h1>Dep base 1.1</h1>');
    });

    it('README 404s: unknown package, unknown version, a version without README, a package without versions', async () => {
      expectErrorBody(await get('/packages/no-such-package/versions/1.0.0/readme'), 404, 'not_found');
      expectErrorBody(await get('/packages/dep-base/versions/9.9.9/readme'), 404, 'not_found');
      expectErrorBody(await get('/packages/dep-base/versions/not-a-version/readme'), 404, 'not_found');
      await seed(registry(), { name: 'readme-less', versions: [{ version: '1.0.0', readmeHtml: null }] });
      expectErrorBody(await get('/packages/readme-less/versions/1.0.0/readme'), 404, 'not_found');
      expectErrorBody(await get('/packages/readme-less/versions/latest/readme'), 404, 'not_found');
      await seed(registry(), { name: 'readme-empty-pkg', versions: [] });
      expectErrorBody(await get('/packages/readme-empty-pkg/versions/latest/readme'), 404, 'not_found');
    });
  });

  describe('GET /summary', () => {
    it('shows the totals and the newest, just updated and most downloaded packages, among those with an available version', async () => {
      const r = registry();
      await seed(r, { name: 'summary-newest', createdAt: new Date(Date.now() + 60_000), updatedAt: new Date(Date.now() + 60_000), downloads: 10_000_000, recentDownloads: 10_000_000 });
      await seed(r, { name: 'summary-unavailable', createdAt: new Date(Date.now() + 120_000), downloads: 20_000_000, recentDownloads: 20_000_000, versions: [{ version: '1.0.0', yanked: true }] });
      const body = jsonOf(await get('/summary')) as Record<string, PackageJson[]> & { stats: Record<string, number>; popular_keywords: Array<{ package_count: number }>; popular_categories: Array<{ package_count: number }> };
      const stats = jsonOf(await get('/stats'));
      expect(body.stats).toEqual(stats);
      for (const list of ['new_packages', 'just_updated', 'most_downloaded', 'most_recently_downloaded']) {
        expect(body[list]!.length, list).toBeGreaterThan(0);
        expect(body[list]!.length, list).toBeLessThanOrEqual(10);
        expect(body[list]![0]!.name, list).toBe('summary-newest');
        expect(body[list]!.map((pkg) => pkg.name), list).not.toContain('summary-unavailable');
        expect(body[list]!.map((pkg) => pkg.name), list).not.toContain('json-unreleased');
      }
      const created = body['new_packages']!.map((pkg) => pkg.created_at);
      expect(created).toEqual([...created].sort().reverse());
      const downloads = body['most_downloaded']!.map((pkg) => pkg.downloads);
      expect(downloads).toEqual([...downloads].sort((a, b) => b - a));
      expect(body.popular_keywords.length).toBeGreaterThan(0);
      expect(body.popular_categories.map((c) => c.package_count)).toEqual([...body.popular_categories.map((c) => c.package_count)].sort((a, b) => b - a));
    });
  });
});
