// Rate limits from the seed's table, per hour, per user when authenticated and per client IP otherwise. Counted in
// the key-value port, so with Redis the limit is exact across every process. If the key-value store fails, each
// process falls back to counting in its own memory (logged; /readyz reports the store as degraded): requests keep
// being served, never a 500 because of Redis. A 304 answer is refunded: clients that revalidate cost nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { MemoryKeyValue } from '../adapters/memory-kv.js';
import type { RateLimits } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { KeyValue } from '../ports/kv.js';
import type { RateCategory } from './auth.js';
import { isApiPath } from './errors.js';

const WINDOW_MS = 3600_000;

function limitFor(limits: RateLimits, category: RateCategory, authenticated: boolean): number | null {
  switch (category) {
    case 'search':
      return authenticated ? limits.searchAuth : limits.searchAnon;
    case 'download':
      return authenticated ? limits.downloadAuth : limits.downloadAnon;
    case 'publish':
      return authenticated ? limits.publishAuth : null; // anonymous publishes are refused by auth anyway
    case 'other':
      return authenticated ? limits.otherAuth : limits.otherAnon;
    case 'account':
      return limits.accountAnon;
    case 'web':
      return authenticated ? limits.webAuth : limits.webAnon;
  }
}

export class RateLimiter {
  private readonly fallback = new MemoryKeyValue(100_000);
  private lastFaultLog = 0;

  constructor(
    private readonly kv: KeyValue,
    private readonly limits: RateLimits,
    private readonly logger: Logger,
  ) {}

  private async count(key: string, by: number): Promise<{ count: number; resetMs: number }> {
    try {
      return await this.kv.incrWindow(key, WINDOW_MS, by);
    } catch (error) {
      if (Date.now() - this.lastFaultLog > 60_000) {
        this.lastFaultLog = Date.now();
        this.logger.warn({ err: error }, 'rate limiting falls back to per-process counting: the key-value store is unreachable');
      }
      return this.fallback.incrWindow(key, WINDOW_MS, by);
    }
  }

  /** onRequest: counts the request in its bucket and refuses it with 429 once the hour's limit is passed. */
  async check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!this.limits.enabled) return;
    const configured = request.routeOptions.config?.rateLimit;
    if (configured === false || isUnlimitedPath(request.url)) return;
    const category: RateCategory = configured ?? (isApiPath(request.url) ? 'other' : 'web');
    const principal = request.principal;
    // Account actions (login, registration, reset) are limited per address even for a logged-in caller.
    const authenticated = principal !== null && category !== 'account';
    const limit = limitFor(this.limits, category, authenticated);
    if (limit === null) return;
    const who = authenticated ? `u:${principal!.user.id}` : `ip:${request.ip}`;
    const key = `rl:${category}:${who}`;
    const { count, resetMs } = await this.count(key, 1);
    const resetAt = Math.ceil((Date.now() + resetMs) / 1000);
    reply.header('x-ratelimit-limit', String(limit));
    reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count)));
    reply.header('x-ratelimit-reset', String(resetAt));
    request.rateLimitKey = key;
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
      const refusal = new AppError(
        429,
        'rate_limited',
        `Too many ${category === 'other' ? '' : category + ' '}requests: the limit is ${limit} an hour${authenticated ? '' : ' without authentication'}. Try again in ${formatWait(retryAfter)}.`,
        { limit, category, retry_after_seconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
      // A revalidation may still be answered 304, which costs nothing: decide once the answer is known.
      if (request.headers['if-none-match'] !== undefined) {
        request.rateLimitRefusal = refusal;
        return;
      }
      throw refusal;
    }
  }

  /**
   * onSend: a 304 (the client's cached copy is still good) is not counted. A revalidation that arrived over the
   * limit and did not end in a 304 is refused now, its prepared body discarded.
   */
  async settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (request.rateLimitKey === undefined) return payload;
    if (reply.statusCode === 304) {
      const { count } = await this.count(request.rateLimitKey, -1);
      const limit = Number(reply.getHeader('x-ratelimit-limit'));
      if (Number.isFinite(limit)) reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count)));
      return payload;
    }
    const refusal = request.rateLimitRefusal;
    if (refusal === undefined) return payload;
    if (payload instanceof Readable) payload.destroy();
    for (const header of ['etag', 'content-length', 'content-disposition', 'content-range', 'x-checksum-sha256', 'cache-control', 'last-modified']) reply.removeHeader(header);
    reply.code(refusal.status).headers(refusal.headers ?? {}).type('application/json; charset=utf-8');
    return JSON.stringify({ error: refusal.code, message: refusal.message, ...(refusal.details && { details: refusal.details }) });
  }
}

/** Operational endpoints, the API documents and static assets are never limited. */
function isUnlimitedPath(url: string): boolean {
  return (
    url === '/healthz' ||
    url === '/readyz' ||
    url.startsWith('/metrics') ||
    url.startsWith('/api/docs') ||
    url.startsWith('/api/v1/openapi.json') ||
    url.startsWith('/static/') ||
    url === '/favicon.ico'
  );
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

declare module 'fastify' {
  interface FastifyRequest {
    rateLimitKey?: string;
    /** Over the limit, but a revalidation: refused in onSend unless the answer is a 304. */
    rateLimitRefusal?: AppError;
  }
}
