// Rate limits: X-RateLimit-* on every limited answer, 429 with Retry-After and the Error body past the limit, per
// user when authenticated (apart from the address's anonymous bucket), a stricter bucket for account actions, no
// limits on the operational and documentation endpoints, RATE_LIMITS=off. With Redis the count is exact across
// processes; with Redis unreachable each process keeps serving and counts on its own.
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import type { Context } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { WindowCounts } from '../../src/http/rate-limit.js';
import { MemoryKeyValue } from '../../src/adapters/memory-kv.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createUser } from '../../src/services/accounts.js';
import { freePort } from '../helpers/process.js';
import {
  createTestRegistry,
  describeEachBackend,
  describeRealServices,
  openTestRedis,
  type TestRegistry,
} from '../helpers/registry.js';

const SMALL_LIMITS = { RATE_LIMIT_OTHER_ANON: '5', RATE_LIMIT_OTHER_AUTH: '8', RATE_LIMIT_ACCOUNT: '4' };

/** The limits a registry has when none is configured (test registries are otherwise generous). */
function defaultLimits(): Record<string, string> {
  const limits = loadConfig({}).rateLimits;
  return { RATE_LIMIT_OTHER_ANON: String(limits.otherAnon), RATE_LIMIT_OTHER_AUTH: String(limits.otherAuth), RATE_LIMIT_ACCOUNT: String(limits.accountAnon) };
}

// Every test counts from its own client address, so buckets never carry over between tests.
let lastAddress = 0;
function newAddress(): string {
  lastAddress++;
  return `10.${(lastAddress >> 8) & 255}.${lastAddress & 255}.${1 + Math.floor(Math.random() * 250)}`;
}

function profile(app: FastifyInstance, ip: string, headers: Record<string, string> = {}, username = 'nobody-here') {
  return app.inject({ method: 'GET', url: `/api/v1/users/${username}`, remoteAddress: ip, headers });
}

/** The X-RateLimit-* headers of a limited answer: limit, remaining, and a reset time within the coming hour. */
function expectLimitHeaders(response: LightMyRequestResponse, limit: number, remaining: number): void {
  expect(response.headers['x-ratelimit-limit'], response.body).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining'], response.body).toBe(String(remaining));
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(Number.isInteger(reset)).toBe(true);
  const now = Date.now() / 1000;
  expect(reset).toBeGreaterThan(now);
  expect(reset).toBeLessThanOrEqual(Math.ceil(now) + 3600);
}

function expectNoLimitHeaders(response: LightMyRequestResponse): void {
  for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']) {
    expect(response.headers[header], `${header} on ${response.raw.req.url}`).toBeUndefined();
  }
}

function expectRateLimited(response: LightMyRequestResponse, limit: number, category: string): void {
  expect(response.statusCode, response.body).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expectLimitHeaders(response, limit, 0);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(['details', 'error', 'message']);
  expect(body.error).toBe('rate_limited');
  expect(body.message).toEqual(expect.stringContaining(String(limit)));
  expect(body.details).toEqual({ limit, category, retry_after_seconds: retryAfter });
}

let userCount = 0;

/** A verified user made by the accounts service, logged in through the API from `ip`. */
async function loggedInUser(registry: TestRegistry, ip: string): Promise<{ id: string; username: string; auth: { authorization: string } }> {
  userCount++;
  const username = `limited${userCount}_${Math.random().toString(36).slice(2, 7)}`;
  const email = `${username}@example.org`;
  const password = `pw-${username}-correct-horse`;
  const user = await createUser(registry.ctx, { username, email, password }, {}, { emailVerified: true, sendVerification: false });
  const login = await registry.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });
  expect(login.statusCode, login.body).toBe(200);
  return { id: user.id, username, auth: { authorization: `Bearer ${login.json().token as string}` } };
}

