// Hostile publishes through the HTTP API on each backend: every broken archive of the HOSTILE catalogue, every
// manifest and packaging rule, leaked secrets (our own tokens are revoked and their owners told), and malformed or
// oversized uploads. Each refusal is checked for its status, its stable `error` code, the file it names, and that it
// left nothing behind: no package, no version, no permanent version-number record, no blob.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { canonicalName } from '../../src/core/names.js';
import { DEFAULT_TARBALL_LIMITS } from '../../src/core/tarball.js';
import { blobKeyFor } from '../../src/services/publish.js';
import { HOSTILE, MANIFEST, buildTarball, manyFilesBomb, rootPackage, trailingZerosBomb, zeroFileBomb, type HostileCase } from '../fixtures/tarballs.js';
import { multipart, multipartParts, packTarball, publish, publishTarball, published, type FormPart, type PackageSpec } from '../helpers/packages.js';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { createApiToken, signUp } from '../helpers/users.js';

type Response = Awaited<ReturnType<TestRegistry['app']['inject']>>;
type Auth = { authorization: string };

const MiB = 1024 * 1024;
const D = DEFAULT_TARBALL_LIMITS;

// Uploads are streamed to temporary files (src/http/upload.ts): this file gets a TMPDIR of its own, so a refusal can
// be shown to leave none behind.
const previousTmpdir = process.env['TMPDIR'];
const privateTmp = mkdtempSync(join(tmpdir(), 'sounio-hostile-'));
process.env['TMPDIR'] = privateTmp;
afterAll(() => {
  if (previousTmpdir === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = previousTmpdir;
  rmSync(privateTmp, { recursive: true, force: true });
});

function leftoverUploads(): string[] {
  return readdirSync(privateTmp).filter((file) => file.startsWith('sounio-upload-'));
}

// ---------------------------------------------------------------------------------------------------------------
// The HOSTILE catalogue through the API. The registry inspects uploads with DEFAULT_TARBALL_LIMITS and has no
// configuration for the unpacked-size, entry-count or manifest-size limits (none is added for a test), so the cases
// whose refusal exists only under the small TEST_LIMITS are skipped here; each has a counterpart built for the
// default limits below (AT_DEFAULT_LIMITS), so every rule is still crossed through the API.
const NEEDS_TEST_LIMITS: Readonly<Record<string, string>> = {
  'a file of limit+1 zeros': '5 MiB + 1 of zeros is far under the default 100 MiB: the archive is read whole and refused later for its manifest',
  'files that add up past the limit': '8 × 1 MiB is under the default 100 MiB unpacked',
  'zeros after the end-of-archive blocks': '8 MiB of trailing zeros is under the default 100 MiB unpacked (zeros there are legal padding)',
  'one more file than allowed': '101 entries is under the default 10 000',
  'one more directory than allowed': '101 entries is under the default 10 000',
  'a manifest larger than allowed': 'a 64 KiB manifest is under the default 1 MiB',
};

/** The same rules crossed at DEFAULT_TARBALL_LIMITS; each compresses to under 0.5 MiB. */
const AT_DEFAULT_LIMITS: readonly HostileCase[] = [
  { name: 'a file of default-limit+1 zeros', code: 'tarball_too_large_unpacked', path: 'zeros.bin', build: () => zeroFileBomb(D.maxUnpackedBytes + 1) },
  { name: 'files that add up past the default limit', code: 'tarball_too_large_unpacked', build: () => manyFilesBomb(Math.ceil(D.maxUnpackedBytes / MiB) + 1, MiB) },
  { name: 'zeros after the end-of-archive blocks past the default limit', code: 'tarball_too_large_unpacked', build: () => trailingZerosBomb(D.maxUnpackedBytes + MiB) },
  {
    name: 'one more file than the default allows',
    code: 'too_many_entries',
    build: () => buildTarball(rootPackage(Array.from({ length: D.maxEntries }, (_, i) => ({ name: `src/f${i}.sn`, content: '' })))),
  },
  {
    name: 'one more directory than the default allows',
    code: 'too_many_entries',
    build: () => buildTarball(rootPackage(Array.from({ length: D.maxEntries }, (_, i) => ({ name: `d${i}`, type: 'directory' as const })))),
  },
  {
    name: 'a manifest larger than the default allows',
    code: 'manifest_too_large',
    path: 'Sounio.toml',
    build: () => buildTarball([{ name: 'Sounio.toml', content: MANIFEST + '#'.repeat(D.maxManifestBytes) }]),
  },
];

const HOSTILE_VIA_API = [...HOSTILE.filter((fixture) => !(fixture.name in NEEDS_TEST_LIMITS)), ...AT_DEFAULT_LIMITS];

// Every HOSTILE archive that carries a manifest carries MANIFEST; the others are published under the same name.
const HOSTILE_NAME = /name = "([^"]+)"/.exec(MANIFEST)![1]!;
const HOSTILE_VERSION = /version = "([^"]+)"/.exec(MANIFEST)![1]!;

