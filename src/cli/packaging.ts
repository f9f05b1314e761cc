// From a package directory to the .tar.gz the registry receives: which files go in (the manifest's `include` and
// `exclude` as gitignore patterns, the directory's .gitignore, and what never belongs in a package), the secret
// scan that refuses a pack before anything leaves the machine, and a reproducible archive: the same files give
// the same bytes (sorted entries, fixed mtime, owner and mode, no gzip timestamp), so publishing again after a
// failed upload is recognised by the registry as the identical version.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ignore, { type Ignore } from 'ignore';
import tar from 'tar-stream';
import { DEFAULT_TARBALL_LIMITS, MANIFEST_NAME } from '../core/tarball.js';
import { scanFile, type SecretFinding } from '../core/secrets.js';
import type { Manifest } from '../core/manifest.js';
import { CliError } from './errors.js';

/** Never packed, whatever the manifest says: build output, VCS data, lock files, shell history, vendored deps. */
const ALWAYS_EXCLUDED = ['/target/', '.git/', '*.lock', '.sounio_history', '/vendor/'];
/** Every archive entry's mtime (npm uses the same moment): a fixed date keeps archives byte-identical. */
export const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');
const FILE_MODE = 0o644;
/** Byte 9 of a gzip header names the OS that wrote it; 255 (unknown) keeps archives equal across platforms. */
const GZIP_OS_BYTE = 9;

export interface PackageFile {
  /** Relative to the package directory, with `/`. */
  path: string;
  size: number;
  content: Buffer;
}

export interface PackageContents {
  files: PackageFile[];
  /** Paths left out that a person may have expected to be packed (symbolic links). */
  skipped: string[];
}

function readGitignore(dir: string): string[] {
  try {
    return readFileSync(join(dir, '.gitignore'), 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}

/** The files of the package in `dir`, sorted by path, with their contents. */
export function collectFiles(dir: string, manifest: Manifest): PackageContents {
  const excluded: Ignore = ignore().add(ALWAYS_EXCLUDED).add(`/${manifest.name}-*.tar.gz`).add(readGitignore(dir)).add(manifest.exclude ?? []);
  const included: Ignore | null = manifest.include !== undefined ? ignore().add(manifest.include) : null;
  const files: PackageFile[] = [];
  const skipped: string[] = [];

  const walk = (relative: string): void => {
    const entries = readdirSync(join(dir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!excluded.ignores(`${path}/`)) walk(path);
        continue;
      }
      if (excluded.ignores(path)) continue;
      if (path !== MANIFEST_NAME && included !== null && !included.ignores(path)) continue;
      if (entry.isSymbolicLink()) {
        skipped.push(path);
        continue;
      }
      if (!entry.isFile()) continue;
      const content = readFileSync(join(dir, path));
      files.push({ path, size: content.length, content });
    }
  };
  walk('');
  if (lstatSync(join(dir, MANIFEST_NAME), { throwIfNoEntry: false }) === undefined) {
    throw new CliError(`there is no ${MANIFEST_NAME} in ${dir}`);
  }
  return { files, skipped };
}

/** The checks the registry makes on the files, made before packing so a refusal costs no upload. */
export function contentProblems(manifest: Manifest, files: readonly PackageFile[]): CliError | null {
  const readme = manifest.readme ?? 'README.md';
  if (!files.some((file) => file.path === readme)) {
    return new CliError(
      `The package has no ${readme}; add a README so people know what it does.`,
      manifest.include !== undefined ? { hint: `If it exists, add it to \`include\` in ${MANIFEST_NAME}.` } : {},
    );
  }
  if (files.length > DEFAULT_TARBALL_LIMITS.maxEntries) {
    return new CliError(`the package has ${files.length} files; the registry accepts at most ${DEFAULT_TARBALL_LIMITS.maxEntries}`, {
      hint: `Leave some out with \`exclude\` in ${MANIFEST_NAME}.`,
    });
  }
  const prefix = `${manifest.name}-${manifest.version}/`;
  const long = files.filter((file) => Buffer.byteLength(prefix + file.path) > DEFAULT_TARBALL_LIMITS.maxPathBytes);
  if (long.length > 0) {
    return new CliError(`${long.length} path(s) are longer than the registry's ${DEFAULT_TARBALL_LIMITS.maxPathBytes} bytes`, {
      details: long.slice(0, 10).map((file) => file.path),
    });
  }
  return null;
}

/** Secrets (keys, tokens, private keys) in the files; a single one refuses the pack. */
export function findSecrets(files: readonly PackageFile[]): SecretFinding[] {
  return files.flatMap((file) => scanFile(file.path, file.content));
}

export function secretsError(findings: readonly SecretFinding[]): CliError {
  return new CliError(`refusing to pack: ${findings.length} secret${findings.length === 1 ? '' : 's'} found in the package files`, {
    details: findings.slice(0, 20).map((finding) => `${finding.path}${finding.line > 0 ? `:${finding.line}` : ''}: ${finding.kind.replace(/_/g, ' ')}`),
    hint: `Remove them (and rotate any that were real), or leave the files out with \`exclude\` in ${MANIFEST_NAME}.`,
  });
}

/** The reproducible .tar.gz: every entry under `{name}-{version}/`, in path order, with fixed metadata. */
export async function packFiles(manifest: Manifest, files: readonly PackageFile[]): Promise<Buffer> {
  const prefix = `${manifest.name}-${manifest.version}`;
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: `${prefix}/${file.path}`, size: file.size, mode: FILE_MODE, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        file.content,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  await ended;
  const gzipped = gzipSync(Buffer.concat(chunks), { level: 9 });
  gzipped[GZIP_OS_BYTE] = 255;
  return gzipped;
}
