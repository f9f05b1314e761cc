// The blob store port: package tarballs under content addresses. Writes are atomic (a reader sees the whole blob or
// nothing); keys are relative paths of [a-z0-9._/-] characters.
import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface BlobRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface BlobBody {
  body: Readable;
  /** Size of the whole blob, whatever the range. */
  size: number;
}

export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /** Stores the file at `sourcePath` under `key`, replacing any blob there. */
  putFile(key: string, sourcePath: string, options?: { contentType?: string }): Promise<void>;
  /** Opens a blob (or a byte range of it); null when there is no such blob. */
  get(key: string, range?: BlobRange): Promise<BlobBody | null>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** A short-lived URL a client can fetch the blob from directly, when the store supports it. */
  presignedGetUrl?(key: string, options: { expiresInSeconds: number; filename?: string }): Promise<string>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const KEY = /^(?!.*\.\.)(?!\/)[a-z0-9._/-]{1,512}$/;

export function assertBlobKey(key: string): void {
  if (!KEY.test(key) || key.endsWith('/')) throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
}
