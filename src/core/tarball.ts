// Inspection of an uploaded package tarball (.tar.gz) as it streams by: nothing is unpacked to disk and at most one
// file's bytes are held at a time (the manifest and the README/LICENSE files kept for the registry, each capped).
// Every rule that refuses an archive has its own stable error code, and the message names the file.
//
// The gzip framing and the tar headers are read here, not through Gunzip or tar-stream, because the rules need what
// those hide: the raw bytes of a name (tar-stream turns invalid UTF-8 into U+FFFD), the ustar size that a pax `size`
// overrides, the bytes after the end-of-archive blocks (tar-stream reads on past them, so an entry hidden there is
// seen by some extractors and not by others), and the bytes after the gzip member (Gunzip inflates a second member
// and skips zero padding without a word). Only what real tools write is accepted: POSIX ustar and pax headers and
// GNU long names; v7 headers, sparse files, volume labels and links of any kind are refused.
import type { Readable } from 'node:stream';
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';
import { FileScanner, type SecretFinding } from './secrets.js';

export interface TarballLimits {
  /** Bytes of the decompressed tar stream (files, headers and padding): bounds the work a decompression bomb buys. */
  maxUnpackedBytes: number;
  /** Regular files and directories (a pax global header counts as one too). */
  maxEntries: number;
  /** UTF-8 bytes of an entry's path inside the archive, top folder included. */
  maxPathBytes: number;
  maxManifestBytes: number;
  /** README/LICENSE/... files larger than this are listed but their contents are not kept. */
  maxKeptFileBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_TARBALL_LIMITS: TarballLimits = {
  maxUnpackedBytes: 100 * MiB,
  maxEntries: 10_000,
  maxPathBytes: 255,
  maxManifestBytes: 1 * MiB,
  maxKeptFileBytes: 1 * MiB,
};

export const MANIFEST_NAME = 'Sounio.toml';
/** At most this many README/LICENSE/... files are kept (the first ones in archive order), so memory stays bounded. */
export const MAX_KEPT_FILES = 10;
/** Findings (and tokens) reported for one archive; a single one already refuses the publish. */
export const MAX_REPORTED_SECRETS = 1000;
const KEPT_NAME = /^(?:readme|license|licence|copying|changelog)/i;
const MAX_EXTENDED_HEADER_BYTES = 1 * MiB;
const MAX_GZIP_HEADER_BYTES = 128 * KiB;
const BLOCK = 512;

export type TarballErrorCode =
  | 'not_gzip'
  | 'corrupt_archive'
  | 'truncated_archive'
  | 'trailing_data'
  | 'tarball_too_large_unpacked'
  | 'too_many_entries'
  | 'unsupported_entry'
  | 'unsafe_path'
  | 'invalid_path'
  | 'path_too_long'
  | 'duplicate_path'
  | 'git_directory'
  | 'mixed_layout'
  | 'missing_manifest'
  | 'manifest_too_large'
  | 'header_mismatch'
  | 'empty_archive';

export interface TarballError {
  code: TarballErrorCode;
  message: string;
  /** The entry at fault, as written in the archive, when there is one. */
  path?: string;
}

export interface TarballReport {
  /** The single top folder every entry sits in, or null when the package files are at the archive's root. */
  root: string | null;
  /** Regular files, paths relative to the package root. */
  files: Array<{ path: string; size: number }>;
  /** Directory entries, relative to the package root (the top folder itself is not listed). */
  directories: string[];
  /** The bytes of Sounio.toml at the package root. */
  manifest: Buffer;
  /** README*, LICENSE*, LICENCE*, COPYING*, CHANGELOG* at the package root, by relative path (see MAX_KEPT_FILES). */
  kept: Map<string, Buffer>;
  /** Paths relative to the package root. */
  secrets: SecretFinding[];
  /** Checksum-valid `sounio_` tokens found in the files: the caller revokes them. */
  tokens: string[];
  /** Bytes of the decompressed tar stream, the quantity maxUnpackedBytes bounds (the files' sizes plus headers). */
  unpackedBytes: number;
}

export type TarballResult = { ok: true; report: TarballReport } | { ok: false; error: TarballError };

/**
 * Reads a .tar.gz stream to its end (or to the first broken rule, destroying the input then) and reports what a
 * publish needs. Expected refusals come back as `{ ok: false }`; a failing input stream rejects the promise.
 * Naming rules that need the manifest (the top folder must be `{name}-{version}`) are the caller's.
 */
export async function inspectTarball(input: NodeJS.ReadableStream | Readable, limits: TarballLimits): Promise<TarballResult> {
  return new Inspection(limits).run(input);
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals are thrown inside the readers as a Rejection and turned into a result at their edges: a broken rule can
// surface deep in header parsing, and threading a result through every helper would bury the rules themselves.

class Rejection extends Error {
  constructor(readonly error: TarballError) {
    super(error.message);
  }
}

function reject(code: TarballErrorCode, message: string, path?: string): never {
  throw new Rejection(path === undefined ? { code, message } : { code, message, path });
}

function quote(path: string): string {
  return JSON.stringify(path); // escapes control characters, so a hostile name cannot forge lines in a message
}

function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

function isZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// gzip: the framing is read here (RFC 1952) and the deflate body goes through InflateRaw, so the reader knows
// exactly where the member ends and can refuse anything after it.

type GzipHeader = { kind: 'more' } | { kind: 'done'; length: number } | { kind: 'error'; error: TarballError };

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

function parseGzipHeader(bytes: Buffer): GzipHeader {
  if ((bytes.length >= 1 && bytes[0] !== 0x1f) || (bytes.length >= 2 && bytes[1] !== 0x8b)) {
    return { kind: 'error', error: { code: 'not_gzip', message: 'the upload is not a gzip file (a .tar.gz is expected)' } };
  }
  if (bytes.length < 10) return { kind: 'more' };
  if (bytes[2] !== 8) return { kind: 'error', error: { code: 'corrupt_archive', message: 'the gzip stream does not use deflate' } };
  const flags = bytes[3]!;
  if (flags & 0xe0) return { kind: 'error', error: { code: 'corrupt_archive', message: 'the gzip header sets reserved flags' } };
  let position = 10;
  if (flags & FEXTRA) {
    if (bytes.length < position + 2) return { kind: 'more' };
    position += 2 + bytes.readUInt16LE(position);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    if (bytes.length <= position) return { kind: 'more' };
    const nul = bytes.indexOf(0, position);
    if (nul === -1) return { kind: 'more' };
    position = nul + 1;
  }
  if (flags & FHCRC) {
    if (bytes.length < position + 2) return { kind: 'more' };
    if ((crc32(bytes.subarray(0, position)) & 0xffff) !== bytes.readUInt16LE(position)) {
      return { kind: 'error', error: { code: 'corrupt_archive', message: 'the gzip header checksum does not match' } };
    }
    position += 2;
  }
  if (bytes.length < position) return { kind: 'more' };
  return { kind: 'done', length: position };
}

/** Resolves once the stream has closed (after 'end', 'finish' or an error). */
function closed(stream: InflateRaw): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Writes one chunk and waits until zlib has taken it in (its output went to the 'data' listener meanwhile). */
async function writeChunk(stream: InflateRaw, chunk: Buffer): Promise<void> {
  if (stream.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('close', done);
      resolve();
    };
    stream.once('close', done);
    stream.write(chunk, done);
  });
  if (stream.destroyed) await closed(stream); // its 'error' event comes before 'close'
}

