// `sounio install`, `update` and `tree` end to end: the real CLI against a real registry process. Resolution
// through the sparse index (cached, revalidated with If-None-Match), Sounio.lock in its documented layout, tarballs
// verified against the lock before they are unpacked under vendor/, a lock that still fits used as it is, only
// changed requirements re-resolved, and a tampered cached tarball stopping the install with nothing half-unpacked.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startRegistryForCli, type CliRegistry } from '../helpers/cli.js';
import { tempDir } from '../helpers/registry.js';

function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

describe('sounio install, update and tree', () => {
  let registry: CliRegistry;
  let root: string;
  let app: string;
  let env: Record<string, string>;
  const checksums: Record<string, string> = {};

  async function release(name: string, version: string, dependencies = '', extra = ''): Promise<void> {
    const dir = join(root, 'packages', `${name}-${version}`);
    write(dir, {
      'Sounio.toml': `[package]\nname = "${name}"\nversion = "${version}"\ndescription = "The ${name} package"\nlicense = "MIT"\n${extra}\n[dependencies]\n${dependencies}`,
      'README.md': `# ${name}\n`,
      'src/lib.sio': `// ${name} ${version}\n`,
    });
    const result = await runCli(['publish', '--path', dir], { env });
    expect(result.code, result.stderr).toBe(0);
    const version_ = (await (await fetch(`${registry.url}/api/v1/packages/${name}/versions/${version}`)).json()) as { checksum: string };
    checksums[`${name} ${version}`] = version_.checksum;
  }

  const sounio = (args: string[]) => runCli(args, { cwd: app, env });
  const lockText = () => readFileSync(join(app, 'Sounio.lock'), 'utf8');
  const manifest = (dependencies: string) =>
    writeFileSync(join(app, 'Sounio.toml'), `[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n${dependencies}\n[dev-dependencies]\ntestkit = "1"\n`);

  beforeAll(async () => {
    registry = await startRegistryForCli([{ username: 'alice' }]);
    root = tempDir('sounio-cli-install-');
    env = { SOUNIO_HOME: join(root, 'home'), SOUNIO_REGISTRY: registry.url, SOUNIO_TOKEN: await registry.tokenFor('alice') };
    await release('testkit', '1.0.0');
    await release('geom', '1.0.0');
    await release('geom', '1.1.0');
    await release('linalg', '0.1.0', 'geom = "^1.0"\n');
    // viz's own dev-dependency must not matter to its dependents: the app moves to linalg 0.2 below.
    await release('viz', '2.0.0', 'geom = "^1.1"\n', '\n[dev-dependencies]\nlinalg = "=0.1.0"\n');
    app = join(root, 'app');
    mkdirSync(app);
    manifest('linalg = "^0.1"\nviz = "2"\n');
  }, 180_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('resolves, writes Sounio.lock in its layout, and unpacks every package under vendor/', async () => {
    const result = await sounio(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Resolved 4 packages (index files: 4 downloaded, 0 unchanged)');
    expect(result.stdout).toBe('4 packages in Sounio.lock; 4 newly unpacked under vendor/.\n');
    const source = `registry+${registry.url}`;
    const entry = (name: string, version: string, dependencies: string) =>
      `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = "${source}"\nchecksum = "${checksums[`${name} ${version}`]}"\ndependencies = [${dependencies}]\n`;
    expect(lockText()).toBe(
      '# Written by sounio; do not edit by hand.\nversion = 1\n\n' +
        '[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [ "linalg 0.1.0", "testkit 1.0.0", "viz 2.0.0" ]\n\n' +
        entry('geom', '1.1.0', '') +
        '\n' +
        entry('linalg', '0.1.0', ' "geom 1.1.0" ') +
        '\n' +
        entry('testkit', '1.0.0', '') +
        '\n' +
        entry('viz', '2.0.0', ' "geom 1.1.0" ') +
        '\n',
    );
    expect(readdirSync(join(app, 'vendor')).sort()).toEqual(['geom-1.1.0', 'linalg-0.1.0', 'testkit-1.0.0', 'viz-2.0.0']);
    expect(readFileSync(join(app, 'vendor', 'geom-1.1.0', 'src', 'lib.sio'), 'utf8')).toBe('// geom 1.1.0\n');
    expect(readFileSync(join(app, 'vendor', 'geom-1.1.0', '.sounio-checksum'), 'utf8').trim()).toBe(checksums['geom 1.1.0']);
  });

  it('draws the graph as a tree, marking repeats with (*)', async () => {
    const result = await sounio(['tree']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      ['app 0.1.0', '├── linalg 0.1.0', '│   └── geom 1.1.0', '├── testkit 1.0.0', '└── viz 2.0.0', '    └── geom 1.1.0 (*)', ''].join('\n'),
    );
  });

  it('uses a lock that still satisfies the manifest as it is, even after newer versions appear', async () => {
    await release('geom', '1.2.0');
    const before = lockText();
    const result = await sounio(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Resolved'); // no resolution, no index reads
    expect(result.stdout).toBe('4 packages in Sounio.lock; 0 newly unpacked under vendor/.\n');
    expect(lockText()).toBe(before);
  });

  it('update NAME moves one package, revalidating cached index files; install then unpacks and prunes', async () => {
    const result = await sounio(['update', 'geom']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Updating geom 1.1.0 -> 1.2.0');
    expect(result.stderr).toMatch(/index files: 1 downloaded, 3 unchanged/); // geom changed; the others answered 304
    expect(lockText()).toContain(`checksum = "${checksums['geom 1.2.0']}"`);
    const install = await sounio(['install']);
    expect(install.code, install.stderr).toBe(0);
    expect(readdirSync(join(app, 'vendor')).sort()).toEqual(['geom-1.2.0', 'linalg-0.1.0', 'testkit-1.0.0', 'viz-2.0.0']);
    expect((await sounio(['update'])).stdout).toBe('Sounio.lock is up to date.\n');
    expect((await sounio(['update', 'nonexistent'])).code).toBe(2);
  });

  it('re-resolves only a changed requirement, keeping the other locked versions (and ignoring viz’s dev-dependencies)', async () => {
    await release('linalg', '0.2.0', 'geom = "^1.0"\n');
    await release('geom', '1.3.0');
    manifest('linalg = "^0.2"\nviz = "2"\n');
    const result = await sounio(['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Updating linalg 0.1.0 -> 0.2.0');
    expect(result.stderr).not.toContain('geom'); // still at its locked 1.2.0 although 1.3.0 exists
    expect(lockText()).toContain('"geom 1.2.0"');
    expect(readdirSync(join(app, 'vendor')).sort()).toEqual(['geom-1.2.0', 'linalg-0.2.0', 'testkit-1.0.0', 'viz-2.0.0']);
  });

  it('explains an impossible manifest in sentences and leaves the lock alone', async () => {
    const before = lockText();
    manifest('linalg = "^0.2"\nviz = "2"\ngeom = "^2.0"\n');
    const result = await sounio(['install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: version solving failed\n {2}Because .*geom.*\n/m);
    expect(result.stderr).toContain('version solving failed.');
    expect(lockText()).toBe(before);
    manifest('linalg = "^0.2"\nviz = "2"\n');
  });

  it('stops on a tampered cached tarball with a clear error and leaves nothing half-unpacked', async () => {
    const cacheDir = join(root, 'home', 'cache', 'tarballs');
    const [registryDir] = readdirSync(cacheDir);
    const cached = join(cacheDir, registryDir!, 'geom-1.2.0.tar.gz');
    expect(createHash('sha256').update(readFileSync(cached)).digest('hex')).toBe(checksums['geom 1.2.0']);
    const bytes = readFileSync(cached);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(cached, bytes);
    // Force geom to be unpacked again: remove it from vendor/.
    rmSync(join(app, 'vendor', 'geom-1.2.0'), { recursive: true });
    const result = await sounio(['install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: checksum mismatch for geom 1.2.0: the lock file says ${checksums['geom 1.2.0']}, the cached ${cached} has `);
    expect(existsSync(join(app, 'vendor', 'geom-1.2.0'))).toBe(false);
    expect(readdirSync(join(app, 'vendor')).filter((name) => name.startsWith('.'))).toEqual([]);
    // Removing the bad file lets install fetch and verify it again.
    rmSync(cached);
    const again = await sounio(['install']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(app, 'vendor', 'geom-1.2.0', 'Sounio.toml'))).toBe(true);
  });
});
