// The registry with S3 (s3rver) as its blob store: publishing stores the tarball in the bucket, downloads stream
// it back byte-exact (ranges included), and with S3_REDIRECT_DOWNLOADS a download is a 302 to a presigned URL
// that serves the same bytes and is still counted.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushDownloads } from '../../src/services/downloads.js';
import { blobKeyFor } from '../../src/services/publish.js';
import { packTarball, publishTarball } from '../helpers/packages.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { signUp } from '../helpers/users.js';

describe('S3 as the blob store', () => {
  let s3: TestS3;
  let streaming: TestRegistry;
  let redirecting: TestRegistry;

  beforeAll(async () => {
    s3 = await startS3();
    streaming = await createTestRegistry('embedded', { env: s3.env });
    redirecting = await createTestRegistry('embedded', { env: { ...s3.env, S3_REDIRECT_DOWNLOADS: 'true' } });
  });
  afterAll(async () => {
    await streaming?.close();
    await redirecting?.close();
    await s3?.stop();
  });

  it('publishes into the bucket and streams the exact bytes back, ranges included', async () => {
    const author = await signUp(streaming);
    const tarball = await packTarball({ name: 's3-stream', version: '1.0.0', files: { 'data.bin': Buffer.alloc(50_000, 3) } });
    expect((await publishTarball(streaming, author.auth, 's3-stream', '1.0.0', tarball)).statusCode).toBe(201);
    const checksum = createHash('sha256').update(tarball).digest('hex');
    expect(s3.requests.some((request) => request.startsWith('PUT') && request.includes(checksum))).toBe(true);
    expect((await streaming.ctx.blobs.stat(blobKeyFor(checksum)))?.size).toBe(tarball.length);

    const full = await streaming.app.inject({ method: 'GET', url: '/api/v1/packages/s3-stream/versions/1.0.0/download' });
    expect(full.statusCode).toBe(200);
    expect(full.rawPayload.equals(tarball)).toBe(true);
    const part = await streaming.app.inject({ method: 'GET', url: '/api/v1/packages/s3-stream/versions/1.0.0/download', headers: { range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(tarball.subarray(100, 200))).toBe(true);
  });

  it('with S3_REDIRECT_DOWNLOADS, answers 302 to a presigned URL that serves the bytes, and counts it', async () => {
    const author = await signUp(redirecting);
    const tarball = await packTarball({ name: 's3-redirect', version: '2.0.0' });
    expect((await publishTarball(redirecting, author.auth, 's3-redirect', '2.0.0', tarball)).statusCode).toBe(201);
    const response = await redirecting.app.inject({ method: 'GET', url: '/api/v1/packages/s3-redirect/versions/2.0.0/download' });
    expect(response.statusCode).toBe(302);
    const location = response.headers['location'] as string;
    expect(location.startsWith(s3.endpoint)).toBe(true);
    expect(location).toMatch(/X-Amz-Expires=300/);
    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(tarball)).toBe(true);
    expect(fetched.headers.get('content-disposition')).toBe('attachment; filename="s3-redirect-2.0.0.tar.gz"');
    // A hot download is not signed again each time: the same URL comes back (with most of its lifetime left).
    const again = await redirecting.app.inject({ method: 'GET', url: '/api/v1/packages/s3-redirect/versions/2.0.0/download' });
    expect(again.headers['location']).toBe(location);
    expect(await flushDownloads(redirecting.ctx)).toBe(2);
  });

  it('a tarball larger than a part goes up by multipart upload and comes back byte-exact', { timeout: 60_000 }, async () => {
    const author = await signUp(streaming);
    // Incompressible, so the .tar.gz stays above the 8 MiB part size (two parts), below the 10 MiB limit.
    const tarball = await packTarball({ name: 's3-multipart', version: '1.0.0', files: { 'data.bin': randomBytes(9 * 1024 * 1024) } });
    expect(tarball.length).toBeGreaterThan(8 * 1024 * 1024);
    const before = s3.requests.length;
    const response = await publishTarball(streaming, author.auth, 's3-multipart', '1.0.0', tarball);
    expect(response.statusCode, response.body).toBe(201);
    const requests = s3.requests.slice(before);
    expect(requests.some((request) => request.startsWith('POST') && request.includes('?uploads'))).toBe(true);
    expect(requests.filter((request) => request.startsWith('PUT') && /partNumber=\d/.test(request))).toHaveLength(2);
    expect(requests.some((request) => request.startsWith('POST') && request.includes('uploadId='))).toBe(true);
    const download = await streaming.app.inject({ method: 'GET', url: '/api/v1/packages/s3-multipart/versions/1.0.0/download' });
    expect(download.statusCode).toBe(200);
    expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(createHash('sha256').update(tarball).digest('hex'));
  });
});
