// The tarball rules: one hostile archive per rule (built by test/fixtures/tarballs.ts) refused with its code, valid
// layouts reported faithfully, and decompression bombs stopped without inflating past the limit.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TARBALL_LIMITS,
  inspectTarball,
  MAX_KEPT_FILES,
  type TarballErrorCode,
  type TarballLimits,
  type TarballReport,
  type TarballResult,
} from '../../src/core/tarball.js';
import { formatToken } from '../../src/core/token-format.js';
import {
  buildTar,
  buildTarball,
  END_OF_ARCHIVE,
  folderPackage,
  gzipWithHeaderFields,
  HOSTILE,
  longNameEntry,
  MANIFEST,
  manifestEntry,
  manyFilesBomb,
  paxEntry,
  rawEntry,
  rawTarball,
  rootPackage,
  streamOf,
  TEST_LIMITS,
  trailingZerosBomb,
  zeroFileBomb,
} from '../fixtures/tarballs.js';

const MiB = 1024 * 1024;

function inspect(bytes: Buffer, options: { chunkSize?: number; limits?: Partial<TarballLimits> } = {}): Promise<TarballResult> {
  return inspectTarball(streamOf(bytes, { chunkSize: options.chunkSize }), { ...TEST_LIMITS, ...options.limits });
}

async function accepted(bytes: Buffer, options: { chunkSize?: number; limits?: Partial<TarballLimits> } = {}): Promise<TarballReport> {
  const result = await inspect(bytes, options);
  if (!result.ok) throw new Error(`refused: ${result.error.code}: ${result.error.message}`);
  return result.report;
}

async function refusal(bytes: Buffer, options: { chunkSize?: number; limits?: Partial<TarballLimits> } = {}): Promise<TarballErrorCode> {
  const result = await inspect(bytes, options);
  if (result.ok) throw new Error('accepted');
  return result.error.code;
}

function sounioToken(): string {
  for (;;) {
    const made = formatToken(randomBytes(64));
    if (made !== null) return made;
  }
}

const ALL_CODES: TarballErrorCode[] = [
  'not_gzip',
  'corrupt_archive',
  'truncated_archive',
  'trailing_data',
  'tarball_too_large_unpacked',
  'too_many_entries',
  'unsupported_entry',
  'unsafe_path',
  'invalid_path',
  'path_too_long',
  'duplicate_path',
  'git_directory',
  'mixed_layout',
  'missing_manifest',
  'manifest_too_large',
  'header_mismatch',
  'empty_archive',
];

describe('hostile tarballs', () => {
  it('has a fixture for every error code, and at least 30 of them', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
    expect(new Set(HOSTILE.map((fixture) => fixture.code))).toEqual(new Set(ALL_CODES));
    expect(new Set(HOSTILE.map((fixture) => fixture.name)).size).toBe(HOSTILE.length);
  });

  it.each(HOSTILE.map((fixture) => [fixture.name, fixture] as const))('refuses %s', async (_, fixture) => {
    const result = await inspect(await fixture.build());
    expect(result.ok ? 'accepted' : `${result.error.code}: ${result.error.message}`).toMatch(new RegExp(`^${fixture.code}:`));
    if (result.ok || fixture.path === undefined) return;
    expect(result.error.path).toBe(fixture.path);
    expect(result.error.message).toContain(JSON.stringify(fixture.path).slice(1, -1));
  });

  it('reaches the same verdicts whatever the size of the pieces the upload arrives in', async () => {
    for (const fixture of HOSTILE) {
      if (fixture.code === 'tarball_too_large_unpacked') continue; // the bombs get their own tests
      const bytes = await fixture.build();
      for (const chunkSize of [1, 7, 512, 4096]) {
        expect(`${fixture.name} / ${chunkSize}: ${await refusal(bytes, { chunkSize })}`).toBe(`${fixture.name} / ${chunkSize}: ${fixture.code}`);
      }
    }
  });

  it('escapes control characters in messages, so a name cannot forge a line', async () => {
    const result = await inspect(await buildTarball(rootPackage([{ name: 'x\n[INFO] all good', content: 'x' }])));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toContain('\n');
  });
});