class Inspection {
  private readonly tar: TarReader;
  private readonly inflate = createInflateRaw();
  private error: TarballError | null = null;
  private fault: { cause: unknown } | null = null; // a bug, rethrown rather than reported as the archive's fault
  private gzipHead: Buffer | null = Buffer.alloc(0); // header bytes until the header is complete, then null
  private received = 0;
  private fed = 0; // bytes written to InflateRaw
  private deflateEnded = false;
  private readonly trailer = Buffer.alloc(8);
  private trailerBytes = 0;
  private crc = 0;
  private inflatedBytes = 0;

  constructor(limits: TarballLimits) {
    this.tar = new TarReader(limits);
  }

  async run(input: NodeJS.ReadableStream | Readable): Promise<TarballResult> {
    this.inflate.on('data', (chunk: Buffer) => this.onInflated(chunk));
    this.inflate.on('error', (error: Error & { code?: string }) => {
      this.error ??=
        error.code === 'Z_BUF_ERROR'
          ? { code: 'truncated_archive', message: 'the gzip stream is cut short' }
          : { code: 'corrupt_archive', message: `the gzip stream is corrupt (${error.message})` };
    });
    try {
      for await (const chunk of input) {
        if (typeof chunk === 'string') throw new TypeError('inspectTarball needs a byte stream, not a text stream');
        const bytes = chunk as Uint8Array;
        if (bytes.length === 0) continue;
        await this.consume(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        if (this.stopped()) break; // leaving the loop destroys the input: nothing more is read
      }
      if (!this.stopped()) await this.end();
    } finally {
      this.inflate.destroy();
    }
    if (this.fault !== null) throw this.fault.cause;
    if (this.error !== null) return { ok: false, error: this.error };
    return this.tar.finish();
  }

  private stopped(): boolean {
    return this.error !== null || this.fault !== null;
  }

  private onInflated(chunk: Buffer): void {
    if (this.stopped()) return;
    try {
      this.crc = crc32(chunk, this.crc);
      this.inflatedBytes += chunk.length;
      this.error = this.tar.write(chunk);
    } catch (cause) {
      this.fault = { cause };
    }
    // Stopping zlib here is what keeps a bomb from inflating past the limit: it checks `destroyed` between chunks.
    if (this.stopped()) this.inflate.destroy();
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.received += chunk.length;
    if (this.gzipHead !== null) {
      const head = Buffer.concat([this.gzipHead, chunk]);
      const parsed = parseGzipHeader(head);
      if (parsed.kind === 'error') {
        this.error = parsed.error;
        return;
      }
      if (parsed.kind === 'more') {
        if (head.length > MAX_GZIP_HEADER_BYTES) this.error = { code: 'corrupt_archive', message: 'the gzip header is too long' };
        this.gzipHead = head;
        return;
      }
      this.gzipHead = null;
      chunk = head.subarray(parsed.length);
      if (chunk.length === 0) return;
    }
    if (this.deflateEnded) {
      this.addTrailer(chunk);
      return;
    }
    this.fed += chunk.length;
    await writeChunk(this.inflate, chunk);
    if (this.stopped()) return;
    // InflateRaw stops taking input at the end of the deflate stream: what it left is the gzip trailer and beyond.
    const unconsumed = this.fed - this.inflate.bytesWritten;
    if (unconsumed > 0) {
      this.deflateEnded = true;
      this.addTrailer(chunk.subarray(chunk.length - unconsumed));
    }
  }

  private addTrailer(bytes: Buffer): void {
    if (this.trailerBytes < 8) bytes.copy(this.trailer, this.trailerBytes, 0, Math.min(bytes.length, 8 - this.trailerBytes));
    this.trailerBytes += bytes.length;
  }

  private async end(): Promise<void> {
    if (this.gzipHead !== null) {
      this.error =
        this.received === 0
          ? { code: 'not_gzip', message: 'the upload is empty (a .tar.gz is expected)' }
          : { code: 'truncated_archive', message: 'the gzip header is cut short' };
      return;
    }
    this.inflate.end();
    await closed(this.inflate); // every 'data' event has been handled by now
    if (this.stopped()) return;
    // Without an error, InflateRaw saw the end of the deflate stream (else: "unexpected end of file").
    if (this.trailerBytes < 8) {
      this.error = { code: 'truncated_archive', message: 'the gzip stream is cut short (its trailer is missing)' };
    } else if (this.trailerBytes > 8) {
      this.error = { code: 'trailing_data', message: `${this.trailerBytes - 8} bytes follow the end of the gzip stream` };
    } else if (this.trailer.readUInt32LE(0) !== this.crc >>> 0 || this.trailer.readUInt32LE(4) !== this.inflatedBytes % 2 ** 32) {
      this.error = { code: 'corrupt_archive', message: 'the gzip checksum or length does not match the content' };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// tar: a push parser over the decompressed bytes, one 512-byte block or one piece of entry data at a time.

interface RawHeader {
  name: Buffer;
  size: number;
  typeflag: string;
}

const UNSUPPORTED_TYPES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  K: 'a GNU long link name',
  S: 'a GNU sparse file',
  M: 'a GNU multi-volume continuation',
  V: 'a volume label',
  D: 'a GNU dump directory',
};

function cString(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

/** An octal field (NUL- or space-terminated) or a GNU base-256 one; null when malformed. */
function parseNumber(block: Buffer, offset: number, length: number): number | null {
  const field = block.subarray(offset, offset + length);
  if (field[0] === 0x80) {
    let value = 0;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : null;
  }
  const text = field.toString('latin1');
  const match = /^ *([0-7]*)[ \0]*$/.exec(text);
  if (!match) return null;
  return match[1] === '' ? 0 : parseInt(match[1]!, 8);
}

function headerChecksums(block: Buffer): [unsigned: number, signed: number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte; // some old tars summed signed chars
  }
  return [unsigned, signed];
}

function parseHeader(block: Buffer): RawHeader {
  const stored = /^ *[0-7]+[ \0]*$/.test(block.toString('latin1', 148, 156)) ? parseNumber(block, 148, 8) : null;
  const [unsigned, signed] = headerChecksums(block);
  if (stored === null || (stored !== unsigned && stored !== signed)) {
    reject('corrupt_archive', 'a tar header has a bad checksum (is this a tar archive?)');
  }
  const magic = block.toString('latin1', 257, 263);
  const ustar = magic === 'ustar\0';
  const gnu = magic === 'ustar ' && block[263] === 0x20 && block[264] === 0;
  let name = cString(block, 0, 100);
  if (!ustar && !gnu) reject('corrupt_archive', `the tar header of ${quote(name.toString('utf8'))} is neither ustar nor GNU`);
  if (ustar) {
    const prefix = cString(block, 345, 155); // GNU headers keep other fields there
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
  }
  const size = parseNumber(block, 124, 12);
  if (size === null) reject('corrupt_archive', `the tar header of ${quote(name.toString('utf8'))} has a malformed size`);
  const flag = block[156]!;
  return { name, size, typeflag: flag === 0 ? '0' : String.fromCharCode(flag) };
}

/** pax extended header records (`<length> <key>=<value>\n`), values as raw bytes. */
function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let position = 0;
  while (position < data.length) {
    if (isZero(data.subarray(position))) break; // NUL padding some writers leave inside the declared size
    const space = data.indexOf(0x20, position);
    const lengthText = space === -1 ? '' : data.toString('latin1', position, space);
    const end = position + Number(lengthText);
    if (!/^[0-9]{1,9}$/.test(lengthText) || end > data.length || end <= space + 1 || data[end - 1] !== 0x0a) {
      reject('corrupt_archive', 'a pax extended header is malformed');
    }
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) reject('corrupt_archive', 'a pax extended header record has no key');
    const key = record.toString('utf8', 0, equals);
    if (records.has(key)) reject('header_mismatch', `a pax extended header repeats its ${quote(key)} record`);
    records.set(key, record.subarray(equals + 1));
    position = end;
  }
  return records;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// C0, DEL and C1 controls: a newline or an escape sequence in a name forges lines and colours in logs and terminals.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The entry's path, normalised: one leading `./` dropped (`tar -C dir .` writes it), a directory's trailing `/`
 * dropped. '' is the archive's own `./` entry. Any other `.` segment is refused with `..`: `a/./b` would alias `a/b`.
 */
function checkPath(raw: Buffer, isDirectory: boolean, limits: TarballLimits): string {
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    const shown = raw.toString('utf8');
    reject('invalid_path', `the name ${quote(shown)} is not valid UTF-8`, shown);
  }
  if (CONTROL.test(text)) reject('invalid_path', `the name ${quote(text)} contains a control character`, text);
  if (text.startsWith('/') || /^[A-Za-z]:/.test(text)) reject('unsafe_path', `${quote(text)} is an absolute path`, text);
  if (text.includes('\\')) reject('unsafe_path', `${quote(text)} contains a backslash`, text);
  let path = text === '.' ? '' : text.startsWith('./') ? text.slice(2) : text;
  if (isDirectory && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '') {
    if (isDirectory) return '';
    reject('unsafe_path', `a file has the empty path ${quote(text)}`, text);
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > limits.maxPathBytes) {
    reject('path_too_long', `${quote(path)} is ${bytes} bytes long; paths may have at most ${limits.maxPathBytes}`, text);
  }
  for (const segment of path.split('/')) {
    if (segment === '') reject('unsafe_path', `${quote(text)} has an empty path segment`, text);
    if (segment === '..') reject('unsafe_path', `${quote(text)} climbs out of the package with ".."`, text);
    if (segment === '.') reject('unsafe_path', `${quote(text)} has a "." path segment`, text);
  }
  return path;
}

/** The key under which two paths collide on a case-insensitive (and Unicode-normalising) file system. */
function foldPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

interface OpenFile {
  path: string;
  scanner: FileScanner;
  capture: { kind: 'manifest' | 'kept'; name: string; buffer: Buffer; filled: number } | null;
}

type Layout = { state: 'unknown' } | { state: 'folder'; top: string } | { state: 'root' };

class TarReader {
  private position = 0; // decompressed bytes consumed
  private phase: 'header' | 'data' | 'padding' | 'end' | 'eof' = 'header'; // 'end': after one zero block
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private remaining = 0;
  private padding = 0;
  private file: OpenFile | null = null;
  private extended: { type: 'pax' | 'global' | 'longname'; buffer: Buffer; filled: number } | null = null;
  private pax: Map<string, Buffer> | null = null; // applies to the next entry
  private longName: Buffer | null = null; // likewise
  private entries = 0;
  private readonly seen = new Map<string, 'file' | 'directory'>(); // folded path → kind
  private readonly parents = new Set<string>(); // folded paths of every directory some entry sits in
  private readonly files: Array<{ path: string; size: number }> = [];
  private readonly directories: string[] = [];
  private layout: Layout = { state: 'unknown' };
  private manifest: Buffer | null = null;
  private oversizedManifest: string | null = null;
  private nestedManifest = false; // a `<folder>/Sounio.toml`, to tell a mixed layout from a missing manifest
  private readonly kept = new Map<string, Buffer>();
  private readonly secrets: SecretFinding[] = [];
  private readonly tokens = new Set<string>();