const NEVER_LIMITED = ['/healthz', '/readyz', '/api/v1/openapi.json', '/api/docs', '/api/docs/', '/api/docs/json', '/api/docs/static/index.html'];

describeEachBackend(
  'rate limits',
  (registry) => {
    it('every limited answer carries X-RateLimit-Limit, -Remaining and -Reset', async () => {
      const { app } = registry();
      const ip = newAddress();
      const resets: number[] = [];
      for (let i = 1; i <= 3; i++) {
        const response = await profile(app, ip);
        expect(response.statusCode).toBe(404);
        expectLimitHeaders(response, 5, 5 - i);
        resets.push(Number(response.headers['x-ratelimit-reset']));
      }
      // One window: the reset time does not move with each request.
      expect(Math.max(...resets) - Math.min(...resets)).toBeLessThanOrEqual(1);
      // A user that exists is counted the same way.
      const { username } = await loggedInUser(registry(), newAddress());
      const found = await profile(app, ip, {}, username);
      expect(found.statusCode).toBe(200);
      expectLimitHeaders(found, 5, 1);
    });

    it('the (limit+1)th anonymous request is a 429 with Retry-After and the Error body; other addresses are unaffected', async () => {
      const { app } = registry();
      const ip = newAddress();
      for (let i = 1; i <= 5; i++) {
        const response = await profile(app, ip);
        expect(response.statusCode, `request ${i}: ${response.body}`).toBe(404);
        expectLimitHeaders(response, 5, 5 - i);
      }
      const refused = await profile(app, ip);
      expectRateLimited(refused, 5, 'other');
      expect(refused.json().message).toMatch(/without authentication/);
      // It stays refused, and other API routes share the bucket.
      expectRateLimited(await profile(app, ip), 5, 'other');
      expectRateLimited(await app.inject({ method: 'GET', url: '/api/v1/users/nobody-here/packages', remoteAddress: ip }), 5, 'other');
      // Another address has its own bucket.
      const other = await profile(app, newAddress());
      expect(other.statusCode).toBe(404);
      expectLimitHeaders(other, 5, 4);
    });

    it('authenticated requests are counted per user with the authenticated limit, apart from the anonymous bucket', async () => {
      const reg = registry();
      const { app } = reg;
      const [home, work, cafe] = [newAddress(), newAddress(), newAddress()];
      const user = await loggedInUser(reg, home);
      // Eight requests from two addresses, one user: one bucket of 8, more than the anonymous limit of 5.
      for (let i = 1; i <= 8; i++) {
        const response = await profile(app, i % 2 === 0 ? home : work, user.auth, user.username);
        expect(response.statusCode, `request ${i}: ${response.body}`).toBe(200);
        expectLimitHeaders(response, 8, 8 - i);
      }
      // The ninth is refused wherever it comes from.
      const refused = await profile(app, cafe, user.auth, user.username);
      expectRateLimited(refused, 8, 'other');
      expect(refused.json().message).not.toMatch(/without authentication/);
      expectRateLimited(await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: home, headers: user.auth }), 8, 'other');
      // The addresses' anonymous buckets were not touched by the user's requests.
      for (const ip of [home, work, cafe]) {
        const anonymous = await profile(app, ip);
        expect(anonymous.statusCode).toBe(404);
        expectLimitHeaders(anonymous, 5, 4);
      }
      // Another user calling from the same address has a bucket of their own.
      const colleague = await loggedInUser(reg, newAddress());
      const theirs = await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: home, headers: colleague.auth });
      expect(theirs.statusCode).toBe(200);
      expectLimitHeaders(theirs, 8, 7);
    });

    it('a credential that fails is counted against the address: guessing tokens is limited too', async () => {
      const { app } = registry();
      const ip = newAddress();
      const guess = { authorization: 'Bearer sounio_notarealtokenatallnotarealtokenatall' };
      for (let i = 1; i <= 5; i++) {
        const response = await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: ip, headers: guess });
        expect(response.statusCode, response.body).toBe(401);
        expect(response.json().error).toBe('invalid_token');
        expectLimitHeaders(response, 5, 5 - i);
      }
      expectRateLimited(await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: ip, headers: guess }), 5, 'other');
      expectRateLimited(await profile(app, ip), 5, 'other');
    });

    it('account routes have their own, stricter limit per address', async () => {
      const reg = registry();
      const { app } = reg;
      const ip = newAddress();
      const user = await loggedInUser(reg, newAddress());
      const email = `${user.username}@example.org`;
      // Use up some of the address's general bucket first: the account bucket is separate.
      expectLimitHeaders(await profile(app, ip), 5, 4);
      for (let i = 1; i <= 4; i++) {
        const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password: `wrong password ${i}` } });
        expect(response.statusCode, response.body).toBe(401);
        expect(response.json().error).toBe('invalid_credentials');
        expectLimitHeaders(response, 4, 4 - i);
      }
      const refused = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password: 'wrong password 5' } });
      expectRateLimited(refused, 4, 'account');
      // Even the right password is refused from this address now, and so are the other account routes...
      const right = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password: `pw-${user.username}-correct-horse` } });
      expectRateLimited(right, 4, 'account');
      const reset = await app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/request', remoteAddress: ip, payload: { email } });
      expectRateLimited(reset, 4, 'account');
      // ... also for a logged-in caller: account actions are limited per address, not per user.
      const resend = await app.inject({ method: 'POST', url: '/api/v1/auth/verify/resend', remoteAddress: ip, headers: user.auth });
      expectRateLimited(resend, 4, 'account');
      // The general bucket of the address was not used by the logins.
      const general = await profile(app, ip);
      expect(general.statusCode).toBe(404);
      expectLimitHeaders(general, 5, 3);
      // Another address may still log in.
      const elsewhere = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: newAddress(), payload: { email, password: `pw-${user.username}-correct-horse` } });
      expect(elsewhere.statusCode, elsewhere.body).toBe(200);
      expectLimitHeaders(elsewhere, 4, 3);
    });

    it('/healthz, /readyz, the OpenAPI document and /api/docs are never limited, even for a limited address', async () => {
      const { app } = registry();
      const ip = newAddress();
      for (let i = 0; i < 5; i++) await profile(app, ip);
      expectRateLimited(await profile(app, ip), 5, 'other');
      for (const url of NEVER_LIMITED) {
        for (let i = 0; i < 8; i++) {
          const response = await app.inject({ method: 'GET', url, remoteAddress: ip });
          expect(response.statusCode, `${url}: ${response.body.slice(0, 200)}`).toBeLessThan(400);
          expectNoLimitHeaders(response);
        }
      }
      // With a query string, a trailing slash, or as HEAD too.
      for (const url of ['/healthz?probe=1', '/readyz?probe=1', '/api/v1/openapi.json?v=2', '/healthz/', '/api/v1/openapi.json/']) {
        for (const method of ['GET', 'HEAD'] as const) {
          const response = await app.inject({ method, url, remoteAddress: ip });
          expect(response.statusCode, `${method} ${url}`).toBe(200);
          expectNoLimitHeaders(response);
        }
      }
      // The address is still limited everywhere else.
      expectRateLimited(await profile(app, ip), 5, 'other');
    });
  },
  { env: SMALL_LIMITS },
);

