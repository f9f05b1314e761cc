// `admin seed` (services/seed.ts) on each backend: the synthetic corpus is written in bulk, yet reads as if it had
// been published: every package document, version and index line is served; every download's bytes hash to the
// recorded checksum; the search document equals what the triggers would have written (the seed writes it itself
// when it defers them, so this catches the two drifting apart); keywords are counted; search finds packages by
// their vocabulary; the dependencies resolve; and a second seed resumes without duplicating anything.
import { createHash } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { generateCorpus, seedRegistry, type SeedOptions } from '../../src/services/seed.js';
import { describeEachBackend } from '../helpers/registry.js';

const OPTIONS: SeedOptions = { packages: 60, versionsPerPackage: 4, tarballs: 3, tarballBytes: 2048, seed: 7 };

describeEachBackend('admin seed', (registry) => {
  const corpus = generateCorpus(OPTIONS);
  let first: Awaited<ReturnType<typeof seedRegistry>>;
  const progress: number[] = [];

  beforeAll(async () => {
    first = await seedRegistry(registry().ctx, OPTIONS, ({ done }) => progress.push(done));
  }, 120_000);

  const get = async (url: string) => {
    const response = await registry().app.inject({ method: 'GET', url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response;
  };

  it('writes every package, version and dependency of the corpus, reporting progress', () => {
    expect(first.packages).toBe(OPTIONS.packages);
    expect(first.versions).toBe(OPTIONS.packages * OPTIONS.versionsPerPackage);
    expect(first.dependencies).toBe(corpus.reduce((sum, pkg) => sum + pkg.versions.reduce((n, v) => n + v.deps.length, 0), 0));
    expect(first.dependencies).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(OPTIONS.packages);
  });

  it('serves each package as published ones are: document, versions, index lines with their dependencies', async () => {
    for (const pkg of [corpus[0]!, corpus[17]!, corpus.at(-1)!]) {
      const doc = (await get(`/api/v1/packages/${pkg.name}`)).json();
      expect(doc.name).toBe(pkg.name);
      expect(doc.description).toBe(pkg.description);
      expect(doc.keywords).toEqual(pkg.keywords);
      const latest = [...pkg.versions].reverse().find((v) => !v.yanked)!.version;
      expect(doc.latest_version).toBe(latest);
      const lines = (await get(`/api/v1/index/${pkg.name}`)).body.trim().split('\n').map((line) => JSON.parse(line));
      expect(lines.map((line) => line.vers).sort()).toEqual(pkg.versions.map((v) => v.version).sort());
      for (const version of pkg.versions) {
        const line = lines.find((l) => l.vers === version.version);
        expect(line.yanked).toBe(version.yanked);
        expect(line.deps.map((d: { name: string; req: string; kind: string }) => `${d.name} ${d.req} ${d.kind}`).sort()).toEqual(
          version.deps.map((d) => `${d.name} ${d.req} ${d.kind}`).sort(),
        );
      }
    }
  });

  it('records true checksums: each download hashes to its version checksum', async () => {
    const { rows } = await registry().ctx.db.query<{ name: string; version: string; checksum: string }>(
      `SELECT DISTINCT ON (v.checksum) p.name, v.version, v.checksum FROM versions v JOIN packages p ON p.id = v.package_id ORDER BY v.checksum, p.name`,
    );
    expect(rows.length).toBe(OPTIONS.tarballs);
    for (const row of rows) {
      const download = await get(`/api/v1/packages/${row.name}/versions/${row.version}/download`);
      expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(row.checksum);
    }
  });

  it('writes the search document the triggers would have written, and counts keywords', async () => {
    const { rows } = await registry().ctx.db.query<{ name: string; same: boolean }>(
      `SELECT name, search_vector = package_search_document(id, name, keywords, description, latest_version) AS same FROM packages`,
    );
    expect(rows.length).toBe(OPTIONS.packages);
    expect(rows.filter((row) => !row.same).map((row) => row.name)).toEqual([]);
    const keyword = corpus[0]!.keywords[0]!;
    const expected = corpus.filter((pkg) => pkg.keywords.includes(keyword)).length;
    const { rows: counted } = await registry().ctx.db.query<{ package_count: number }>('SELECT package_count FROM keywords WHERE keyword = $1', [keyword]);
    expect(counted[0]?.package_count).toBe(expected);
  });

  it('is searchable by the corpus vocabulary', async () => {
    const target = corpus[5]!;
    const found = (await get(`/api/v1/search?q=${encodeURIComponent(target.name)}&per_page=50`)).json();
    expect(found.packages.map((p: { name: string }) => p.name)).toContain(target.name);
  });

  it('resolves a seeded package with dependencies', async () => {
    const withDeps = corpus.find((pkg) => pkg.versions.at(-1)!.deps.some((d) => d.kind === 'normal'))!;
    const response = await registry().app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { dependencies: { [withDeps.name]: '*' } } });
    expect(response.statusCode, response.body).toBe(200);
    const packages = response.json().packages as { name: string; version: string }[];
    const chosen = packages.find((p) => p.name === withDeps.name)!;
    const names = packages.map((p) => p.name);
    for (const dep of withDeps.versions.find((v) => v.version === chosen.version)!.deps.filter((d) => d.kind === 'normal')) expect(names).toContain(dep.name);
  });

  it('resumes: a second run skips the packages already there', async () => {
    const again = await seedRegistry(registry().ctx, { ...OPTIONS, packages: OPTIONS.packages + 5 });
    expect(again.packages).toBe(5);
    const { rows } = await registry().ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages');
    expect(rows[0]!.n).toBe(OPTIONS.packages + 5);
  });
});