describe('decompression bombs', () => {
  // With level-1 gzip, zeros compress about 230:1: the compressed bytes pulled from the upload tell how many bytes
  // were inflated. One 1 KiB piece of upload is at most ~230 KiB inflated.
  const chunkSize = 1024;

  async function pulledBeforeRefusal(bomb: Buffer): Promise<{ code: string; pulled: number }> {
    let pulled = 0;
    const result = await inspectTarball(streamOf(bomb, { chunkSize, onRead: (bytes) => (pulled += bytes) }), TEST_LIMITS);
    return { code: result.ok ? 'accepted' : result.error.code, pulled };
  }

  it('refuses a file declared past the limit at its header, before inflating it', async () => {
    const bomb = await zeroFileBomb(64 * MiB);
    const { code, pulled } = await pulledBeforeRefusal(bomb);
    expect(code).toBe('tarball_too_large_unpacked');
    expect(pulled).toBeLessThanOrEqual(4 * chunkSize); // the header is in the first piece
    expect(bomb.length).toBeGreaterThan(100 * chunkSize);
  });

  it('stops inflating files that only add up past the limit close to the limit', async () => {
    const inflated = 64 * MiB;
    const bomb = await manyFilesBomb(64, 1 * MiB);
    const { code, pulled } = await pulledBeforeRefusal(bomb);
    expect(code).toBe('tarball_too_large_unpacked');
    const ratio = inflated / bomb.length;
    const inflatedEstimate = pulled * ratio;
    expect(inflatedEstimate).toBeLessThan(TEST_LIMITS.maxUnpackedBytes * 1.1 + 4 * chunkSize * ratio);
    expect(pulled).toBeLessThan(bomb.length / 8);
  });

  it('stops inflating zeros after the end-of-archive blocks close to the limit', async () => {
    const inflated = 64 * MiB;
    const bomb = await trailingZerosBomb(inflated);
    const { code, pulled } = await pulledBeforeRefusal(bomb);
    expect(code).toBe('tarball_too_large_unpacked');
    const ratio = inflated / bomb.length;
    expect(pulled * ratio).toBeLessThan(TEST_LIMITS.maxUnpackedBytes * 1.1 + 4 * chunkSize * ratio);
    expect(pulled).toBeLessThan(bomb.length / 8);
  });

  it('accepts an archive of exactly the limit and refuses one byte less of allowance', async () => {
    const tar = await buildTar(rootPackage([{ name: 'data.bin', content: Buffer.alloc(100_000, 1) }]));
    const gz = gzipSync(tar);
    expect((await accepted(gz, { limits: { maxUnpackedBytes: tar.length } })).unpackedBytes).toBe(tar.length);
    expect(await refusal(gz, { limits: { maxUnpackedBytes: tar.length - 1 } })).toBe('tarball_too_large_unpacked');
  });
});