describeEachBackend(
  'RATE_LIMITS=off',
  (registry) => {
    it('sends no X-RateLimit headers and never answers 429', async () => {
      const { app } = registry();
      const ip = newAddress();
      for (let i = 0; i < 12; i++) {
        const response = await profile(app, ip);
        expect(response.statusCode).toBe(404);
        expectNoLimitHeaders(response);
      }
      for (let i = 0; i < 8; i++) {
        const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email: 'nobody@example.org', password: 'wrong password' } });
        expect(response.statusCode).toBe(401);
        expectNoLimitHeaders(response);
      }
      for (let i = 0; i < 8; i++) {
        const response = await app.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: ip, headers: { authorization: 'Bearer sounio_nope' } });
        expect(response.statusCode).toBe(401);
        expectNoLimitHeaders(response);
      }
    });
  },
  { env: { ...SMALL_LIMITS, RATE_LIMITS: 'off' } },
);

describeRealServices('rate limits across two registry processes sharing Redis [PostgreSQL + Redis]', () => {
  let registry: TestRegistry;
  let second: { app: FastifyInstance; kv: RedisKeyValue };

  beforeAll(async () => {
    registry = await createTestRegistry('postgres', { env: defaultLimits() }); // 100 anonymous requests an hour
    // A second process: its own app and Redis connection, the same database and the same REDIS_PREFIX.
    const kv = await openTestRedis(registry.ctx.config.redisPrefix);
    const ctx: Context = { ...registry.ctx, kv };
    const app = await buildApp(ctx);
    await app.fastify.ready();
    second = { app: app.fastify, kv };
  });
  afterAll(async () => {
    await second?.app.close();
    await second?.kv.close();
    await registry?.close();
  });

  it('100 anonymous requests spread over both succeed and the 101st is a 429 on either', async () => {
    const apps = [registry.app, second.app];
    const ip = newAddress();
    // All at once, alternating between the instances: the count is atomic in Redis.
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => profile(apps[i % 2]!, ip)));
    for (const response of responses) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.headers['x-ratelimit-limit']).toBe('100');
    }
    const remaining = responses.map((response) => Number(response.headers['x-ratelimit-remaining'])).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expectRateLimited(await profile(second.app, ip), 100, 'other');
    expectRateLimited(await profile(registry.app, ip), 100, 'other');
    // Another address is served by both.
    const fresh = newAddress();
    for (const app of apps) expect((await profile(app, fresh)).statusCode).toBe(404);
  });

  it('a user’s requests are counted once across both instances', async () => {
    const user = await loggedInUser(registry, newAddress());
    const first = await second.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.auth, remoteAddress: newAddress() });
    expect(first.statusCode).toBe(200);
    expectLimitHeaders(first, 1000, 999);
    const then = await registry.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.auth, remoteAddress: newAddress() });
    expectLimitHeaders(then, 1000, 998);
  });
});

