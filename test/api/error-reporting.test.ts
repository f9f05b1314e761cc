// Error reporting in process: what beforeSend strips from an event (headers, cookies, bodies, query strings,
// breadcrumbs, IP addresses; credentials inside messages), and a failing background job reported through the real
// job runner to a local HTTP server standing in for the Sentry ingest endpoint. (The request path, the DSN-less
// start and the credentials of a failing request are tested on a real `serve` in test/process/error-reporting.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ErrorEvent } from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets, reportJobFailures, scrubEvent, startErrorReporting } from '../../src/error-reporting.js';
import { startJobs } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';
import { waitFor } from '../helpers/process.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('scrubbing events', () => {
  it('keeps method and path of a request, and nothing else of it', () => {
    const event = scrubEvent({
      type: undefined,
      request: {
        method: 'POST',
        url: 'http://registry.example.org/api/v1/auth/reset?token=abc&x=1',
        headers: { authorization: 'Bearer sounio_secret', cookie: 'sounio_session=s3cret' },
        cookies: { sounio_session: 's3cret' },
        data: { password: 'hunter22' },
        query_string: 'token=abc',
      },
      user: { id: 'u1', ip_address: '203.0.113.7', email: 'a@example.org' },
      breadcrumbs: [{ message: 'GET https://bucket.s3/key?X-Amz-Signature=abc' }],
      exception: { values: [{ type: 'Error', value: 'connect to postgres://sounio:pa55word@db:5432/sounio failed for Bearer eyJhbGciOi.J9.x and sounio_0123456789abcdefABCDEF0123456789abcdef' }] },
    } as ErrorEvent);
    expect(event.request).toEqual({ method: 'POST', url: 'http://registry.example.org/api/v1/auth/reset' });
    expect(event.user).toEqual({ id: 'u1' });
    expect(event.breadcrumbs).toBeUndefined();
    expect(event.exception!.values![0]!.value).toBe('connect to postgres://[REDACTED]@db:5432/sounio failed for Bearer [REDACTED] and sounio_[REDACTED]');
  });

  it('masks credentials in any text', () => {
    expect(maskSecrets('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: Basic [REDACTED]');
    expect(maskSecrets('redis://:p4ss@cache:6379/0')).toBe('redis://[REDACTED]@cache:6379/0');
    expect(maskSecrets('nothing to hide here')).toBe('nothing to hide here');
  });
});

describe('a failing background job', () => {
  let registry: TestRegistry;
  let ingest: Server;
  const bodies: string[] = [];

  beforeAll(async () => {
    ingest = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push((request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
    registry = await createTestRegistry('embedded');
  });

  afterAll(async () => {
    await registry?.close();
    await new Promise((resolve) => ingest.close(resolve));
  });

  it('is reported with the job’s name, and still logged', async () => {
    const dsn = `http://public@127.0.0.1:${(ingest.address() as AddressInfo).port}/1`;
    const logged: string[] = [];
    const logger = createLogger('error', { write: (line: string) => logged.push(line) });
    const ctx = { ...registry.ctx, logger };
    expect(await startErrorReporting(dsn, logger, 'sounio-registry@test')).toBe(true);
    reportJobFailures(dsn, logger);

    const jobs = startJobs(ctx, [
      { name: 'exploding', intervalMs: 3600_000, exclusive: false, run: async () => { throw new Error('the job exploded (token sounio_0123456789abcdefABCDEF0123456789abcdef)'); } },
    ]);
    try {
      await jobs.runNow('exploding');
    } finally {
      await jobs.stop();
    }
    expect(logged.join('')).toContain('job exploding failed');
    await waitFor(() => bodies.some((body) => body.includes('the job exploded')), 'the job failure at the ingest endpoint', 15_000);
    const body = bodies.find((candidate) => candidate.includes('the job exploded'))!;
    expect(body).toContain('the job exploded (token sounio_[REDACTED])');
    expect(body).not.toContain('0123456789abcdefABCDEF');
    expect(body).toMatch(/"job":"exploding"/);
    expect(body).toMatch(/"kind":"job"/);
  });
});