  constructor(private readonly limits: TarballLimits) {}

  /** Feeds decompressed bytes; returns the refusal, if this chunk broke a rule. */
  write(chunk: Buffer): TarballError | null {
    try {
      this.consume(chunk);
      return null;
    } catch (error) {
      if (error instanceof Rejection) return error.error;
      throw error;
    }
  }

  finish(): TarballResult {
    try {
      return { ok: true, report: this.conclude() };
    } catch (error) {
      if (error instanceof Rejection) return { ok: false, error: error.error };
      throw error;
    }
  }

  private consume(chunk: Buffer): void {
    if (this.position + chunk.length > this.limits.maxUnpackedBytes) {
      reject(
        'tarball_too_large_unpacked',
        `the archive unpacks to more than ${formatBytes(this.limits.maxUnpackedBytes)}`,
        this.file?.path,
      );
    }
    let offset = 0;
    while (offset < chunk.length) {
      const available = chunk.length - offset;
      switch (this.phase) {
        case 'header':
        case 'end': {
          const n = Math.min(BLOCK - this.blockFill, available);
          chunk.copy(this.block, this.blockFill, offset, offset + n);
          this.blockFill += n;
          offset += n;
          this.position += n;
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            this.onBlock();
          }
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, available);
          this.onData(chunk.subarray(offset, offset + n));
          this.remaining -= n;
          offset += n;
          this.position += n;
          if (this.remaining === 0) {
            this.onDataEnd();
            this.phase = this.padding > 0 ? 'padding' : 'header';
          }
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, available);
          this.padding -= n;
          offset += n;
          this.position += n;
          if (this.padding === 0) this.phase = 'header';
          break;
        }
        case 'eof': {
          // Zeros are record padding (GNU tar fills 10 KiB records); anything else hides behind the end marker.
          if (!isZero(chunk.subarray(offset))) reject('trailing_data', 'data follows the end-of-archive blocks');
          this.position += available;
          offset = chunk.length;
          break;
        }
      }
    }
  }

  private expectData(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.phase = size > 0 ? 'data' : 'header';
    if (size === 0) this.onDataEnd();
  }

  private onBlock(): void {
    if (isZero(this.block)) {
      if (this.phase === 'end') {
        this.phase = 'eof';
        return;
      }
      if (this.pax !== null || this.longName !== null) reject('corrupt_archive', 'an extended header is not followed by an entry');
      this.phase = 'end';
      return;
    }
    if (this.phase === 'end') reject('trailing_data', 'data follows a zero block (an archive ends with two)');
    const header = parseHeader(this.block);
    switch (header.typeflag) {
      case 'x':
        return this.beginExtended('pax', header);
      case 'g':
        this.countEntry();
        return this.beginExtended('global', header);
      case 'L':
        return this.beginExtended('longname', header);
      default:
        return this.onEntry(header);
    }
  }

  private countEntry(): void {
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      reject('too_many_entries', `the archive has more than ${this.limits.maxEntries} entries`);
    }
  }

  private beginExtended(type: 'pax' | 'global' | 'longname', header: RawHeader): void {
    if ((type === 'pax' && this.pax !== null) || (type === 'longname' && this.longName !== null)) {
      reject('corrupt_archive', 'two extended headers of the same kind precede one entry');
    }
    if (type === 'longname' && header.size > this.limits.maxPathBytes + 1) {
      reject('path_too_long', `a GNU long name of ${header.size} bytes exceeds ${this.limits.maxPathBytes} bytes`);
    }
    if (header.size > MAX_EXTENDED_HEADER_BYTES) {
      reject('unsupported_entry', `a pax extended header of ${header.size} bytes exceeds ${formatBytes(MAX_EXTENDED_HEADER_BYTES)}`);
    }
    this.extended = { type, buffer: Buffer.alloc(header.size), filled: 0 };
    this.expectData(header.size);
  }

  private endExtended(): void {
    const { type, buffer } = this.extended!;
    this.extended = null;
    if (type === 'longname') {
      const nul = buffer.indexOf(0);
      this.longName = nul === -1 ? buffer : buffer.subarray(0, nul);
      return;
    }
    const records = parsePax(buffer);
    if (type === 'global') {
      // git archive writes one with a `comment`; one that renames or resizes entries is read differently by tools.
      for (const key of ['path', 'linkpath', 'size']) {
        if (records.has(key)) reject('unsupported_entry', `a pax global header sets ${quote(key)}`);
      }
      return;
    }
    const path = records.get('path')?.toString('utf8');
    if ([...records.keys()].some((key) => key.startsWith('GNU.sparse.'))) {
      reject('unsupported_entry', `${path === undefined ? 'an entry' : quote(path)} is a sparse file`, path);
    }
    this.pax = records;
  }

  private onEntry(header: RawHeader): void {
    const pax = this.pax;
    const longName = this.longName;
    this.pax = null;
    this.longName = null;
    const paxPath = pax?.get('path');
    if (paxPath !== undefined && longName !== null && !paxPath.equals(longName)) {
      reject('header_mismatch', `an entry's pax path and GNU long name disagree`, paxPath.toString('utf8'));
    }
    const raw = paxPath ?? longName ?? header.name;
    const shown = raw.toString('utf8');
    this.countEntry();

    const isFile = header.typeflag === '0';
    const isDirectory = header.typeflag === '5';
    if (!isFile && !isDirectory) {
      const what = UNSUPPORTED_TYPES[header.typeflag] ?? `an entry of unknown type ${quote(header.typeflag)}`;
      reject('unsupported_entry', `${quote(shown)} is ${what}; only regular files and directories are allowed`, shown);
    }
    const paxSize = pax?.get('size')?.toString('latin1');
    if (paxSize !== undefined) {
      if (!/^[0-9]{1,15}$/.test(paxSize)) reject('corrupt_archive', `the pax size of ${quote(shown)} is malformed`, shown);
      if (Number(paxSize) !== header.size) {
        reject(
          'header_mismatch',
          `${quote(shown)}: its pax header declares ${paxSize} bytes but its tar header ${header.size}`,
          shown,
        );
      }
    }
    if (isDirectory && header.size !== 0) {
      reject('header_mismatch', `the directory ${quote(shown)} declares ${header.size} bytes of content`, shown);
    }

    const path = checkPath(raw, isDirectory, this.limits);
    if (path === '') return; // the archive's own `./`
    this.checkUnique(path, isDirectory);
    if (isDirectory) {
      this.updateLayout(path, false);
      this.directories.push(path);
      return;
    }
    if (this.position + header.size > this.limits.maxUnpackedBytes) {
      reject(
        'tarball_too_large_unpacked',
        `${quote(path)} (${header.size} bytes) takes the archive past ${formatBytes(this.limits.maxUnpackedBytes)} unpacked`,
        path,
      );
    }
    this.updateLayout(path, true);
    this.files.push({ path, size: header.size });
    this.file = { path, scanner: new FileScanner(path), capture: this.captureFor(path, header.size) };
    this.expectData(header.size);
  }

  private checkUnique(path: string, isDirectory: boolean): void {
    if (path.split('/').some((segment) => segment.toLowerCase() === '.git')) {
      reject('git_directory', `${quote(path)} belongs to a .git directory; packages must not contain one`, path);
    }
    const key = foldPath(path);
    if (this.seen.has(key)) {
      reject('duplicate_path', `${quote(path)} collides with another entry (paths are compared ignoring case and Unicode normalisation)`, path);
    }
    if (!isDirectory && this.parents.has(key)) reject('duplicate_path', `${quote(path)} is both a file and a directory`, path);
    // Ancestors are added once: when one is known, so are its own, and each was checked against files then.
    for (let cut = key.lastIndexOf('/'); cut > 0; cut = key.lastIndexOf('/', cut - 1)) {
      const parent = key.slice(0, cut);
      if (this.parents.has(parent)) break;
      if (this.seen.get(parent) === 'file') reject('duplicate_path', `${quote(path)} lies under a path that is a file`, path);
      this.parents.add(parent);
    }
    this.seen.set(key, isDirectory ? 'directory' : 'file');
  }

  /** The layout is settled as entries arrive so that only files at the package root are ever buffered. */
  private updateLayout(path: string, isFile: boolean): void {
    const slash = path.indexOf('/');
    const first = slash === -1 ? path : path.slice(0, slash);
    const topLevelFile = isFile && slash === -1;
    if (this.layout.state === 'unknown') {
      this.layout = topLevelFile ? { state: 'root' } : { state: 'folder', top: first };
    } else if (this.layout.state === 'folder' && (topLevelFile || first !== this.layout.top)) {
      // Not one top folder after all: what was kept from inside that folder is not at the package root.
      this.layout = { state: 'root' };
      this.manifest = null;
      this.oversizedManifest = null;
      this.kept.clear();
    }
    if (isFile && slash !== -1 && path.slice(slash + 1) === MANIFEST_NAME) this.nestedManifest = true;
  }

  /** The name of a file at the package root, as far as the layout is known now; null elsewhere. */
  private rootName(path: string): string | null {
    let rest = path;
    if (this.layout.state === 'folder') {
      const prefix = `${this.layout.top}/`;
      if (!path.startsWith(prefix)) return null;
      rest = path.slice(prefix.length);
    }
    return rest.includes('/') ? null : rest;
  }

  private captureFor(path: string, size: number): OpenFile['capture'] {
    const name = this.rootName(path);
    if (name === null) return null;
    if (name === MANIFEST_NAME) {
      if (size > this.limits.maxManifestBytes) {
        this.oversizedManifest = path; // decided at the end: the layout may still change
        return null;
      }
      return { kind: 'manifest', name, buffer: Buffer.alloc(size), filled: 0 };
    }
    if (KEPT_NAME.test(name) && size <= this.limits.maxKeptFileBytes && this.kept.size < MAX_KEPT_FILES) {
      return { kind: 'kept', name, buffer: Buffer.alloc(size), filled: 0 };
    }
    return null;
  }

  private onData(bytes: Buffer): void {
    if (this.extended !== null) {
      bytes.copy(this.extended.buffer, this.extended.filled);
      this.extended.filled += bytes.length;
      return;
    }
    const file = this.file!;
    file.scanner.write(bytes);
    if (file.capture !== null) {
      bytes.copy(file.capture.buffer, file.capture.filled);
      file.capture.filled += bytes.length;
    }
  }

  private onDataEnd(): void {
    if (this.extended !== null) return this.endExtended();
    const file = this.file!;
    this.file = null;
    const scan = file.scanner.end();
    for (const finding of scan.findings) if (this.secrets.length < MAX_REPORTED_SECRETS) this.secrets.push(finding);
    for (const token of scan.tokens) if (this.tokens.size < MAX_REPORTED_SECRETS) this.tokens.add(token);
    if (file.capture?.kind === 'manifest') this.manifest = file.capture.buffer;
    else if (file.capture?.kind === 'kept') this.kept.set(file.capture.name, file.capture.buffer);
  }

  private conclude(): TarballReport {
    if (this.position === 0) reject('empty_archive', 'the archive is empty');
    if (this.phase !== 'eof') {
      if (this.phase === 'data' || this.phase === 'padding' || this.blockFill > 0) {
        const path = this.file?.path;
        reject('truncated_archive', path === undefined ? 'the archive is cut short' : `the archive is cut short inside ${quote(path)}`, path);
      }
      reject('truncated_archive', 'the archive ends without its end-of-archive blocks');
    }
    if (this.files.length === 0 && this.directories.length === 0) reject('empty_archive', 'the archive holds no files');

    const root = this.layout.state === 'folder' ? this.layout.top : null;
    const where = root === null ? 'at the root of the archive' : `in ${quote(`${root}/`)}`;
    if (this.oversizedManifest !== null) {
      reject('manifest_too_large', `${MANIFEST_NAME} is larger than ${formatBytes(this.limits.maxManifestBytes)}`, this.oversizedManifest);
    }
    if (this.manifest === null) {
      if (root === null && this.nestedManifest) {
        reject('mixed_layout', 'the archive mixes a package folder with entries outside it; put everything in one top folder');
      }
      reject('missing_manifest', `there is no ${MANIFEST_NAME} ${where}`);
    }
    const relative = root === null ? (path: string) => path : (path: string) => path.slice(root.length + 1);
    return {
      root,
      files: this.files.map((file) => ({ path: relative(file.path), size: file.size })),
      directories: this.directories.filter((path) => path !== root).map(relative),
      manifest: this.manifest,
      kept: this.kept,
      secrets: this.secrets.map((finding) => ({ ...finding, path: relative(finding.path) })),
      tokens: [...this.tokens],
      unpackedBytes: this.position,
    };
  }
}
