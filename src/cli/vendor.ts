// Getting resolved packages onto disk: each tarball is downloaded once into $SOUNIO_HOME/cache/tarballs, its
// SHA-256 checked against the lock before anything is unpacked, and unpacked under vendor/{name}-{version}/ through
// a temporary directory renamed into place, so a failure (a checksum mismatch, a broken archive, a full disk)
// never leaves half a package behind. A vendored package carries a .sounio-checksum marker; one whose marker
// matches the lock is left alone.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { CliError } from './errors.js';

export const VENDOR_DIR = 'vendor';
export const CHECKSUM_MARKER = '.sounio-checksum';
/** Far above the registry's tarball limit; only a guard against a runaway download. */
export const MAX_TARBALL_BYTES = 64 * 1024 * 1024;

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function mismatch(name: string, version: string, expected: string, actual: string, where: string): CliError {
  return new CliError(`checksum mismatch for ${name} ${version}: the lock file says ${expected}, ${where} has ${actual}`, {
    hint: 'Nothing was unpacked. If you trust the registry, delete the cached file and run `sounio install` again; otherwise report it to the registry operators.',
  });
}

export function cachedTarballPath(cacheRoot: string, registryKey: string, name: string, version: string): string {
  return join(cacheRoot, 'tarballs', registryKey, `${name}-${version}.tar.gz`);
}

export function writeAtomically(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

/** A path inside the archive, relative to its `{name}-{version}/` folder; null when it would escape or is odd. */
function safeRelativePath(entryName: string, prefix: string): string | null {
  if (!entryName.startsWith(prefix)) return null;
  const relative = entryName.slice(prefix.length).replace(/\/+$/, '');
  if (relative === '') return '';
  const normalized = posix.normalize(relative);
  if (normalized !== relative || normalized.startsWith('..') || posix.isAbsolute(normalized) || normalized.includes('\0')) return null;
  return normalized;
}

async function extract(tarball: Buffer, prefix: string, into: string): Promise<void> {
  const extractor = tar.extract();
  extractor.on('entry', (header, stream, next) => {
    const relative = safeRelativePath(header.name, prefix);
    if (relative === null || (header.type !== 'file' && header.type !== 'directory')) {
      stream.resume();
      extractor.destroy(new CliError(`the archive holds an entry that cannot be unpacked safely: ${header.name}`));
      return;
    }
    const target = join(into, relative);
    if (header.type === 'directory') {
      mkdirSync(target, { recursive: true });
      stream.resume();
      stream.on('end', next);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.from([tarball]), createGunzip(), extractor);
}

/**
 * Unpacks a verified tarball as `vendorRoot/{name}-{version}/`: into a temporary sibling first, renamed into place
 * at the end. The caller has checked the checksum.
 */
export async function unpack(vendorRoot: string, name: string, version: string, checksum: string, tarball: Buffer): Promise<void> {
  const folder = `${name}-${version}`;
  const final = join(vendorRoot, folder);
  const temporary = join(vendorRoot, `.${folder}.${process.pid}.tmp`);
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });
  try {
    await extract(tarball, `${folder}/`, temporary);
    writeFileSync(join(temporary, CHECKSUM_MARKER), `${checksum}\n`);
    rmSync(final, { recursive: true, force: true });
    renameSync(temporary, final);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`could not unpack ${name} ${version}: ${(error as Error).message}`);
  }
}

/** Whether vendor/{name}-{version} is there, unpacked from the tarball with this checksum. */
export function isVendored(vendorRoot: string, name: string, version: string, checksum: string): boolean {
  try {
    return readFileSync(join(vendorRoot, `${name}-${version}`, CHECKSUM_MARKER), 'utf8').trim() === checksum;
  } catch {
    return false;
  }
}

/** Removes vendored packages (those with our marker) that the lock no longer lists; returns their folder names. */
export function pruneVendor(vendorRoot: string, keep: ReadonlySet<string>): string[] {
  if (!existsSync(vendorRoot)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(vendorRoot, { withFileTypes: true })) {
    if (!entry.isDirectory() || keep.has(entry.name)) continue;
    if (!existsSync(join(vendorRoot, entry.name, CHECKSUM_MARKER))) continue; // not ours
    rmSync(join(vendorRoot, entry.name), { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed;
}
