// POST /api/v1/resolve on each backend: the highest compatible versions sorted by name, with checksums and the
// "name version" edges; yanked versions skipped unless locked; locked versions preferred; names matched
// canonically; conflicts explained in sentences (422 resolution_failed); bad input refused (400); and the package
// budget (422 resolution_too_complex).
import { beforeAll, expect, it } from 'vitest';
import { published } from '../helpers/packages.js';
import { describeEachBackend } from '../helpers/registry.js';
import { signUp, type TestUser } from '../helpers/users.js';

describeEachBackend(
  'POST /resolve',
  (registry) => {
    let author: TestUser;
    const checksums: Record<string, string> = {};
    const resolve = (body: unknown) => registry().app.inject({ method: 'POST', url: '/api/v1/resolve', payload: body as Record<string, unknown> });

    beforeAll(async () => {
      author = await signUp(registry());
      const release = async (name: string, version: string, dependencies: Record<string, string> = {}) => {
        const body = (await published(registry(), author.auth, { name, version, dependencies })) as { checksum: string };
        checksums[`${name} ${version}`] = body.checksum;
      };
      await release('rs-math', '1.0.0');
      await release('rs-math', '1.2.0');
      await release('rs-math', '2.0.0');
      await release('rs-linalg', '0.4.0', { 'rs-math': '^1.0' });
      await release('rs-linalg', '0.5.0', { 'rs-math': '^1.2' });
      await release('rs-plot', '1.0.0', { 'rs-math': '^2.0' });
      await release('rs-chain-d', '1.0.0');
      await release('rs-chain-c', '1.0.0', { 'rs-chain-d': '1' });
      await release('rs-chain-b', '1.0.0', { rs_chain_c: '1' });
      await release('rs-chain-a', '1.0.0', { 'rs-chain-b': '1' });
      const yank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/rs-math/versions/1.2.0/yank', headers: author.auth, payload: {} });
      expect(yank.statusCode, yank.body).toBe(200);
    });

    it('answers every package of the graph, sorted by name, with checksums and edges, skipping yanked versions', async () => {
      const response = await resolve({ dependencies: { 'rs-linalg': '^0.4' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({
        packages: [
          { name: 'rs-linalg', version: '0.4.0', checksum: checksums['rs-linalg 0.4.0'], dependencies: ['rs-math 1.0.0'] },
          { name: 'rs-math', version: '1.0.0', checksum: checksums['rs-math 1.0.0'], dependencies: [] },
        ],
      });
    });

    it('keeps a locked version even when it is yanked, and prefers locked versions over newer ones', async () => {
      const locked = await resolve({ dependencies: { 'rs-math': '^1' }, lock: [{ name: 'rs-math', version: '1.2.0' }] });
      expect(locked.statusCode, locked.body).toBe(200);
      expect(locked.json().packages).toEqual([expect.objectContaining({ name: 'rs-math', version: '1.2.0' })]);
      const older = await resolve({ dependencies: { 'rs-math': '*' }, lock: [{ name: 'rs-math', version: '1.0.0' }] });
      expect(older.json().packages).toEqual([expect.objectContaining({ name: 'rs-math', version: '1.0.0' })]);
      const unlocked = await resolve({ dependencies: { 'rs-math': '*' } });
      expect(unlocked.json().packages).toEqual([expect.objectContaining({ name: 'rs-math', version: '2.0.0' })]);
    });

    it('matches names canonically and answers them as published', async () => {
      const response = await resolve({ dependencies: { rs_chain_a: '^1' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().packages.map((p: { name: string; dependencies: string[] }) => [p.name, p.dependencies])).toEqual([
        ['rs-chain-a', ['rs-chain-b 1.0.0']],
        ['rs-chain-b', ['rs-chain-c 1.0.0']],
        ['rs-chain-c', ['rs-chain-d 1.0.0']],
        ['rs-chain-d', []],
      ]);
    });

    it('explains a conflict in sentences with 422 resolution_failed', async () => {
      const response = await resolve({ dependencies: { 'rs-plot': '^1.0', 'rs-linalg': '^0.4' } });
      expect(response.statusCode, response.body).toBe(422);
      const body = response.json() as { error: string; message: string; details: { packages: string[] } };
      expect(body.error).toBe('resolution_failed');
      expect(body.message).toMatch(/^Because /);
      expect(body.message).toContain('rs-math');
      expect(body.message).toMatch(/version solving failed\.$/);
      expect(body.details.packages).toEqual(expect.arrayContaining(['rs-math']));
      const missing = await resolve({ dependencies: { 'rs-nothing-here': '^1' } });
      expect(missing.statusCode).toBe(422);
      expect(missing.json().message).toContain('rs-nothing-here');
    });

    it('refuses malformed requests with 400', async () => {
      for (const body of [
        {},
        { dependencies: { 'rs-math': '' } },
        { dependencies: { 'rs-math': '>= 1 || < 2' } },
        { dependencies: { '../etc': '1' } },
        { dependencies: { 'rs-math': '1' }, lock: [{ name: 'rs-math', version: 'one' }] },
        { dependencies: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, '1'])) },
      ]) {
        const response = await resolve(body);
        expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(response.json()).toHaveProperty('error');
      }
    });

  },
);

describeEachBackend(
  'POST /resolve within its budget',
  (registry) => {
    it('stops at the package budget with 422 resolution_too_complex', async () => {
      const author = await signUp(registry());
      for (const [name, dependency] of [['bd-e', null], ['bd-d', 'bd-e'], ['bd-c', 'bd-d'], ['bd-b', 'bd-c'], ['bd-a', 'bd-b']] as const) {
        await published(registry(), author.auth, { name, version: '1.0.0', ...(dependency !== null && { dependencies: { [dependency]: '1' } }) });
      }
      const within = await registry().app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { dependencies: { 'bd-d': '1' } } });
      expect(within.statusCode, within.body).toBe(200);
      const response = await registry().app.inject({ method: 'POST', url: '/api/v1/resolve', payload: { dependencies: { 'bd-a': '1' } } });
      expect(response.statusCode, response.body).toBe(422);
      expect(response.json()).toMatchObject({ error: 'resolution_too_complex', details: { limit: 'maxPackages', value: 3 } });
    });
  },
  { env: { RESOLVE_MAX_PACKAGES: '3' } },
);