/** Built once per file, shared by both backends (the bombs take a moment). */
const builtArchives = new Map<string, Promise<Buffer>>();
function archiveOf(fixture: HostileCase): Promise<Buffer> {
  let built = builtArchives.get(fixture.name);
  if (built === undefined) builtArchives.set(fixture.name, (built = fixture.build()));
  return built;
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets, assembled at run time so this file does not itself look like it leaks them.

const SECRETS = {
  pemBody: ['MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo', '4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0'].join(''),
  aws: ['AK', 'IA', 'Z3QW7ERT2YUI5OPL'].join(''),
  github: ['gh', 'p_', 'Zq8Lm3Np7Rt2'.repeat(3)].join(''),
  slack: ['xo', 'xb-', '2048-9876543210-', 'aBcDeFgHiJkLmNoP'].join(''),
  npm: ['npm_', 'k3Jd9Qw2Lx8Zr5Tb1Vn7Hy4Pc6Mf0Gs2Ua'].join(''),
  env: 'hunter2-correct-horse-battery-staple',
  ssh: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB',
  credentials: 'cio0f1e2d3c4b5a69788',
};
const PEM = `-----BEGIN ${'RSA PRIVATE'} KEY-----\n${SECRETS.pemBody}\n${'Zm9vYmFy'.repeat(8)}\n-----END ${'RSA PRIVATE'} KEY-----\n`;

// ---------------------------------------------------------------------------------------------------------------

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Stored {
  versions: number;
  packages: number;
  publishedVersions: number;
  blobs: number;
}

async function stored(registry: TestRegistry): Promise<Stored> {
  const count = async (sql: string) => (await registry.ctx.db.query<{ n: number }>(sql)).rows[0]!.n;
  let blobs = 0;
  for await (const _ of registry.ctx.blobs.list('sha256/')) blobs++;
  return {
    versions: await count('SELECT count(*)::int AS n FROM versions'),
    packages: await count('SELECT count(*)::int AS n FROM packages'),
    publishedVersions: await count('SELECT count(*)::int AS n FROM published_versions'),
    blobs,
  };
}

/** No trace of these (new) names, nothing added anywhere since `before`, and no blob for the upload's checksum. */
async function expectNothingStored(registry: TestRegistry, before: Stored, names: readonly string[], tarball: Buffer | undefined): Promise<void> {
  const db = registry.ctx.db;
  for (const name of names) {
    const versions = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.canonical_name = canonical_package_name($1)',
      [name],
    );
    expect(versions.rows[0]!.n, `versions of ${name}`).toBe(0);
    const packages = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages WHERE canonical_name = canonical_package_name($1)', [name]);
    expect(packages.rows[0]!.n, `package ${name}`).toBe(0);
    const records = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM published_versions WHERE canonical_name = $1', [canonicalName(name)]);
    expect(records.rows[0]!.n, `published_versions of ${name}`).toBe(0);
  }
  expect(await stored(registry)).toEqual(before);
  if (tarball !== undefined) expect(await registry.ctx.blobs.stat(blobKeyFor(sha256Hex(tarball)))).toBeNull();
  // The temporary file goes when the response has been sent (onResponse), which may come just after inject resolves.
  await vi.waitFor(() => expect(leftoverUploads()).toEqual([]), { timeout: 2000, interval: 10 });
}

interface Refusal {
  status: number;
  code: string;
  /** The file the refusal is about: `details.file`, and named in the message. */
  file?: string;
  /** `details.field`. */
  field?: string;
}

