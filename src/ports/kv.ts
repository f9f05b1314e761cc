// The key-value port: cache entries, counters, rate-limit windows, short locks and invalidation messages. The memory
// adapter serves one process; the Redis adapter makes N processes behave as one. Every key and channel is namespaced
// by the adapter with the configured prefix (REDIS_PREFIX), so callers use bare names.

export interface Lock {
  /** Releases the lock if this holder still has it (a lock that expired and was taken by another is left alone). */
  release(): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface KeyValue {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer | string, ttlMs?: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * Adds `by` to a counter that lives `windowMs` from its first increment (a fixed window), returning the new count
   * and the milliseconds until the window ends. The basis of rate limits.
   */
  incrWindow(key: string, windowMs: number, by?: number): Promise<{ count: number; resetMs: number }>;
  /** Adds `by` to `field` of the hash `key`. */
  hincrBy(key: string, field: string, by: number): Promise<void>;
  /**
   * Atomically takes every field of the hash `key` and removes it: each increment is returned by exactly one call,
   * whatever the number of processes draining at once.
   */
  drainHash(key: string): Promise<Record<string, number>>;
  /** Takes a lock that expires by itself after `ttlMs`; null when another holder has it. */
  tryLock(key: string, ttlMs: number): Promise<Lock | null>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
