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

/** What this process knows of a window's count in the shared store, and what it counted since it last told it. */
interface Known {
  shared: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** Sent to the store, its reply not yet back: part of the count until a reply that includes it is learnt. */
  sending: number;
  /** The send whose reply `shared` comes from: a reply older than it (it can arrive later) is not learnt. */
  seq: number;
  resetAt: number;
  seenAt: number;
}

/** How often counts made in this process are added to the shared store. */
const FLUSH_MS = 50;
/** How old the shared count may be for a request to be counted here. */
const FRESH_MS = 1_000;
/** Counting in the process stops this close to the limit (a tenth of it, at least 100 requests): from there on every request asks the store. */
const HEADROOM = 0.1;
const MIN_HEADROOM = 100;
const MAX_KNOWN = 100_000;

export interface Counted {
  count: number;
  resetMs: number;
}

/**
 * The counts of the limits' windows. In memory, counted at once. In Redis, a request far from its limit is counted in
 * the process against the count Redis gave it less than a second ago, and those counts reach Redis every 50 ms (in
 * one pipelined round trip): a busy client costs no round trip per request. Within the last tenth of a limit (and
 * the last 100 requests), and without a recent count, every request is counted in Redis before it is answered, so
 * the limit holds across processes: only a burst of more than that many requests from one client within 50 ms
 * could go past it.
 */
export class WindowCounts {
  private readonly fallback = new MemoryKeyValue(100_000);
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private lastFaultLog = 0;
  private sends = 0;

  constructor(
    private readonly kv: KeyValue,
    private readonly logger: Logger,
  ) {}

  /** Counts `by` in the window `key` when that can be done without a round trip; null when the store must be asked. */
  now(key: string, by: number, limit: number): Counted | null {
    if (this.kv instanceof MemoryKeyValue) return this.kv.incrWindowNow(key, WINDOW_MS, by);
    const known = this.known.get(key);
    if (known === undefined) return null;
    const now = Date.now();
    if (now >= known.resetAt || now - known.seenAt > FRESH_MS) return null;
    const count = known.shared + known.sending + known.pending + by;
    if (by > 0 && limit - count < Math.max(MIN_HEADROOM, limit * HEADROOM)) return null;
    known.pending += by;
    this.schedule();
    return { count, resetMs: known.resetAt - now };
  }

  /** Counts `by` in the shared store (with what this process counted and has not told it yet). */
  async shared(key: string, by: number): Promise<Counted> {
    const known = this.known.get(key);
    const owed = known?.pending ?? 0;
    if (known !== undefined) known.pending = 0;
    try {
      const counted = await this.send(key, known, by + owed);
      // What this process counted meanwhile, or sent after this (its reply not back yet), is not in the store's count.
      const after = this.known.get(key);
      return { count: counted.count + (after === undefined ? 0 : after.sending + after.pending), resetMs: counted.resetMs };
    } catch (error) {
      if (known !== undefined) known.pending += owed;
      this.fault(error);
      return this.fallback.incrWindowNow(key, WINDOW_MS, by);
    }
  }

  /**
   * Adds `amount` to the store's count, and learns the count from the reply. While in flight, the amount stays part
   * of the count seen here (a request counted meanwhile must not miss it); on failure it is the caller's to keep.
   */
  private async send(key: string, known: Known | undefined, amount: number): Promise<Counted> {
    const seq = ++this.sends;
    if (known !== undefined) known.sending += amount;
    let counted: Counted;
    try {
      counted = await this.kv.incrWindow(key, WINDOW_MS, amount);
    } finally {
      if (known !== undefined) known.sending -= amount;
    }
    this.learn(key, counted, seq);
    return counted;
  }

  private learn(key: string, counted: Counted, seq: number): void {
    const now = Date.now();
    const known = this.known.get(key);
    if (known !== undefined) {
      if (seq < known.seq) return; // a later send's reply was learnt already: it holds this one's count, or newer
      known.shared = counted.count;
      known.seq = seq;
      known.resetAt = now + counted.resetMs;
      known.seenAt = now;
    } else if (this.known.size < MAX_KNOWN) {
      this.known.set(key, { shared: counted.count, pending: 0, sending: 0, seq, resetAt: now + counted.resetMs, seenAt: now });
    }
  }

