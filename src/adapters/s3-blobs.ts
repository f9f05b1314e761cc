// Blobs in an S3-compatible bucket (S3_BUCKET). Uploads go through the SDK's managed upload, which switches to a
// multipart upload for large files; a failed upload leaves no object behind. Network failures become
// BackendUnavailableError, so requests fail with 503 rather than 500.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { S3Config } from '../config.js';
import { BackendUnavailableError } from '../errors.js';
import { assertBlobKey, type BlobBody, type BlobInfo, type BlobRange, type BlobStore } from '../ports/blobs.js';

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
}

/** Service answers (access denied, bad request ...) are bugs or misconfiguration; anything else means unreachable. */
function translate(error: unknown): unknown {
  if (error instanceof S3ServiceException && (error.$metadata.httpStatusCode ?? 500) < 500) return error;
  return new BackendUnavailableError('blobs', error);
}

const PRESIGNED_CACHE_SIZE = 10_000;

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3Config) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
      ...(config.accessKeyId !== undefined &&
        config.secretAccessKey !== undefined && {
          credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
        }),
      // Without these, the SDK adds CRC checksums that several S3-compatible servers store as part of a streamed body.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // Without these the SDK waits forever on a store that stopped answering without closing the connection (a
      // network partition): a connection must be up within 5 s, and a request that sees no byte for 30 s fails, so a
      // publish or download fails with 503 rather than hangs. (No cap on a whole request: large uploads take time.)
      requestHandler: { connectionTimeout: 5_000, socketTimeout: 30_000 },
    });
  }

  async putFile(key: string, sourcePath: string, options?: { contentType?: string }): Promise<void> {
    assertBlobKey(key);
    const body = createReadStream(sourcePath);
    // A missing or unreadable source is the caller's error, not an unavailable store: fail before uploading.
    await once(body, 'open');
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options?.contentType ?? 'application/octet-stream',
      },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw translate(error);
    }
  }

  async get(key: string, range?: BlobRange): Promise<BlobBody | null> {
    assertBlobKey(key);
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range && { Range: `bytes=${range.start}-${range.end}` }) }),
      );
      const total = result.ContentRange ? Number(result.ContentRange.split('/')[1]) : Number(result.ContentLength ?? 0);
      return { body: result.Body as Readable, size: total };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw translate(error);
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertBlobKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: Number(result.ContentLength ?? 0), lastModified: result.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw translate(error);
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) throw translate(error);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token !== undefined && { ContinuationToken: token }) }),
        );
      } catch (error) {
        throw translate(error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key, size: Number(object.Size ?? 0), lastModified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * Signing is CPU work (several milliseconds in the SDK), and a hot package is downloaded many times a second: a
   * URL is handed out again for the first fifth of its lifetime, so each one still has at least 80% of it left.
   */
  private readonly presigned = new Map<string, { url: string; reuseUntil: number }>();

  async presignedGetUrl(key: string, options: { expiresInSeconds: number; filename?: string }): Promise<string> {
    assertBlobKey(key);
    const cacheKey = `${options.expiresInSeconds}|${options.filename ?? ''}|${key}`;
    const now = Date.now();
    const cached = this.presigned.get(cacheKey);
    if (cached !== undefined && cached.reuseUntil > now) return cached.url;
    const url = await this.sign(key, options);
    if (this.presigned.size >= PRESIGNED_CACHE_SIZE) {
      for (const [entry, value] of this.presigned) if (value.reuseUntil <= now || this.presigned.size >= PRESIGNED_CACHE_SIZE) this.presigned.delete(entry);
    }
    this.presigned.set(cacheKey, { url, reuseUntil: now + (options.expiresInSeconds * 1000) / 5 });
    return url;
  }

  private async sign(key: string, options: { expiresInSeconds: number; filename?: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.filename !== undefined && {
        ResponseContentDisposition: `attachment; filename="${options.filename}"`,
        ResponseContentType: 'application/gzip',
      }),
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new BackendUnavailableError('blobs', error);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
