// The author's story with the real CLI against a real registry process: the seed's example manifest published
// (after an admin published `stdlib`), retries of the same bytes accepted, changed bytes refused, dry runs, dirty
// git trees, secrets caught before upload, reproducible archives, yank, owners and invitations, search, info and
// tokens. The steps run in order and build on each other.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliOnPty, startRegistryForCli, type CliRegistry, type CliResult } from '../helpers/cli.js';
import { SEED_MANIFEST } from '../helpers/packages.js';
import { tempDir } from '../helpers/registry.js';

const GIT_ENV = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.org', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.org' };

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

interface Entry {
  name: string;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
}

async function entriesOf(tarball: Buffer): Promise<Entry[]> {
  const extract = tar.extract();
  const entries: Entry[] = [];
  extract.on('entry', (header, stream, next) => {
    entries.push({ name: header.name, mode: header.mode ?? -1, mtime: header.mtime?.getTime() ?? -1, uid: header.uid ?? -1, gid: header.gid ?? -1 });
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => extract.on('finish', () => resolve()).on('error', reject));
  extract.end(gunzipSync(tarball));
  await done;
  return entries;
}

describe('sounio publish and the package author’s other commands', () => {
  let registry: CliRegistry;
  let root: string;
  let pkg: string;
  const homes: Record<string, string> = {};

  const as = (user: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> =>
    runCli(args, { cwd: options.cwd ?? pkg, env: { SOUNIO_HOME: homes[user]!, ...options.env } });
  const api = async (path: string) => {
    const response = await fetch(`${registry.url}/api/v1${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    registry = await startRegistryForCli(
      [{ username: 'admin', admin: true }, { username: 'alice' }, { username: 'bob' }, { username: 'carol' }, { username: 'dave' }],
      { RATE_LIMIT_SEARCH_ANON: '3' },
    );
    root = tempDir('sounio-cli-publish-');
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      homes[user] = join(root, `home-${user}`);
      const login = await runCli(['login', '--registry', registry.url, '--token', await registry.tokenFor(user)], { env: { SOUNIO_HOME: homes[user] } });
      expect(login.code, login.stderr).toBe(0);
    }
    // An administrator publishes the reserved `stdlib` the seed's manifest depends on (token from SOUNIO_TOKEN).
    const stdlib = join(root, 'stdlib');
    write(stdlib, {
      'Sounio.toml': '[package]\nname = "stdlib"\nversion = "1.0.0"\ndescription = "The Sounio standard library"\nlicense = "MIT"\n',
      'README.md': '# stdlib\n',
      'src/lib.sio': 'fn id(x: i64) -> i64 { x }\n',
    });
    const published = await runCli(['publish'], { cwd: stdlib, env: { SOUNIO_HOME: join(root, 'home-admin'), SOUNIO_REGISTRY: registry.url, SOUNIO_TOKEN: await registry.tokenFor('admin') } });
    expect(published.code, published.stderr).toBe(0);

    pkg = join(root, 'my-package');
    write(pkg, {
      'Sounio.toml': SEED_MANIFEST,
      'README.md': '# my-package\n\nDoes one thing well.\n',
      'src/main.sio': 'fn main() { println("hello") }\n',
      'target/debug/my-package': 'binary output',
      'Sounio.lock': 'version = 1\n',
      '.sounio_history': 'secret commands typed earlier\n',
    });
    git(pkg, 'init', '-q');
    git(pkg, 'add', '-A');
    git(pkg, 'commit', '-qm', 'first');
  }, 180_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('--dry-run lists what would be packed (never target/, .git/, lock files or shell history) and uploads nothing', async () => {
    const result = await as('alice', ['publish', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    const listed = result.stdout.split('\n').filter((line) => /^\s+\d/.test(line)).map((line) => line.trim().split(/\s+/).pop());
    expect(listed).toEqual(['README.md', 'Sounio.toml', 'src/main.sio']);
    expect(result.stdout).toContain('Dry run: my-package 0.1.0 was not uploaded');
    expect((await api('/packages/my-package')).status).toBe(404);
  });

  it('refuses to publish with uncommitted changes to packed files, naming them', async () => {
    appendFileSync(join(pkg, 'README.md'), '\nMore words.\n');
    const result = await as('alice', ['publish']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: 1 file has uncommitted changes\n   M README.md\nCommit them so the published version matches a commit, or pass --allow-dirty to go ahead anyway.\n');
    expect((await api('/packages/my-package')).status).toBe(404);
    git(pkg, 'commit', '-qam', 'readme');
  });

  let checksum = '';
  it('publishes the seed’s example manifest, creating the package, and prints the version and its web URL', async () => {
    const result = await as('alice', ['publish']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Published my-package 0\.1\.0 \(sha256 [0-9a-f]{64}\)\.\n/);
    expect(result.stdout).toContain(`${registry.url}/packages/my-package/0.1.0\n`);
    expect(result.stderr).toContain('Uploading my-package 0.1.0'); // plain progress lines when stderr is not a terminal
    const version = await api('/packages/my-package/versions/0.1.0');
    expect(version.status).toBe(200);
    expect(version.body['dependencies']).toEqual([expect.objectContaining({ name: 'stdlib', version_req: '^1.0' })]);
    checksum = version.body['checksum'] as string;
  });

  it('packs reproducibly: `sounio package` from a copy with other mtimes gives the published bytes', async () => {
    const copy = join(root, 'copy');
    cpSync(pkg, copy, { recursive: true });
    utimesSync(join(copy, 'README.md'), new Date('2001-01-01'), new Date('2001-01-01'));
    const out = join(root, 'out');
    mkdirSync(out);
    const result = await as('alice', ['package', '--path', copy, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Wrote ');
    const tarball = readFileSync(join(out, 'my-package-0.1.0.tar.gz'));
    expect(createHash('sha256').update(tarball).digest('hex')).toBe(checksum);
    expect(tarball.readUInt32LE(4)).toBe(0); // no gzip timestamp
    const entries = await entriesOf(tarball);
    expect(entries.map((entry) => entry.name)).toEqual(['my-package-0.1.0/README.md', 'my-package-0.1.0/Sounio.toml', 'my-package-0.1.0/src/main.sio']);
    for (const entry of entries) expect(entry).toMatchObject({ mode: 0o644, uid: 0, gid: 0, mtime: entries[0]!.mtime });
  });

  it('publishing the same directory again is "already published, identical" with exit 0', async () => {
    const result = await as('alice', ['publish']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('my-package 0.1.0 is already published, identical: nothing to do.');
  });

  it('publishing changed files under the same version fails with the registry’s one-line error', async () => {
    appendFileSync(join(pkg, 'src/main.sio'), '// a change\n');
    git(pkg, 'commit', '-qam', 'change');
    const result = await as('alice', ['publish']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter((line) => !line.startsWith('Uploading'))[0]).toBe('error: version 0.1.0 of my-package already exists');
  });

  it('--allow-dirty publishes a tree with uncommitted changes', async () => {
    writeFileSync(join(pkg, 'Sounio.toml'), SEED_MANIFEST.replace('version = "0.1.0"', 'version = "0.2.0"'));
    expect((await as('alice', ['publish'])).code).toBe(1);
    const result = await as('alice', ['publish', '--allow-dirty']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Published my-package 0.2.0');
  });

  it('a secret in the package directory stops the pack before anything is uploaded', async () => {
    writeFileSync(join(pkg, 'Sounio.toml'), SEED_MANIFEST.replace('version = "0.1.0"', 'version = "0.3.0"'));
    writeFileSync(join(pkg, 'src/config.sio'), `let token = "ghp_${'a1B2c3D4e5'.repeat(4)}"\n`);
    const result = await as('alice', ['publish', '--allow-dirty']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: refusing to pack: 1 secret found in the package files\n  src/config.sio:1: github token\n');
    expect(result.stderr).not.toContain('Uploading');
    expect((await api('/packages/my-package/versions/0.3.0')).status).toBe(404);
    const dry = await as('alice', ['package', '--allow-dirty', '--out', root]);
    expect(dry.code).toBe(1);
  });

  it('honours include and exclude from the manifest', async () => {
    const dir = join(root, 'filtered');
    write(dir, {
      'Sounio.toml': '[package]\nname = "filtered"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\nexclude = ["docs/drafts/", "*.tmp"]\n',
      'README.md': '# filtered\n',
      'src/a.sio': 'a\n',
      'src/b.tmp': 'b\n',
      'docs/guide.md': 'guide\n',
      'docs/drafts/next.md': 'draft\n',
    });
    const excluded = await as('alice', ['publish', '--dry-run', '--path', dir]);
    expect(excluded.code, excluded.stderr).toBe(0);
    expect(excluded.stdout).toContain('docs/guide.md');
    expect(excluded.stdout).not.toMatch(/drafts|b\.tmp/);
    writeFileSync(join(dir, 'Sounio.toml'), '[package]\nname = "filtered"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\ninclude = ["src/", "README.md"]\n');
    const included = await as('alice', ['publish', '--dry-run', '--path', dir]);
    const listed = included.stdout.split('\n').filter((line) => /^\s+\d/.test(line)).map((line) => line.trim().split(/\s+/).pop());
    expect(listed).toEqual(['README.md', 'Sounio.toml', 'src/a.sio', 'src/b.tmp']);
  });

  it('yanks with a reason and undoes it, from the package directory or with --package', async () => {
    const yank = await as('alice', ['yank', '0.1.0', '--reason', 'prints the wrong greeting']);
    expect(yank.code, yank.stderr).toBe(0);
    expect(yank.stdout).toContain('Yanked my-package 0.1.0');
    const yanked = await api('/packages/my-package/versions/0.1.0');
    expect(yanked.body).toMatchObject({ yanked: true, yanked_reason: 'prints the wrong greeting' });

    const info = await as('alice', ['info', 'my-package@0.1.0'], { cwd: root });
    expect(info.stdout).toMatch(/^my-package 0\.1\.0 \(yanked\)$/m);
    expect(info.stdout).toMatch(/^\s+0\.1\.0\s+\d{4}-\d\d-\d\d\s+yanked$/m);

    const undo = await as('alice', ['yank', '0.1.0', '--undo', '--package', 'my-package'], { cwd: root });
    expect(undo.code, undo.stderr).toBe(0);
    expect((await api('/packages/my-package/versions/0.1.0')).body['yanked']).toBe(false);
    const stranger = await as('bob', ['yank', '0.1.0', '--package', 'my-package'], { cwd: root });
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/^error: /);
  });

  it('sends owner invitations, lists them as pending, and lets invitees accept or decline', async () => {
    const invite = await as('alice', ['owner', '--add', 'bob']);
    expect(invite.code, invite.stderr).toBe(0);
    expect((await as('alice', ['owner', '--add', 'carol'])).code).toBe(0);
    const listed = await as('alice', ['owner', '--list']);
    expect(listed.stdout).toMatch(/^\s+alice\s+owner$/m);
    expect(listed.stdout).toMatch(/^\s+bob\s+invited \(pending\), invited by alice\s+expires \d{4}-\d\d-\d\d$/m);

    const mine = await as('bob', ['invitations'], { cwd: root });
    expect(mine.stdout).toMatch(/^my-package\s+invited by alice\s+expires /m);
    const mineJson = JSON.parse((await as('bob', ['invitations', '--json'], { cwd: root })).stdout) as { invitations: Array<{ package: string }> };
    expect(mineJson.invitations.map((i) => i.package)).toEqual(['my-package']);
    const accept = await as('bob', ['invitations', 'accept', 'my-package'], { cwd: root });
    expect(accept.code, accept.stderr).toBe(0);
    const decline = await as('carol', ['invitations', 'decline', 'my-package'], { cwd: root });
    expect(decline.code, decline.stderr).toBe(0);
    expect((await as('carol', ['invitations'], { cwd: root })).stdout).toContain('No pending owner invitations.');

    const owners = JSON.parse((await as('alice', ['owner', '--list', '--json'])).stdout) as { users: Array<{ username: string }>; invitations: unknown[] };
    expect(owners.users.map((u) => u.username).sort()).toEqual(['alice', 'bob']);
    expect(owners.invitations).toEqual([]);

    expect((await as('alice', ['owner', '--add', 'dave'])).code).toBe(0);
    const cancel = await as('alice', ['owner', '--remove', 'dave']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect((await as('dave', ['invitations'], { cwd: root })).stdout).toContain('No pending owner invitations.');
    const remove = await as('alice', ['owner', '--remove', 'bob']);
    expect(remove.code, remove.stderr).toBe(0);
    expect((await api('/packages/my-package/owners')).body['users']).toEqual([expect.objectContaining({ username: 'alice' })]);
    expect((await as('alice', ['owner', '--list', '--add', 'x'])).code).toBe(2);
  });

  it('search prints an aligned table (and --json the API answer)', async () => {
    const result = await as('alice', ['search', 'my-package'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LATEST\s+DOWNLOADS\s+DESCRIPTION$/);
    const row = lines.find((line) => line.startsWith('my-package '))!;
    expect(row).toMatch(/^my-package\s+0\.2\.0\s+\d+\s+A brief description of my package$/);
    expect(row.indexOf('0.2.0')).toBe(lines[0]!.indexOf('LATEST'));
    const json = JSON.parse((await as('alice', ['search', 'stdlib', '--json'], { cwd: root })).stdout) as { packages: Array<{ name: string }> };
    expect(json.packages[0]!.name).toBe('stdlib');
    expect((await as('alice', ['search', 'zzzqqqxxx'], { cwd: root })).stdout).toBe('No packages match "zzzqqqxxx".\n');
  });

  it('info shows description, versions, dependencies, owners, license and checksum', async () => {
    const result = await as('alice', ['info', 'my-package'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const version = await api('/packages/my-package/versions/0.2.0');
    expect(result.stdout).toMatch(/^my-package 0\.2\.0\nA brief description of my package\n/);
    expect(result.stdout).toMatch(/^license:\s+MIT$/m);
    expect(result.stdout).toMatch(/^owners:\s+alice$/m);
    expect(result.stdout).toMatch(new RegExp(`^checksum:\\s+sha256:${version.body['checksum'] as string}$`, 'm'));
    expect(result.stdout).toContain('install: my-package = "^0.2.0"');
    expect(result.stdout).toMatch(/^dependencies:\n {2}stdlib \^1\.0$/m);
    expect(result.stdout).toMatch(/^versions:\n\s+0\.2\.0\s+\S+\n\s+0\.1\.0\s+\S+$/m);
    const missing = await as('alice', ['info', 'no-such-package'], { cwd: root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*no-such-package/);
  });

  it('creates, lists and revokes tokens; a revoked token is refused', async () => {
    const created = await as('alice', ['token', 'create', 'ci', '--scope', 'publish', '--package', 'my-*', '--expires', '30'], { cwd: root });
    expect(created.code, created.stderr).toBe(0);
    const token = /^\s+(sounio_\S+)$/m.exec(created.stdout)![1]!;
    const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;
    const list = await as('alice', ['token', 'list'], { cwd: root });
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci\\s+publish\\s+my-\\*\\s+\\d{4}-\\d\\d-\\d\\d\\s+never$`, 'm'));
    const useIt = await runCli(['whoami'], { env: { SOUNIO_HOME: join(root, 'nobody'), SOUNIO_REGISTRY: registry.url, SOUNIO_TOKEN: token } });
    expect(useIt.stderr).not.toContain('error: The API token');
    const revoke = await as('alice', ['token', 'revoke', id], { cwd: root });
    expect(revoke.code, revoke.stderr).toBe(0);
    const refused = await runCli(['yank', '0.1.0', '--package', 'my-package'], { env: { SOUNIO_HOME: join(root, 'nobody'), SOUNIO_REGISTRY: registry.url, SOUNIO_TOKEN: token } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: The API token "ci" was revoked on /);
    expect(refused.stderr).toContain('Run `sounio login');
    expect((await as('alice', ['token', 'create', 'x', '--scope', 'root'], { cwd: root })).code).toBe(2);
  });

  it('draws a progress bar when standard error is a terminal', async () => {
    const dir = join(root, 'big');
    // Incompressible bytes, so the upload takes several chunks of the body stream.
    const noise = Array.from({ length: 4000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join('\n');
    write(dir, {
      'Sounio.toml': '[package]\nname = "big-data"\nversion = "1.0.0"\ndescription = "Lots of bytes"\nlicense = "MIT"\n',
      'README.md': '# big-data\n',
      'data/table.txt': noise,
    });
    const result = await runCliOnPty(['publish', '--path', dir], [], { env: { SOUNIO_HOME: homes['alice']!, SOUNIO_REGISTRY: registry.url } });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Uploading big-data 1\.0\.0 \[[█░]+\] 100% \| \d+\.\d KiB \/ \d+\.\d KiB/);
    expect(result.output).toContain('Published big-data 1.0.0');
  });

  it('says how long to wait when rate-limited', async () => {
    const anonymous = { SOUNIO_HOME: join(root, 'anonymous'), SOUNIO_REGISTRY: registry.url };
    let last: CliResult | undefined;
    for (let i = 0; i < 4; i++) last = await runCli(['search', 'stdlib'], { env: anonymous });
    expect(last!.code).toBe(1);
    expect(last!.stderr).toMatch(/^error: .+\n(?:  .+\n)*Wait \d+ (seconds?|minutes) before trying again\.\n$/);
  });
});