function expectRefusal(response: Response, expected: Refusal): { error: string; message: string; details?: Record<string, unknown> } {
  expect(response.statusCode, response.body).toBe(expected.status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as { error: string; message: string; details?: Record<string, unknown> };
  expect(body.error, response.body).toBe(expected.code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  if (expected.file !== undefined) {
    expect(body.details?.['file'], response.body).toBe(expected.file);
    // Control characters and backslashes are shown escaped, so a hostile name cannot forge lines in the message.
    expect(body.message).toContain(JSON.stringify(expected.file).slice(1, -1));
  }
  if (expected.field !== undefined) expect(body.details?.['field'], response.body).toBe(expected.field);
  return body;
}

/** An exact-size tarball: a valid package whose incompressible filler is tuned until the .tar.gz has `size` bytes. */
async function tarballOfSize(spec: PackageSpec, size: number): Promise<Buffer> {
  const filler = (length: number): Buffer => {
    const chunks: Buffer[] = [Buffer.alloc(1)]; // a NUL first: binary, so the secret scanner skips it
    for (let i = 0; chunks.length * 32 < length + 32; i++) chunks.push(createHash('sha256').update(`filler ${i}`).digest());
    return Buffer.concat(chunks).subarray(0, length);
  };
  let length = Math.max(1, size - 2048);
  const tried = new Set<number>();
  for (let round = 0; round < 200; round++) {
    const tarball = await packTarball({ ...spec, files: { ...spec.files, 'data/filler.bin': filler(length) } });
    if (tarball.length === size) return tarball;
    tried.add(length);
    let next = length + (size - tarball.length);
    while (tried.has(next)) next += tarball.length < size ? 1 : -1;
    length = Math.max(1, next);
  }
  throw new Error(`could not build a tarball of exactly ${size} bytes`);
}

it('uploads are streamed under the private TMPDIR of this file', () => {
  expect(tmpdir()).toBe(privateTmp);
});

describeEachBackend('hostile publishes', (registry) => {
  let publisher: Auth;

  beforeAll(async () => {
    const user = await signUp(registry(), { verified: true });
    publisher = (await createApiToken(registry(), user, { name: 'hostile publisher' })).auth;
  });

  /** Publishes and expects a refusal that stored nothing; `names` are the (new) names that must stay unknown. */
  async function refused(
    send: () => Promise<Response>,
    expected: Refusal,
    options: { names: readonly string[]; tarball?: Buffer },
  ): Promise<{ response: Response; body: ReturnType<typeof expectRefusal> }> {
    const before = await stored(registry());
    const response = await send();
    const body = expectRefusal(response, expected);
    await expectNothingStored(registry(), before, options.names, options.tarball);
    return { response, body };
  }

  async function refusedSpec(spec: PackageSpec, expected: Refusal, url: { name?: string; version?: string } = {}) {
    const tarball = await packTarball(spec);
    const name = url.name ?? spec.name;
    return refused(() => publishTarball(registry(), publisher, name, url.version ?? spec.version, tarball), expected, {
      names: [...new Set([name, spec.name])],
      tarball,
    });
  }

  describe('every HOSTILE archive', () => {
    it('skips only cases that exist in the catalogue and need its small limits', () => {
      const names = new Set(HOSTILE.map((fixture) => fixture.name));
      for (const name of Object.keys(NEEDS_TEST_LIMITS)) expect(names, name).toContain(name);
      // One counterpart at the default limits for each skipped case.
      expect(AT_DEFAULT_LIMITS.map((fixture) => fixture.code).sort()).toEqual(
        HOSTILE.filter((fixture) => fixture.name in NEEDS_TEST_LIMITS).map((fixture) => fixture.code).sort(),
      );
    });

    it.each(HOSTILE_VIA_API.map((fixture) => [fixture.name, fixture] as const))('refuses %s', async (_, fixture) => {
      const tarball = await archiveOf(fixture);
      await refused(
        () => publishTarball(registry(), publisher, HOSTILE_NAME, HOSTILE_VERSION, tarball),
        { status: 400, code: fixture.code, ...(fixture.path !== undefined && { file: fixture.path }) },
        { names: [HOSTILE_NAME], tarball },
      );
    });
  });

  describe('manifest and packaging rules', () => {
    const manifest = (name: string, extra = '', description: string | null = 'A package') =>
      ['[package]', `name = "${name}"`, 'version = "1.0.0"', ...(description === null ? [] : [`description = "${description}"`]), 'license = "MIT"', extra].join('\n') + '\n';

    it('name_mismatch: Sounio.toml names another package than the URL', async () => {
      await refusedSpec({ name: 'manifest-says-this', version: '1.0.0' }, { status: 400, code: 'name_mismatch', file: 'Sounio.toml', field: 'package.name' }, { name: 'url-says-that' });
    });

    it('version_mismatch: the form version is not the manifest version', async () => {
      await refusedSpec({ name: 'form-version', version: '1.0.0' }, { status: 400, code: 'version_mismatch', file: 'Sounio.toml', field: 'package.version' }, { version: '1.0.1' });
    });

    it('wrong_root_folder: the top folder is not {name}-{version}/', async () => {
      await refusedSpec({ name: 'wrong-folder', version: '1.0.0', layout: 'wrong-folder-2.0.0' }, { status: 400, code: 'wrong_root_folder', file: 'wrong-folder-2.0.0/' });
    });

    it('missing_readme: no README.md', async () => {
      await refusedSpec({ name: 'no-readme', version: '1.0.0', files: { 'README.md': null } }, { status: 400, code: 'missing_readme', file: 'README.md' });
    });

    it('missing_readme: the README the manifest names is absent', async () => {
      await refusedSpec({ name: 'named-readme', version: '1.0.0', extra: 'readme = "docs/INTRO.md"' }, { status: 400, code: 'missing_readme', file: 'docs/INTRO.md' });
    });

    it('missing_license_file: license-file names a file that is not in the package', async () => {
      await refusedSpec(
        { name: 'no-license-file', version: '1.0.0', manifest: manifest('no-license-file', 'license-file = "LICENSE.txt"') },
        { status: 400, code: 'missing_license_file', file: 'LICENSE.txt' },
      );
    });

    const invalidManifests: ReadonlyArray<{ title: string; name: string; text: string; field: string; version?: string }> = [
      { title: 'publish = false', name: 'never-publish', text: manifest('never-publish', 'publish = false'), field: 'package.publish' },
      { title: 'a git dependency', name: 'git-dep', text: manifest('git-dep', '\n[dependencies]\nfoo = { git = "https://example.org/foo.git" }'), field: 'dependencies.foo' },
      { title: 'a path dependency', name: 'path-dep', text: manifest('path-dep', '\n[dependencies]\nfoo = { path = "../foo" }'), field: 'dependencies.foo' },
      {
        title: 'a git dev-dependency with a version',
        name: 'git-dev-dep',
        text: manifest('git-dev-dep', '\n[dev-dependencies]\nbar = { git = "https://example.org/bar.git", version = "^1.0" }'),
        field: 'dev-dependencies.bar',
      },
      { title: 'a renamed dependency (package = ...)', name: 'renamed-dep', text: manifest('renamed-dep', '\n[dependencies]\nfoo = { package = "bar", version = "^1.0" }'), field: 'dependencies.foo' },
      { title: 'an invalid requirement', name: 'bad-req', text: manifest('bad-req', '\n[dependencies]\nfoo = "not a requirement"'), field: 'dependencies.foo' },
      { title: 'a dependency without a version', name: 'no-dep-version', text: manifest('no-dep-version', '\n[dependencies]\nfoo = { features = ["x"] }'), field: 'dependencies.foo' },
      { title: 'a bad SPDX license', name: 'bad-license', text: manifest('bad-license').replace('license = "MIT"', 'license = "Not A License"'), field: 'package.license' },
      { title: 'no license at all', name: 'no-license', text: manifest('no-license').replace('license = "MIT"\n', ''), field: 'package.license' },
      {
        title: '11 keywords',
        name: 'many-keywords',
        text: manifest('many-keywords', `keywords = [${Array.from({ length: 11 }, (_, i) => `"k${i}"`).join(', ')}]`),
        field: 'package.keywords',
      },
      { title: 'an invalid keyword', name: 'bad-keyword', text: manifest('bad-keyword', 'keywords = ["Not OK!"]'), field: 'package.keywords' },
      { title: 'an unknown category', name: 'odd-category', text: manifest('odd-category', 'categories = ["no-such-category"]'), field: 'package.categories' },
      { title: 'a description over 500 characters', name: 'long-description', text: manifest('long-description', '', 'x'.repeat(501)), field: 'package.description' },
      { title: 'no description', name: 'no-description', text: manifest('no-description', '', null), field: 'package.description' },
      { title: 'a homepage that is not an http URL', name: 'bad-homepage', text: manifest('bad-homepage', 'homepage = "javascript:alert(1)"'), field: 'package.homepage' },
      { title: 'a version that is not SemVer', name: 'bad-version', text: manifest('bad-version').replace('version = "1.0.0"', 'version = "1.0"'), field: 'package.version', version: '1.0' },
      { title: 'an invalid package name', name: 'bad-name', text: manifest('Bad Name'), field: 'package.name' },
      { title: 'no [package] table', name: 'no-package-table', text: 'name = "no-package-table"\nversion = "1.0.0"\n', field: 'package' },
      { title: 'invalid TOML', name: 'broken-toml', text: '[package\nname = "broken-toml"\nversion = "1.0.0"\n', field: 'Sounio.toml' },
    ];

    it.each(invalidManifests.map((entry) => [entry.title, entry] as const))('invalid_manifest: %s', async (_, entry) => {
      const version = entry.version ?? '1.0.0';
      const { body } = await refusedSpec(
        { name: entry.name, version, manifest: entry.text, layout: 'flat' },
        { status: 400, code: 'invalid_manifest', file: 'Sounio.toml', field: entry.field },
      );
      expect(body.details?.['problems']).toEqual(expect.arrayContaining([expect.objectContaining({ field: entry.field })]));
    });

    describe('dependencies', () => {
      let base: string;
      beforeAll(async () => {
        base = 'hostile-dep-base';
        await published(registry(), publisher, { name: base, version: '1.0.0' });
        await published(registry(), publisher, { name: base, version: '2.0.0' });
        const yank = await registry().app.inject({ method: 'POST', url: `/api/v1/packages/${base}/versions/2.0.0/yank`, headers: publisher });
        expect(yank.statusCode, yank.body).toBe(200);
      });

      it('unknown_dependency: a dependency that is not a package of the registry', async () => {
        const { body } = await refusedSpec(
          { name: 'wants-ghost', version: '1.0.0', dependencies: { 'ghost-package': '^1.0' } },
          { status: 400, code: 'unknown_dependency' },
        );
        expect(body.details).toMatchObject({ dependency: 'ghost-package' });
        expect(body.message).toContain('ghost-package');
      });

      it('unsatisfiable_dependency: no published version matches', async () => {
        const { body } = await refusedSpec(
          { name: 'wants-future', version: '1.0.0', dependencies: { [base]: '^3.0' } },
          { status: 400, code: 'unsatisfiable_dependency' },
        );
        expect(body.details).toMatchObject({ dependency: base, requirement: '^3.0' });
      });

      it('unsatisfiable_dependency: only a yanked version matches', async () => {
        const { body } = await refusedSpec(
          { name: 'wants-yanked', version: '1.0.0', dependencies: { [base]: '^2.0' } },
          { status: 400, code: 'unsatisfiable_dependency' },
        );
        expect(body.details).toMatchObject({ dependency: base, requirement: '^2.0' });
      });
    });
  });

  describe('secrets', () => {
    const secretCases: ReadonlyArray<{ title: string; name: string; files: Record<string, string>; secret: string; findings: Array<{ file: string; line: number; kind: string }> }> = [
      {
        title: 'a private key in a source file',
        name: 'leaks-private-key',
        files: { 'src/tls.sio': `// TLS setup\nlet key = """\n${PEM}"""\n` },
        secret: SECRETS.pemBody,
        findings: [{ file: 'src/tls.sio', line: 3, kind: 'private_key' }],
      },
      {
        title: 'an AWS access key',
        name: 'leaks-aws-key',
        files: { 'src/config.sio': `fn config() {\n  let id = "${SECRETS.aws}"\n}\n` },
        secret: SECRETS.aws,
        findings: [{ file: 'src/config.sio', line: 2, kind: 'aws_access_key' }],
      },
      {
        title: 'a GitHub token',
        name: 'leaks-github-token',
        files: { 'scripts/release.sh': `#!/bin/sh\n# release\nexport GITHUB_TOKEN=${SECRETS.github}\n` },
        secret: SECRETS.github,
        findings: [{ file: 'scripts/release.sh', line: 3, kind: 'github_token' }],
      },
      {
        title: 'a .env file',
        name: 'leaks-env-file',
        files: { '.env': `API_SECRET=${SECRETS.env}\n` },
        secret: SECRETS.env,
        findings: [{ file: '.env', line: 1, kind: 'env_file' }],
      },
      {
        title: 'a nested .env.production file',
        name: 'leaks-env-production',
        files: { 'deploy/.env.production': `# prod\nAPI_SECRET=${SECRETS.env}\n` },
        secret: SECRETS.env,
        findings: [{ file: 'deploy/.env.production', line: 1, kind: 'env_file' }],
      },
      {
        title: 'a Slack token',
        name: 'leaks-slack-token',
        files: { 'src/notify.sio': `let slack = "${SECRETS.slack}"\n` },
        secret: SECRETS.slack,
        findings: [{ file: 'src/notify.sio', line: 1, kind: 'slack_token' }],
      },
      {
        title: 'an .npmrc with a token',
        name: 'leaks-npmrc',
        files: { '.npmrc': `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${SECRETS.npm}\n` },
        secret: SECRETS.npm,
        findings: [{ file: '.npmrc', line: 2, kind: 'npm_token' }],
      },
      {
        title: 'an SSH private key file by name',
        name: 'leaks-ssh-key',
        files: { 'keys/id_ed25519': `${SECRETS.ssh}\n` },
        secret: SECRETS.ssh,
        findings: [{ file: 'keys/id_ed25519', line: 1, kind: 'ssh_private_key' }],
      },
      {
        title: 'a credentials.toml with a token',
        name: 'leaks-credentials',
        files: { 'credentials.toml': `[registry]\ntoken = "${SECRETS.credentials}"\n` },
        secret: SECRETS.credentials,
        findings: [{ file: 'credentials.toml', line: 2, kind: 'credentials_file' }],
      },
      {
        title: 'several secrets in several files',
        name: 'leaks-several',
        files: { 'src/config.sio': `let id = "${SECRETS.aws}"\n`, '.env': 'X=1\n', 'docs/notes.md': `# notes\n\n${SECRETS.github}\n` },
        secret: SECRETS.aws,
        findings: [
          { file: '.env', line: 1, kind: 'env_file' },
          { file: 'docs/notes.md', line: 3, kind: 'github_token' },
          { file: 'src/config.sio', line: 1, kind: 'aws_access_key' },
        ],
      },
    ];

    it.each(secretCases.map((entry) => [entry.title, entry] as const))('secret_detected: %s', async (_, entry) => {
      const { response, body } = await refusedSpec({ name: entry.name, version: '1.0.0', files: entry.files }, { status: 400, code: 'secret_detected' });
      const findings = body.details?.['findings'] as Array<{ file: string; line: number; kind: string }>;
      expect(findings).toHaveLength(entry.findings.length);
      expect(findings).toEqual(expect.arrayContaining(entry.findings));
      expect(body.message).toContain(findings[0]!.file);
      expect(body.message).toContain(findings[0]!.kind.replace(/_/g, ' '));
      for (const secret of Object.values(SECRETS)) expect(response.body).not.toContain(secret);
    });

    it("secret_detected: a real user's sounio_ token is refused, revoked at once, and its owner is told", async () => {
      const victim = await signUp(registry());
      const leaked = await createApiToken(registry(), victim, { name: 'victim laptop' });
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: leaked.auth })).statusCode).toBe(200);
      const mailBefore = registry().outbox().length;

      const { response, body } = await refusedSpec(
        { name: 'leaks-sounio-token', version: '1.0.0', files: { 'src/deploy.sio': `// deploy\nlet token = "${leaked.token}"\n` } },
        { status: 400, code: 'secret_detected' },
      );
      expect(body.details?.['findings']).toEqual([{ file: 'src/deploy.sio', line: 2, kind: 'sounio_token' }]);
      expect(body.message).toContain('src/deploy.sio');
      expect(response.body).not.toContain(leaked.token);
      expect(response.body).not.toContain(leaked.token.slice('sounio_'.length));

      const use = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: leaked.auth });
      expect(use.statusCode).toBe(401);
      expect(use.json().error).toBe('token_revoked');
      const row = await registry().ctx.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1', [leaked.id]);
      expect(row.rows[0]!.revoked_at).not.toBeNull();

      const mail = registry().outbox().slice(mailBefore).filter((message) => message.to === victim.email);
      expect(mail).toHaveLength(1);
      expect(mail[0]!.subject).toMatch(/victim laptop was revoked/);
      expect(mail[0]!.text).toContain('leaks-sounio-token');
      expect(mail[0]!.text).not.toContain(leaked.token);

      // The publisher's own token is untouched.
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: publisher })).statusCode).toBe(200);
    });
  });

  describe('the upload itself', () => {
    const url = (name: string) => `/api/v1/packages/${name}/versions`;
    const sendParts = async (name: string, parts: readonly FormPart[]) => {
      const { payload, headers } = await multipartParts(parts);
      return registry().app.inject({ method: 'POST', url: url(name), payload, headers: { ...headers, ...publisher } });
    };

    it('415 unsupported_media_type: a JSON body instead of multipart', async () => {
      await refused(
        () => registry().app.inject({ method: 'POST', url: url('json-body'), headers: publisher, payload: { version: '1.0.0', tarball: 'H4sIAAAAAAAAA' } }),
        { status: 415, code: 'unsupported_media_type' },
        { names: ['json-body'] },
      );
    });

    it('415 unsupported_media_type: the raw .tar.gz as the body', async () => {
      const tarball = await packTarball({ name: 'raw-body', version: '1.0.0' });
      await refused(
        () => registry().app.inject({ method: 'POST', url: url('raw-body'), headers: { ...publisher, 'content-type': 'application/gzip' }, payload: tarball }),
        { status: 415, code: 'unsupported_media_type' },
        { names: ['raw-body'], tarball },
      );
    });

    it('400 missing_tarball: multipart without the tarball', async () => {
      const { payload, headers } = await multipart({ version: '1.0.0' });
      await refused(
        () => registry().app.inject({ method: 'POST', url: url('no-tarball'), payload, headers: { ...headers, ...publisher } }),
        { status: 400, code: 'missing_tarball', field: 'tarball' },
        { names: ['no-tarball'] },
      );
    });

    it('400 invalid_request: multipart without `version`', async () => {
      const tarball = await packTarball({ name: 'no-version-field', version: '1.0.0' });
      await refused(() => sendParts('no-version-field', [{ name: 'tarball', file: tarball }]), { status: 400, code: 'invalid_request', field: 'version' }, {
        names: ['no-version-field'],
        tarball,
      });
    });

    it('400 invalid_request: an unexpected file field after the tarball', async () => {
      const tarball = await packTarball({ name: 'extra-file-after', version: '1.0.0' });
      await refused(
        () => sendParts('extra-file-after', [{ name: 'version', value: '1.0.0' }, { name: 'tarball', file: tarball }, { name: 'signature', file: Buffer.from('sig') }]),
        // The second file part trips the one-file limit before its name is read, so no `details.field` here.
        { status: 400, code: 'invalid_request' },
        { names: ['extra-file-after'], tarball },
      );
    });

    it('400 invalid_request: an unexpected file field before the tarball', async () => {
      const tarball = await packTarball({ name: 'extra-file-before', version: '1.0.0' });
      await refused(
        () => sendParts('extra-file-before', [{ name: 'version', value: '1.0.0' }, { name: 'package', file: tarball }, { name: 'tarball', file: tarball }]),
        { status: 400, code: 'invalid_request', field: 'package' },
        { names: ['extra-file-before'], tarball },
      );
    });

    it('400 invalid_request: two tarballs', async () => {
      const tarball = await packTarball({ name: 'two-tarballs', version: '1.0.0' });
      await refused(
        () => sendParts('two-tarballs', [{ name: 'version', value: '1.0.0' }, { name: 'tarball', file: tarball }, { name: 'tarball', file: tarball }]),
        { status: 400, code: 'invalid_request' },
        { names: ['two-tarballs'], tarball },
      );
    });

    it('400 invalid_request: an unexpected text field', async () => {
      const tarball = await packTarball({ name: 'extra-text', version: '1.0.0' });
      await refused(
        () => sendParts('extra-text', [{ name: 'version', value: '1.0.0' }, { name: 'name', value: 'something-else' }, { name: 'tarball', file: tarball }]),
        { status: 400, code: 'invalid_request', field: 'name' },
        { names: ['extra-text'], tarball },
      );
    });

    it('400 not_gzip: plain text as the tarball', async () => {
      const text = Buffer.from('[package]\nname = "plain-text"\nversion = "1.0.0"\n');
      await refused(() => sendParts('plain-text', [{ name: 'version', value: '1.0.0' }, { name: 'tarball', file: text, type: 'text/plain' }]), { status: 400, code: 'not_gzip' }, {
        names: ['plain-text'],
        tarball: text,
      });
    });

    it('an unverified user cannot publish, whatever the tarball (403 email_unverified)', async () => {
      const unverified = await signUp(registry(), { verified: false });
      const tarball = await packTarball({ name: 'unverified-pkg', version: '1.0.0' });
      await refused(() => publishTarball(registry(), unverified.auth, 'unverified-pkg', '1.0.0', tarball), { status: 403, code: 'email_unverified' }, {
        names: ['unverified-pkg'],
        tarball,
      });
    });
  });

  it('the publisher can still publish a clean package afterwards (the refusals left nothing in the way)', async () => {
    const response = await publish(registry(), publisher, { name: 'clean-after-all', version: '1.0.0' });
    expect(response.statusCode, response.body).toBe(201);
  });
});

