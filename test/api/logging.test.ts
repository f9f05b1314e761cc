// Request logs never carry credentials: Authorization and Cookie headers, token-like query parameters and
// password fields are redacted, while the request itself is still logged.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registry.js';

describe('request logging', () => {
  const lines: string[] = [];
  let registry: TestRegistry;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    registry = await createTestRegistry('embedded', { logger: createLogger('trace', sink) });
  });
  afterAll(() => registry.close());

  it('logs requests without their tokens, cookies or passwords', async () => {
    const token = 'sounio_abcdefghijklmnopqrstuvwxyzABCDEF123456';
    await registry.app.inject({
      method: 'GET',
      url: '/api/v1/nope?token=verify-me-secret-123&page=2',
      headers: { authorization: `Bearer ${token}`, cookie: 'session=cookie-secret-456' },
    });
    registry.ctx.logger.info({ user: { email: 'a@example.org', password: 'hunter2-password' } }, 'a service logs a user');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const all = lines.join('\n');
    expect(all).toContain('/api/v1/nope?token=[REDACTED]&page=2');
    expect(all).toContain('a@example.org');
    for (const secret of [token, 'verify-me-secret-123', 'cookie-secret-456', 'hunter2-password']) expect(all).not.toContain(secret);
  });
});

describe('redactUrl', () => {
  it('hides the values of token-like parameters only', () => {
    expect(redactUrl('/verify?token=abc')).toBe('/verify?token=[REDACTED]');
    expect(redactUrl('/x?a=1&password=p&b=2&code=c')).toBe('/x?a=1&password=[REDACTED]&b=2&code=[REDACTED]');
    expect(redactUrl('/search?q=token')).toBe('/search?q=token');
  });
});
