// Publishing through the API on each backend: the happy path and what it stores, safe retries, immutability,
// concurrency, the permission matrix, names, yank/unyank, package metadata, owners and deletion.
import { describe, expect, it } from 'vitest';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { packTarball, publish, publishTarball, published, SEED_MANIFEST } from '../helpers/packages.js';
import { createApiToken, signUp, type TestUser } from '../helpers/users.js';

async function versionCount(registry: TestRegistry, name: string): Promise<number> {
  const { rows } = await registry.ctx.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = $1',
    [name],
  );
  return rows[0]!.n;
}

describeEachBackend('publishing', (registry) => {
  let admin: TestUser;
  let stdlibPublished = false;
  const ensureStdlib = async () => {
    if (stdlibPublished) return;
    admin ??= await signUp(registry(), { admin: true });
    await published(registry(), admin.auth, { name: 'stdlib', version: '1.0.0', description: 'The Sounio standard library' });
    stdlibPublished = true;
  };

  describe('a first publish', () => {
    it("publishes the seed's example in one request, creating the package with the publisher as owner", async () => {
      await ensureStdlib();
      const author = await signUp(registry());
      const spec = {
        name: 'my-package',
        version: '0.1.0',
        manifest: SEED_MANIFEST,
        files: { 'README.md': '# my-package\n\nSee [the guide](docs/guide.md).\n\n<script>window.x=1</script>\n' },
      };
      const tarball = await packTarball(spec);
      const response = await publishTarball(registry(), { authorization: `Bearer ${(await createApiToken(registry(), author)).token}` }, 'my-package', '0.1.0', tarball);
      expect(response.statusCode, response.body).toBe(201);
      const version = response.json();
      const { createHash } = await import('node:crypto');
      expect(version).toMatchObject({
        version: '0.1.0',
        package_name: 'my-package',
        published_by: author.user.username,
        checksum: createHash('sha256').update(tarball).digest('hex'),
        size: tarball.length,
        yanked: false,
        dependencies: [{ name: 'stdlib', version_req: '^1.0', kind: 'normal', optional: false, features: [] }],
        features: {},
      });

      const pkg = await registry().app.inject({ method: 'GET', url: '/api/v1/packages/my-package' });
      expect(pkg.statusCode).toBe(200);
      expect(pkg.json()).toMatchObject({
        name: 'my-package',
        description: 'A brief description of my package',
        license: 'MIT',
        repository: 'https://github.com/you/my-package',
        keywords: ['keyword1', 'keyword2'],
        categories: ['math', 'science'],
        latest_version: '0.1.0',
        versions: ['0.1.0'],
        owners: [author.user.username],
      });

      const stored = await registry().ctx.db.query<{ readme_html: string; blob_key: string }>(
        "SELECT v.readme_html, v.blob_key FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'my-package'",
      );
      const html = stored.rows[0]!.readme_html;
      expect(html).toContain('<h1>my-package</h1>');
      expect(html).not.toContain('<script');
      expect(html).toContain('href="https://github.com/you/my-package/blob/HEAD/docs/guide.md"');
      expect(html).toContain('rel="nofollow noopener noreferrer"');
      const blob = await registry().ctx.blobs.stat(stored.rows[0]!.blob_key);
      expect(blob?.size).toBe(tarball.length);

      const audit = await registry().ctx.db.query<{ action: string }>("SELECT action FROM audit_log WHERE user_id = $1 AND action = 'publish'", [author.user.id]);
      expect(audit.rows).toHaveLength(1);
      const mail = registry().outbox().filter((message) => message.to === author.email && /was published/.test(message.subject));
      expect(mail).toHaveLength(1);
    });

    it('publishing the same bytes again answers 200 with the existing version; different bytes 409 version_exists', async () => {
      const author = await signUp(registry());
      const tarball = await packTarball({ name: 'retry-safe', version: '1.0.0' });
      expect((await publishTarball(registry(), author.auth, 'retry-safe', '1.0.0', tarball)).statusCode).toBe(201);
      const again = await publishTarball(registry(), author.auth, 'retry-safe', '1.0.0', tarball);
      expect(again.statusCode).toBe(200);
      expect(again.json().version).toBe('1.0.0');
      const different = await publish(registry(), author.auth, { name: 'retry-safe', version: '1.0.0', files: { 'src/extra.sio': 'x' } });
      expect(different.statusCode).toBe(409);
      expect(different.json()).toMatchObject({ error: 'version_exists', message: 'version 1.0.0 of retry-safe already exists' });
      expect(await versionCount(registry(), 'retry-safe')).toBe(1);
    });

    it('build metadata does not make a new version', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'meta-build', version: '1.0.0+linux' });
      const other = await publish(registry(), author.auth, { name: 'meta-build', version: '1.0.0+mac' });
      expect(other.statusCode).toBe(409);
      expect(other.json().error).toBe('version_exists');
    });

    it('20 concurrent publishes of one version: exactly one 201, the identical others 200', async () => {
      const author = await signUp(registry());
      const tarball = await packTarball({ name: 'race-one', version: '1.0.0' });
      const responses = await Promise.all(Array.from({ length: 20 }, () => publishTarball(registry(), author.auth, 'race-one', '1.0.0', tarball)));
      const statuses = responses.map((response) => response.statusCode).sort();
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      const others = responses.filter((response) => response.statusCode !== 201 && response.statusCode !== 200).map((response) => `${response.statusCode} ${response.body}`);
      expect(statuses.filter((status) => status === 200), others.join('\n')).toHaveLength(19);
      expect(await versionCount(registry(), 'race-one')).toBe(1);
    });

    it('concurrent publishes of one version with different bytes: one 201, the rest 409', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'race-two', version: '0.1.0' });
      const tarballs = await Promise.all(Array.from({ length: 8 }, (_, i) => packTarball({ name: 'race-two', version: '1.0.0', files: { 'src/n.sio': String(i) } })));
      const responses = await Promise.all(tarballs.map((tarball) => publishTarball(registry(), author.auth, 'race-two', '1.0.0', tarball)));
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(7);
      expect(await versionCount(registry(), 'race-two')).toBe(2);
    });

    it('two different versions published at once both succeed; lower versions (backports) are allowed', async () => {
      const author = await signUp(registry());
      const [a, b] = await Promise.all([publish(registry(), author.auth, { name: 'two-at-once', version: '2.0.0' }), publish(registry(), author.auth, { name: 'two-at-once', version: '2.1.0' })]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 201]);
      const backport = await publish(registry(), author.auth, { name: 'two-at-once', version: '1.9.3', description: 'old branch' });
      expect(backport.statusCode).toBe(201);
      const pkg = (await registry().app.inject({ method: 'GET', url: '/api/v1/packages/two-at-once' })).json();
      expect(pkg.versions).toEqual(['2.1.0', '2.0.0', '1.9.3']);
      expect(pkg.latest_version).toBe('2.1.0');
      expect(pkg.description).toBe('The two-at-once package'); // a backport does not speak for the package
    });

    it('a pre-release does not become latest_version while a release exists', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'pre-rel', version: '1.0.0' });
      await published(registry(), author.auth, { name: 'pre-rel', version: '2.0.0-beta.1' });
      const pkg = (await registry().app.inject({ method: 'GET', url: '/api/v1/packages/pre-rel' })).json();
      expect(pkg.latest_version).toBe('1.0.0');
      expect(pkg.versions).toEqual(['2.0.0-beta.1', '1.0.0']);
    });
  });

  describe('who may publish', () => {
    it('anonymous → 401; unverified email → 403 email_unverified; nothing stored', async () => {
      const anonymous = await publish(registry(), { authorization: '' }, { name: 'perm-anon', version: '1.0.0' });
      expect(anonymous.statusCode).toBe(401);
      const unverified = await signUp(registry(), { verified: false });
      const refused = await publish(registry(), unverified.auth, { name: 'perm-unverified', version: '1.0.0' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toBe('email_unverified');
      expect(await versionCount(registry(), 'perm-unverified')).toBe(0);
    });

    it("another user cannot publish to someone's package; an owner and an admin can", async () => {
      await ensureStdlib();
      const owner = await signUp(registry());
      const other = await signUp(registry());
      await published(registry(), owner.auth, { name: 'perm-owned', version: '1.0.0' });
      const refused = await publish(registry(), other.auth, { name: 'perm-owned', version: '1.1.0' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toBe('not_owner');
      expect((await publish(registry(), owner.auth, { name: 'perm-owned', version: '1.1.0' })).statusCode).toBe(201);
      expect((await publish(registry(), admin.auth, { name: 'perm-owned', version: '1.2.0' })).statusCode).toBe(201);
    });

    it('a token without publish → 403 missing_scope; a token whose patterns do not match → 403 package_not_allowed', async () => {
      const owner = await signUp(registry());
      const readOnly = await createApiToken(registry(), owner, { name: 'r', scopes: ['read'] });
      const scoped = await createApiToken(registry(), owner, { name: 'p', scopes: ['publish'], packages: ['perm-allowed*'] });
      const noScope = await publish(registry(), readOnly.auth, { name: 'perm-scope', version: '1.0.0' });
      expect(noScope.statusCode).toBe(403);
      expect(noScope.json()).toMatchObject({ error: 'missing_scope', details: { required_scope: 'publish' } });
      const wrongPattern = await publish(registry(), scoped.auth, { name: 'perm-other', version: '1.0.0' });
      expect(wrongPattern.statusCode).toBe(403);
      expect(wrongPattern.json().error).toBe('package_not_allowed');
      expect((await publish(registry(), scoped.auth, { name: 'perm-allowed-one', version: '1.0.0' })).statusCode).toBe(201);
    });
  });

  describe('names', () => {
    it('the canonical form is taken: foo_bar cannot exist beside foo-bar', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'name-foo-bar', version: '1.0.0' });
      const clash = await publish(registry(), author.auth, { name: 'name_foo_bar', version: '1.0.0' });
      expect(clash.statusCode).toBe(409);
      expect(clash.json()).toMatchObject({ error: 'name_taken', details: { existing: 'name-foo-bar' } });
      const create = await registry().app.inject({ method: 'POST', url: '/api/v1/packages', headers: author.auth, payload: { name: 'name_foo_bar' } });
      expect(create.statusCode).toBe(409);
    });

    it('reserved names are for admins; look-alikes are refused naming the existing package', async () => {
      const author = await signUp(registry());
      const reserved = await publish(registry(), author.auth, { name: 'core', version: '1.0.0' });
      expect(reserved.statusCode).toBe(403);
      expect(reserved.json().error).toBe('name_reserved');
      expect((await publish(registry(), author.auth, { name: 'com1', version: '1.0.0' })).json().error).toBe('name_reserved');
      admin ??= await signUp(registry(), { admin: true });
      expect((await publish(registry(), admin.auth, { name: 'core', version: '1.0.0' })).statusCode).toBe(201);

      await published(registry(), author.auth, { name: 'serious', version: '1.0.0' });
      const lookAlike = await publish(registry(), author.auth, { name: 'seri0us', version: '1.0.0' });
      expect(lookAlike.statusCode).toBe(409);
      expect(lookAlike.json()).toMatchObject({ error: 'name_too_similar', details: { similar_to: 'serious' } });
      expect(lookAlike.json().message).toContain('serious');
    });
  });

  describe('yank', () => {
    it('yank and unyank answer the Version, move latest_version, and are audited', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'yanky', version: '1.0.0' });
      await published(registry(), author.auth, { name: 'yanky', version: '1.1.0' });
      const yank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yanky/versions/1.1.0/yank', headers: author.auth, payload: { reason: 'broken build' } });
      expect(yank.statusCode).toBe(200);
      expect(yank.json()).toMatchObject({ version: '1.1.0', yanked: true, yanked_reason: 'broken build' });
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/yanky' })).json().latest_version).toBe('1.0.0');
      const unyank = await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yanky/versions/1.1.0/unyank', headers: author.auth });
      expect(unyank.json()).toMatchObject({ yanked: false });
      expect(unyank.json()).not.toHaveProperty('yanked_reason');
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/yanky' })).json().latest_version).toBe('1.1.0');
      const other = await signUp(registry());
      expect((await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yanky/versions/1.0.0/yank', headers: other.auth })).statusCode).toBe(403);
      expect((await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yanky/versions/9.9.9/yank', headers: author.auth })).statusCode).toBe(404);
      const actions = await registry().ctx.db.query<{ action: string }>("SELECT action FROM audit_log WHERE user_id = $1 AND action IN ('yank', 'unyank') ORDER BY id", [author.user.id]);
      expect(actions.rows.map((row) => row.action)).toEqual(['yank', 'unyank']);
    });

    it('a yanked version number is still never reused', async () => {
      const author = await signUp(registry());
      await published(registry(), author.auth, { name: 'yank-reuse', version: '1.0.0' });
      await registry().app.inject({ method: 'POST', url: '/api/v1/packages/yank-reuse/versions/1.0.0/yank', headers: author.auth });
      const again = await publish(registry(), author.auth, { name: 'yank-reuse', version: '1.0.0', files: { 'src/fix.sio': 'fixed' } });
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toBe('version_exists');
    });
  });

  describe('package metadata and deletion', () => {
    it('POST /packages creates an empty package; PATCH changes hold until the highest version is published', async () => {
      const author = await signUp(registry());
      const created = await registry().app.inject({ method: 'POST', url: '/api/v1/packages', headers: author.auth, payload: { name: 'empty-first', description: 'Coming soon', keywords: ['soon'], categories: ['math'] } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'empty-first', latest_version: '', versions: [], owners: [author.user.username], categories: ['math'] });
      const patched = await registry().app.inject({ method: 'PATCH', url: '/api/v1/packages/empty-first', headers: author.auth, payload: { description: 'Patched', homepage: 'https://example.org' } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ description: 'Patched', homepage: 'https://example.org' });
      expect((await registry().app.inject({ method: 'PATCH', url: '/api/v1/packages/empty-first', headers: author.auth, payload: { categories: ['cooking'] } })).statusCode).toBe(400);
      await published(registry(), author.auth, { name: 'empty-first', version: '1.0.0', description: 'From the manifest' });
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/empty-first' })).json().description).toBe('From the manifest');
      const other = await signUp(registry());
      expect((await registry().app.inject({ method: 'PATCH', url: '/api/v1/packages/empty-first', headers: other.auth, payload: { description: 'mine now' } })).statusCode).toBe(403);
    });

    it('DELETE is for admins; afterwards 404, the name is unavailable to others, and no old version can return', async () => {
      const author = await signUp(registry());
      admin ??= await signUp(registry(), { admin: true });
      await published(registry(), author.auth, { name: 'doomed', version: '1.0.0' });
      await published(registry(), author.auth, { name: 'doomed', version: '1.1.0' });
      expect((await registry().app.inject({ method: 'DELETE', url: '/api/v1/packages/doomed', headers: author.auth })).statusCode).toBe(403);
      const deleted = await registry().app.inject({ method: 'DELETE', url: '/api/v1/packages/doomed', headers: admin.auth });
      expect(deleted.statusCode).toBe(204);
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/packages/doomed' })).statusCode).toBe(404);
      const recreate = await publish(registry(), author.auth, { name: 'doomed', version: '2.0.0' });
      expect(recreate.statusCode).toBe(409);
      expect(recreate.json().error).toBe('name_unavailable');
      const adminOld = await publish(registry(), admin.auth, { name: 'doomed', version: '1.0.0' });
      expect(adminOld.statusCode).toBe(409);
      expect(adminOld.json().error).toBe('version_exists');
      expect((await publish(registry(), admin.auth, { name: 'doomed', version: '3.0.0' })).statusCode).toBe(201);
    });
  });

  describe('owners', () => {
    it('invite, accept, decline, list, remove (never the last), with mail', async () => {
      const owner = await signUp(registry());
      const invitee = await signUp(registry());
      const decliner = await signUp(registry());
      await published(registry(), owner.auth, { name: 'shared-pkg', version: '1.0.0' });
      const invite = await registry().app.inject({ method: 'PUT', url: '/api/v1/packages/shared-pkg/owners', headers: owner.auth, payload: { users: [invitee.user.username, decliner.user.username] } });
      expect(invite.statusCode).toBe(200);
      expect(invite.json().invited).toEqual([invitee.user.username, decliner.user.username]);
      const mail = registry().outbox().filter((message) => message.to === invitee.email && /invites you/.test(message.subject));
      expect(mail).toHaveLength(1);

      const listed = await registry().app.inject({ method: 'GET', url: '/api/v1/packages/shared-pkg/owners', headers: owner.auth });
      expect(listed.json().users).toEqual([{ username: owner.user.username }]);
      expect(listed.json().invitations.map((i: { username: string }) => i.username).sort()).toEqual([invitee.user.username, decliner.user.username].sort());
      const publicView = await registry().app.inject({ method: 'GET', url: '/api/v1/packages/shared-pkg/owners' });
      expect(publicView.json()).not.toHaveProperty('invitations');

      const mine = await registry().app.inject({ method: 'GET', url: '/api/v1/me/owner-invitations', headers: invitee.auth });
      expect(mine.json().invitations).toEqual([expect.objectContaining({ package: 'shared-pkg', invited_by: owner.user.username })]);
      expect((await publish(registry(), invitee.auth, { name: 'shared-pkg', version: '1.1.0' })).statusCode).toBe(403);
      const accept = await registry().app.inject({ method: 'POST', url: '/api/v1/me/owner-invitations/shared-pkg', headers: invitee.auth, payload: { accept: true } });
      expect(accept.statusCode).toBe(200);
      expect(accept.json().accepted).toBe(true);
      expect((await publish(registry(), invitee.auth, { name: 'shared-pkg', version: '1.1.0' })).statusCode).toBe(201);
      const decline = await registry().app.inject({ method: 'POST', url: '/api/v1/me/owner-invitations/shared-pkg', headers: decliner.auth, payload: { accept: false } });
      expect(decline.json().accepted).toBe(false);
      expect((await registry().app.inject({ method: 'POST', url: '/api/v1/me/owner-invitations/shared-pkg', headers: decliner.auth, payload: { accept: true } })).statusCode).toBe(404);

      const pkg = (await registry().app.inject({ method: 'GET', url: '/api/v1/packages/shared-pkg' })).json();
      expect(pkg.owners).toEqual([owner.user.username, invitee.user.username]);
      const removed = await registry().app.inject({ method: 'DELETE', url: `/api/v1/packages/shared-pkg/owners/${owner.user.username}`, headers: invitee.auth });
      expect(removed.statusCode).toBe(200);
      const last = await registry().app.inject({ method: 'DELETE', url: `/api/v1/packages/shared-pkg/owners/${invitee.user.username}`, headers: invitee.auth });
      expect(last.statusCode).toBe(409);
      expect(last.json().error).toBe('last_owner');
      const changed = registry().outbox().filter((message) => message.to === owner.email && /owners of shared-pkg changed/.test(message.subject));
      expect(changed.length).toBeGreaterThanOrEqual(2);
    });

    it('an expired invitation cannot be accepted', async () => {
      const owner = await signUp(registry());
      const invitee = await signUp(registry());
      await published(registry(), owner.auth, { name: 'stale-invite', version: '1.0.0' });
      await registry().app.inject({ method: 'PUT', url: '/api/v1/packages/stale-invite/owners', headers: owner.auth, payload: { users: [invitee.user.username] } });
      await registry().ctx.db.query("UPDATE owner_invitations SET expires_at = now() - interval '1 second'");
      const accept = await registry().app.inject({ method: 'POST', url: '/api/v1/me/owner-invitations/stale-invite', headers: invitee.auth, payload: { accept: true } });
      expect(accept.statusCode).toBe(410);
      expect(accept.json().error).toBe('invitation_expired');
    });
  });

  describe('secrets in form fields', () => {
    it('the readme and changelog fields are scanned like the files: refused, nothing stored', async () => {
      const author = await signUp(registry());
      const leaked = await publish(registry(), author.auth, { name: 'form-secret', version: '1.0.0' }, { readme: '# Setup\n\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7REALKEY\n' });
      expect(leaked.statusCode).toBe(400);
      expect(leaked.json()).toMatchObject({ error: 'secret_detected', details: { findings: [{ file: 'readme (form field)', line: 3, kind: 'aws_access_key' }] } });
      expect(leaked.body).not.toContain('AKIAIOSFODNN7REALKEY');
      expect(await versionCount(registry(), 'form-secret')).toBe(0);
    });
  });

  describe('dependencies', () => {
    it('every dependency must be a package here with a matching, non-yanked version', async () => {
      await ensureStdlib();
      const author = await signUp(registry());
      const unknown = await publish(registry(), author.auth, { name: 'dep-unknown', version: '1.0.0', dependencies: { 'no-such-package': '1' } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toMatchObject({ error: 'unknown_dependency', details: { dependency: 'no-such-package' } });
      const unsatisfied = await publish(registry(), author.auth, { name: 'dep-unsat', version: '1.0.0', dependencies: { stdlib: '^2.0' } });
      expect(unsatisfied.statusCode).toBe(400);
      expect(unsatisfied.json().error).toBe('unsatisfiable_dependency');
      expect(await versionCount(registry(), 'dep-unknown')).toBe(0);
      expect(await versionCount(registry(), 'dep-unsat')).toBe(0);
    });
  });
});