  private fault(error: unknown): void {
    if (Date.now() - this.lastFaultLog > 60_000) {
      this.lastFaultLog = Date.now();
      this.logger.warn({ err: error }, 'rate limiting falls back to per-process counting: the key-value store is unreachable');
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** Adds what this process counted to the shared store; forgets windows it has not heard of for a while. */
  async flush(): Promise<void> {
    const now = Date.now();
    const sends: Array<Promise<unknown>> = [];
    for (const [key, known] of this.known) {
      if (known.pending === 0) {
        if (known.sending === 0 && (now >= known.resetAt || now - known.seenAt > 10 * FRESH_MS)) this.known.delete(key);
        continue;
      }
      const owed = known.pending;
      known.pending = 0;
      sends.push(
        this.send(key, known, owed).catch((error: unknown) => {
          known.pending += owed; // told on the next flush; meanwhile requests ask the store (and fall back)
          known.seenAt = 0;
          this.fault(error);
        }),
      );
    }
    await Promise.all(sends);
    for (const known of this.known.values()) {
      if (known.pending !== 0) {
        this.schedule();
        break;
      }
    }
  }

  /** Tells the store what is still owed (a process that stops loses at most what it counted in its last 50 ms). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => {});
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class RateLimiter {
  private readonly counts: WindowCounts;

  constructor(
    kv: KeyValue,
    private readonly limits: RateLimits,
    logger: Logger,
  ) {
    this.counts = new WindowCounts(kv, logger);
  }

  /**
   * onRequest: counts the request in its bucket and refuses it with 429 once the hour's limit is passed. Answers
   * synchronously (undefined, or a thrown refusal) when the count needs no round trip.
   */
  check(request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
    if (!this.limits.enabled) return undefined;
    const configured = request.routeRateLimit;
    if (configured === false || isUnlimitedPath(request.url)) return undefined;
    const category: RateCategory = configured ?? (isApiPath(request.url) ? 'other' : 'web');
    const principal = request.principal;
    // Account actions (login, registration, reset) are limited per address even for a logged-in caller.
    const authenticated = principal !== null && category !== 'account';
    const limit = limitFor(this.limits, category, authenticated);
    if (limit === null) return undefined;
    const who = authenticated ? `u:${principal!.user.id}` : `ip:${request.ip}`;
    const key = `rl:${category}:${who}`;
    const counted = this.counts.now(key, 1, limit);
    if (counted !== null) {
      this.apply(request, reply, { key, limit, category, authenticated }, counted);
      return undefined;
    }
    return this.counts.shared(key, 1).then((shared) => this.apply(request, reply, { key, limit, category, authenticated }, shared));
  }

  private apply(
    request: FastifyRequest,
    reply: FastifyReply,
    bucket: { key: string; limit: number; category: RateCategory; authenticated: boolean },
    { count, resetMs }: Counted,
  ): void {
    const { key, limit, category, authenticated } = bucket;
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

  /** Counts still owed to the shared store go there now (the app is closing). */
  close(): Promise<void> {
    return this.counts.close();
  }

  /**
   * onSend: a 304 (the client's cached copy is still good) is not counted. A revalidation that arrived over the
   * limit and did not end in a 304 is refused now, its prepared body discarded. The payload to send, or a promise of
   * it when uncounting a 304 needs a round trip.
   */
  settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
    if (request.rateLimitKey === undefined) return payload;
    if (reply.statusCode === 304) {
      const key = request.rateLimitKey;
      // Synchronous (no promise per answer) when the count needs no round trip, as check() is.
      const uncounted = (count: number): unknown => {
        const limit = Number(reply.getHeader('x-ratelimit-limit'));
        if (Number.isFinite(limit)) reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count)));
        return payload;
      };
      const counted = this.counts.now(key, -1, Infinity);
      return counted !== null ? uncounted(counted.count) : this.counts.shared(key, -1).then(({ count }) => uncounted(count));
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
    /** The matched route's url (undefined when none matched) and rate-limit bucket, set by the first hook (app.ts). */
    routeUrl: string | undefined;
    routeRateLimit: RateCategory | false | undefined;
    rateLimitKey?: string;
    /** Over the limit, but a revalidation: refused in onSend unless the answer is a 304. */
    rateLimitRefusal?: AppError;
  }
}