const SMALL_LIMIT = 65536;

describeEachBackend(
  'hostile publishes past MAX_TARBALL_BYTES',
  (registry) => {
    let publisher: Auth;
    beforeAll(async () => {
      const user = await signUp(registry(), { verified: true });
      publisher = (await createApiToken(registry(), user, { name: 'size publisher' })).auth;
    });

    async function expectTooLarge(name: string, tarball: Buffer): Promise<void> {
      const before = await stored(registry());
      const response = await publishTarball(registry(), publisher, name, '1.0.0', tarball);
      const body = expectRefusal(response, { status: 413, code: 'tarball_too_large' });
      expect(body.details).toMatchObject({ limit: SMALL_LIMIT });
      expect(body.message).toContain(String(SMALL_LIMIT));
      await expectNothingStored(registry(), before, [name], tarball);
    }

    it('413 tarball_too_large: one byte over the limit', async () => {
      const tarball = await tarballOfSize({ name: 'one-byte-over', version: '1.0.0' }, SMALL_LIMIT + 1);
      expect(tarball.length).toBe(SMALL_LIMIT + 1);
      await expectTooLarge('one-byte-over', tarball);
    });

    it('413 tarball_too_large: far over the limit', async () => {
      const tarball = await tarballOfSize({ name: 'far-over', version: '1.0.0' }, 4 * SMALL_LIMIT);
      await expectTooLarge('far-over', tarball);
    });

    it('413 tarball_too_large: over the whole body limit too', async () => {
      const tarball = Buffer.concat([await packTarball({ name: 'way-over', version: '1.0.0' }), Buffer.alloc(2 * MiB, 1)]);
      await expectTooLarge('way-over', tarball);
    });

    it('a tarball of exactly the limit is not refused for its size', async () => {
      const tarball = await tarballOfSize({ name: 'exactly-the-limit', version: '1.0.0' }, SMALL_LIMIT);
      expect(tarball.length).toBe(SMALL_LIMIT);
      const response = await publishTarball(registry(), publisher, 'exactly-the-limit', '1.0.0', tarball);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ size: SMALL_LIMIT, checksum: sha256Hex(tarball) });
      expect((await registry().ctx.blobs.stat(blobKeyFor(sha256Hex(tarball))))?.size).toBe(SMALL_LIMIT);
    });
  },
  { env: { MAX_TARBALL_BYTES: String(SMALL_LIMIT) } },
);