describe('valid packages', () => {
  it('reads a package at the archive root', async () => {
    const tar = await buildTar(rootPackage());
    const report = await accepted(gzipSync(tar));
    expect(report.root).toBeNull();
    expect(report.files).toEqual([
      { path: 'Sounio.toml', size: MANIFEST.length },
      { path: 'README.md', size: '# hello\n\nSays hello.\n'.length },
      { path: 'LICENSE', size: 'MIT License\n'.length },
      { path: 'src/main.sn', size: 'fn main() { print("hello") }\n'.length },
    ]);
    expect(report.directories).toEqual(['src']);
    expect(report.manifest.toString()).toBe(MANIFEST);
    expect([...report.kept.keys()]).toEqual(['README.md', 'LICENSE']);
    expect(report.kept.get('LICENSE')?.toString()).toBe('MIT License\n');
    expect(report.secrets).toEqual([]);
    expect(report.tokens).toEqual([]);
    expect(report.unpackedBytes).toBe(tar.length);
  });

  it('reads a package inside one top folder, with paths relative to it', async () => {
    const report = await accepted(await buildTarball(folderPackage('hello-1.0.0', [{ name: 'src/lib/deep/x.sn', content: 'x' }])));
    expect(report.root).toBe('hello-1.0.0');
    expect(report.files.map((file) => file.path)).toEqual(['Sounio.toml', 'README.md', 'LICENSE', 'src/main.sn', 'src/lib/deep/x.sn']);
    expect(report.directories).toEqual(['src']);
    expect(report.manifest.toString()).toBe(MANIFEST);
    expect([...report.kept.keys()]).toEqual(['README.md', 'LICENSE']);
  });

  it('reads a top folder that has no directory entry of its own', async () => {
    const report = await accepted(await buildTarball(folderPackage('hello-1.0.0').slice(1)));
    expect(report.root).toBe('hello-1.0.0');
    expect(report.files[0]).toEqual({ path: 'Sounio.toml', size: MANIFEST.length });
  });

  it('reads nested directories with and without directory entries', async () => {
    const report = await accepted(
      await buildTarball(
        rootPackage([
          { name: 'src/a', type: 'directory' },
          { name: 'src/a/b', type: 'directory' },
          { name: 'src/a/b/c.sn', content: 'c' },
          { name: 'tests/x/y/z.sn', content: 'z' },
          { name: 'empty', type: 'directory' },
        ]),
      ),
    );
    expect(report.root).toBeNull();
    expect(report.directories).toEqual(['src', 'src/a', 'src/a/b', 'empty']);
    expect(report.files.map((file) => file.path)).toContain('tests/x/y/z.sn');
  });

  it('accepts the ./ prefix that `tar -C dir .` writes', async () => {
    const report = await accepted(
      await buildTarball([
        { name: './', type: 'directory' },
        { name: './Sounio.toml', content: MANIFEST },
        { name: './src', type: 'directory' },
        { name: './src/main.sn', content: 'x' },
      ]),
    );
    expect(report.root).toBeNull();
    expect(report.files.map((file) => file.path)).toEqual(['Sounio.toml', 'src/main.sn']);
    expect(report.directories).toEqual(['src']);
  });

  it('settles the layout as entries arrive, keeping only files at the package root', async () => {
    const report = await accepted(
      await buildTarball([
        { name: 'docs/README.md', content: 'not the package README' },
        { name: 'docs/Sounio.toml', content: 'not the manifest' },
        { name: 'Sounio.toml', content: MANIFEST },
        { name: 'README.md', content: 'the README' },
      ]),
    );
    expect(report.root).toBeNull();
    expect(report.manifest.toString()).toBe(MANIFEST);
    expect([...report.kept]).toEqual([['README.md', Buffer.from('the README')]]);
  });

  it('keeps README, LICENSE, LICENCE, COPYING and CHANGELOG files by prefix, ignoring case, within the caps', async () => {
    const report = await accepted(
      await buildTarball([
        { name: 'Sounio.toml', content: MANIFEST },
        { name: 'readme.txt', content: 'r' },
        { name: 'License-MIT', content: 'm' },
        { name: 'LICENCE', content: 'l' },
        { name: 'COPYING', content: 'c' },
        { name: 'CHANGELOG.md', content: 'h' },
        { name: 'NOTICE', content: 'n' },
        { name: 'docs/README.md', content: 'nested' },
        { name: 'README.big', content: 'x'.repeat(TEST_LIMITS.maxKeptFileBytes + 1) },
      ]),
    );
    expect([...report.kept.keys()]).toEqual(['readme.txt', 'License-MIT', 'LICENCE', 'COPYING', 'CHANGELOG.md']);
    expect(report.files.map((file) => file.path)).toContain('README.big');

    const many = await accepted(
      await buildTarball([{ name: 'Sounio.toml', content: MANIFEST }, ...Array.from({ length: 20 }, (_, i) => ({ name: `README.${i}`, content: 'r' }))]),
    );
    expect(many.kept.size).toBe(MAX_KEPT_FILES);
    expect(many.files).toHaveLength(21);
  });

  it('accepts the largest manifest, the longest path and the most entries the limits allow', async () => {
    const longest = `src/${'a'.repeat(TEST_LIMITS.maxPathBytes - 4)}`;
    const report = await accepted(
      await buildTarball([
        { name: 'Sounio.toml', content: MANIFEST + '#'.repeat(TEST_LIMITS.maxManifestBytes - MANIFEST.length) },
        { name: longest, content: 'x' },
        ...Array.from({ length: TEST_LIMITS.maxEntries - 2 }, (_, i) => ({ name: `f${i}`, content: '' })),
      ]),
    );
    expect(report.manifest.length).toBe(TEST_LIMITS.maxManifestBytes);
    expect(report.files).toHaveLength(TEST_LIMITS.maxEntries);
    expect(report.files[1]?.path).toBe(longest);
  });

  it('reads long and UTF-8 names through pax headers and GNU long names', async () => {
    const long = `src/${'b'.repeat(150)}/${'c'.repeat(90)}.sn`;
    const report = await accepted(
      await buildTarball(rootPackage([{ name: long, content: 'x' }, { name: 'docs/café-日本.md', content: 'y' }])),
    );
    expect(report.files.map((file) => file.path)).toEqual(expect.arrayContaining([long, 'docs/café-日本.md']));

    const gnuName = `src/${'g'.repeat(200)}.sn`;
    const gnu = await accepted(rawTarball(manifestEntry(), longNameEntry(gnuName), rawEntry({ name: 'truncated-name', content: 'z' })));
    expect(gnu.files.map((file) => file.path)).toEqual(['Sounio.toml', gnuName]);
  });

  it('accepts what git archive and GNU tar write: a global pax comment and zero record padding', async () => {
    const report = await accepted(
      gzipSync(Buffer.concat([paxEntry({ comment: 'a1b2c3d4' }, 'g'), manifestEntry(), END_OF_ARCHIVE, Buffer.alloc(10240 - 3 * 512 - 1024)])),
    );
    expect(report.files.map((file) => file.path)).toEqual(['Sounio.toml']);
  });

  it('reads gzip headers with a file name, a comment, extra fields and a header CRC', async () => {
    const report = await accepted(gzipWithHeaderFields(await buildTar(rootPackage())));
    expect(report.manifest.toString()).toBe(MANIFEST);
  });

  it('accepts any chunking of the upload', async () => {
    const bytes = await buildTarball(folderPackage('hello-1.0.0', [{ name: 'src/big.sn', content: 'x'.repeat(3000) }]));
    const expected = await accepted(bytes);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2048 }), async (chunkSize) => {
        expect(await accepted(bytes, { chunkSize })).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('reads a plain NodeJS.ReadableStream too, and passes stream failures on', async () => {
    const bytes = await buildTarball(rootPackage());
    expect((await inspectTarball(Readable.from([bytes]), TEST_LIMITS)).ok).toBe(true);
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(inspectTarball(failing, TEST_LIMITS)).rejects.toThrow('disk gone');
  });

  it('has the documented default limits', () => {
    expect(DEFAULT_TARBALL_LIMITS).toEqual({
      maxUnpackedBytes: 100 * MiB,
      maxEntries: 10_000,
      maxPathBytes: 255,
      maxManifestBytes: 1 * MiB,
      maxKeptFileBytes: 1 * MiB,
    });
  });
});

describe('secret scanning of the files', () => {
  it('reports secrets with paths relative to the package root and hands back our tokens', async () => {
    const token = sounioToken();
    const report = await accepted(
      await buildTarball(
        folderPackage('hello-1.0.0', [
          { name: 'src/config.sn', content: `// config\nlet region = "eu"\nlet key = "AKIA${'Q'.repeat(16)}"\n` },
          { name: 'deploy/.env', content: 'X=1\n' },
          { name: 'notes.md', content: `publish with\n\n    ${token}\n` },
        ]),
      ),
    );
    expect(report.secrets).toEqual([
      { path: 'src/config.sn', line: 3, kind: 'aws_access_key' },
      { path: 'deploy/.env', line: 1, kind: 'env_file' },
      { path: 'notes.md', line: 3, kind: 'sounio_token' },
    ]);
    expect(report.tokens).toEqual([token]);
    expect(JSON.stringify(report.secrets)).not.toContain(token);
  });

  it('does not text-scan binary files', async () => {
    const binary = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), Buffer.from(`AKIA${'Z'.repeat(16)}`)]);
    const report = await accepted(await buildTarball(rootPackage([{ name: 'logo.png', content: binary }])));
    expect(report.secrets).toEqual([]);
  });

  it('finds a secret deep in a file larger than one scan window, on the right line', async () => {
    const line = 'x'.repeat(99) + '\n';
    const body = line.repeat(25_000) + `ghp_${'a1B2'.repeat(9)}\n`; // ~2.5 MB, several windows
    const report = await accepted(await buildTarball(rootPackage([{ name: 'data/big.txt', content: body }])));
    expect(report.secrets).toEqual([{ path: 'data/big.txt', line: 25_001, kind: 'github_token' }]);
  });
});