describeRealServices('rate-limit windows in Redis, counted in the process far from the limit [Redis]', () => {
  let a: RedisKeyValue;
  let b: RedisKeyValue;
  const quiet = createLogger('silent');
  beforeAll(async () => {
    const prefix = `sounio_test_rl_${process.pid}_${Date.now()}:`;
    a = await openTestRedis(prefix);
    b = await openTestRedis(prefix);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });
  const inRedis = async (key: string): Promise<number> => (await b.incrWindow(key, 3600_000, 0)).count;

  it('far from the limit a request costs no round trip, and its count reaches Redis within 50 ms', async () => {
    const counts = new WindowCounts(a, quiet);
    const key = `rl:test:${newAddress()}`;
    expect(counts.now(key, 1, 1_000_000)).toBeNull(); // nothing known yet: ask Redis
    expect((await counts.shared(key, 1)).count).toBe(1);
    for (let i = 2; i <= 50; i++) expect(counts.now(key, 1, 1_000_000)?.count).toBe(i);
    expect(await inRedis(key)).toBe(1); // not told yet
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await inRedis(key)).toBe(50);
    // Another process's counts come back with the next answer from Redis.
    await b.incrWindow(key, 3600_000, 10);
    expect(counts.now(key, 1, 1_000_000)?.count).toBe(51);
    await counts.close();
    expect(await inRedis(key)).toBe(61);
    expect((await counts.shared(key, 1)).count).toBe(62);
    await counts.close();
  });

  it('within the last tenth of a limit (and its last 100 requests) every request is counted in Redis first', async () => {
    const counts = new WindowCounts(a, quiet);
    const key = `rl:test:${newAddress()}`;
    await counts.shared(key, 1);
    expect(counts.now(key, 1, 100)).toBeNull(); // a limit of 100 is all headroom
    expect(counts.now(key, 1, 1_000)?.count).toBe(2); // 998 left: counted here
    await b.incrWindow(key, 3600_000, 897); // other processes: Redis has 898 (the 2nd request is not told yet)
    expect((await counts.shared(key, 1)).count).toBe(900); // told with this one, and learnt
    expect(counts.now(key, 1, 1_000)).toBeNull(); // 99 left
    expect((await counts.shared(key, 1)).count).toBe(901);
    await counts.close();
  });

  it('counts sent to Redis and not yet answered still count here: a count never goes backwards', async () => {
    const counts = new WindowCounts(a, quiet);
    const key = `rl:test:${newAddress()}`;
    expect((await counts.shared(key, 1)).count).toBe(1);
    for (let i = 2; i <= 21; i++) expect(counts.now(key, 1, 1_000_000)?.count).toBe(i);
    // The flush sends the 20 counted here; every request counted before its reply is back must still see them.
    const flushing = counts.flush();
    expect(counts.now(key, 1, 1_000_000)?.count).toBe(22);
    const asked = counts.shared(key, 1); // sent after the flush: its reply holds the flush's count too
    expect(counts.now(key, 1, 1_000_000)?.count).toBe(24);
    expect((await asked).count).toBe(24);
    await flushing;
    expect(counts.now(key, 1, 1_000_000)?.count).toBe(25);
    await counts.close();
    expect(await inRedis(key)).toBe(25);
  });

  it('with the key-value store in memory, every count is made at once', () => {
    const counts = new WindowCounts(new MemoryKeyValue(), quiet);
    for (let i = 1; i <= 5; i++) expect(counts.now('rl:test:x', 1, 5)?.count).toBe(i);
    expect(counts.now('rl:test:x', 1, 5)?.count).toBe(6);
  });
});

