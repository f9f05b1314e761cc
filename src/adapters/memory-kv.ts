// The key-value port in process memory (the default): right for one process. Expired entries are dropped lazily
// and by a periodic sweep; the cache is bounded so a long-running registry cannot grow without limit.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { KeyValue, Lock, Unsubscribe } from '../ports/kv.js';

interface Entry {
  value: Buffer;
  expiresAt: number; // Infinity when the entry has no TTL
}

interface Counter {
  count: number;
  expiresAt: number;
}

export class MemoryKeyValue implements KeyValue {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly counters = new Map<string, Counter>();
  private readonly hashes = new Map<string, Map<string, number>>();
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxEntries = 50_000) {
    this.events.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private sweep(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
  }

  async get(key: string): Promise<Buffer | null> {
    return this.live(key);
  }

  private live(key: string): Buffer | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: Buffer | string, ttlMs?: number): Promise<void> {
    this.entries.delete(key); // re-insert at the end: Map order is our eviction order (oldest write first)
    this.entries.set(key, { value: Buffer.isBuffer(value) ? value : Buffer.from(value), expiresAt: ttlMs ? Date.now() + ttlMs : Infinity });
    if (this.entries.size > this.maxEntries) {
      this.sweep();
      for (const key of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries) break;
        this.entries.delete(key);
      }
    }
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.entries.delete(key);
      this.counters.delete(key);
      this.hashes.delete(key);
    }
  }

  async incrWindow(key: string, windowMs: number, by = 1): Promise<{ count: number; resetMs: number }> {
    return this.incrWindowNow(key, windowMs, by);
  }

  /** incrWindow, answered synchronously (the rate limiter's fast path: no promise per request). */
  incrWindowNow(key: string, windowMs: number, by = 1): { count: number; resetMs: number } {
    const now = Date.now();
    let counter = this.counters.get(key);
    if (counter === undefined || counter.expiresAt <= now) {
      counter = { count: 0, expiresAt: now + windowMs };
      this.counters.set(key, counter);
    }
    counter.count += by;
    return { count: counter.count, resetMs: counter.expiresAt - now };
  }

  async hincrBy(key: string, field: string, by: number): Promise<void> {
    let hash = this.hashes.get(key);
    if (hash === undefined) this.hashes.set(key, (hash = new Map()));
    hash.set(field, (hash.get(field) ?? 0) + by);
  }

  async drainHash(key: string): Promise<Record<string, number>> {
    const hash = this.hashes.get(key);
    this.hashes.delete(key);
    return Object.fromEntries(hash ?? []);
  }

  async tryLock(key: string, ttlMs: number): Promise<Lock | null> {
    // Check and take without an await in between: otherwise concurrent callers could all see the lock free.
    if (this.live(key) !== null) return null;
    const token = randomUUID();
    await this.set(key, token, ttlMs); // set's body runs synchronously: the lock is taken before any other caller runs
    return {
      release: async () => {
        if (this.live(key)?.toString() === token) this.entries.delete(key);
      },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    // Asynchronous like Redis delivery, so a publisher never runs subscribers inside its own call stack.
    queueMicrotask(() => this.events.emit(channel, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    this.events.on(channel, onMessage);
    return async () => {
      this.events.off(channel, onMessage);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.events.removeAllListeners();
  }
}
