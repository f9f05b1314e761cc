// Blobs in a directory (DATA_DIR/blobs by default). A write goes to a temporary file in the same file system, is
// flushed to disk, then renamed into place: readers see a whole blob or none, and several server processes on one
// machine may share the directory.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertBlobKey, type BlobBody, type BlobInfo, type BlobRange, type BlobStore } from '../ports/blobs.js';

export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk' as const;
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, '.tmp');
  }

  private path(key: string): string {
    assertBlobKey(key);
    return join(this.root, ...key.split('/'));
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, `${randomUUID()}.part`);
    try {
      await copyFile(sourcePath, temp);
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: BlobRange): Promise<BlobBody | null> {
    const path = this.path(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const body = range ? createReadStream(path, { start: range.start, end: range.end }) : createReadStream(path);
    return { body, size };
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const info = await stat(this.path(key));
      return { key, size: info.size, lastModified: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    yield* this.walk(join(this.root, ...start.split('/').filter(Boolean)), prefix);
  }

  private async *walk(dir: string, prefix: string): AsyncIterable<BlobInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    // Key order, as S3 lists: a directory sorts as its name plus '/', so 'a-b' and 'a.txt' come before 'a/x'.
    const sortName = (entry: (typeof entries)[number]) => (entry.isDirectory() ? entry.name + '/' : entry.name);
    entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (path === this.tmpDir) continue;
      const key = relative(this.root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(key + '/')) yield* this.walk(path, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(path).catch(() => null);
        if (info) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await stat(this.root);
  }

  async close(): Promise<void> {}
}