describe('rate limits while Redis is unreachable', () => {
  let registry: TestRegistry;
  let app: FastifyInstance;
  let deadKv: RedisKeyValue;
  const logLines: string[] = [];

  beforeAll(async () => {
    registry = await createTestRegistry('embedded', { env: SMALL_LIMITS });
    deadKv = new RedisKeyValue({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'sounio_dead:' });
    expect(await deadKv.connect(500)).toBe(false);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const ctx: Context = { ...registry.ctx, kv: deadKv, logger: createLogger('warn', sink) };
    app = (await buildApp(ctx)).fastify;
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await deadKv?.close();
    await registry?.close();
  });

  it('keeps serving, limits per process, and logs the fallback once', async () => {
    const ip = newAddress();
    const started = Date.now();
    for (let i = 1; i <= 5; i++) {
      const response = await profile(app, ip);
      expect(response.statusCode, response.body).toBe(404);
      expectLimitHeaders(response, 5, 5 - i);
    }
    expectRateLimited(await profile(app, ip), 5, 'other');
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email: 'nobody@example.org', password: 'wrong password' } });
    expect(login.statusCode, login.body).toBe(401);
    expectLimitHeaders(login, 4, 3);
    // Failing fast: no request waited for a Redis timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    const warnings = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => /falls back to per-process counting/.test(entry.msg));
    expect(warnings).toHaveLength(1);
    expect(logLines.some((line) => (JSON.parse(line) as { level: number }).level >= 50)).toBe(false); // no errors (500s)
  });

  it('/readyz is 200 with status degraded', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('degraded');
    expect(body.checks.database).toBe('ok');
    expect(body.checks.blobs).toBe('ok');
    expect(body.checks.kv).not.toBe('ok');
    expect(body.message).toMatch(/key-value store/);
  });
});
