// The key-value port on Redis 6+ (REDIS_URL): what makes N registry processes count, limit and cache as one.
// Every key and channel is prefixed with REDIS_PREFIX. Commands fail fast while Redis is unreachable (no offline
// queue, a command timeout) so callers can fall back instead of hanging; ioredis reconnects in the background.
//
// A deletion that fails (Redis unreachable) is remembered and done as soon as Redis is back, and until then this
// process never reads the key: deletions are how cached documents are invalidated, and a Redis that comes back with
// its data (restarted from its snapshot, or a network partition healed) would otherwise serve what a change made
// during the outage outdated, for as long as the entry lives. Other processes may read such an entry until this
// one reconnects (the same moment, give or take the reconnection back-off of at most 2 s), and an invalidation owed
// by a process that stops before Redis comes back is lost (entries live a few minutes at most).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { BackendUnavailableError } from '../errors.js';
import type { KeyValue, Lock, Unsubscribe } from '../ports/kv.js';

// INCRBY, and start the window on the first increment; returns {count, ms left}. A key that somehow lost its TTL
// gets one again rather than counting forever.
const INCR_WINDOW = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// HGETALL and DEL as one step: each increment is drained by exactly one caller.
const DRAIN_HASH = `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** At most this many owed deletions are remembered through an outage (about 10 MB of keys at worst). */
const MAX_OWED_DELETES = 100_000;

interface ScriptCommands {
  sounioIncrWindow(key: string, windowMs: number, by: number): Promise<unknown>;
}

export interface RedisOptions {
  url: string;
  prefix: string;
  /** Milliseconds a command may take before it fails (and the caller falls back). */
  commandTimeoutMs?: number;
}

export class RedisKeyValue implements KeyValue {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly channels = new EventEmitter();
  private readonly prefix: string;
  /** Prefixed keys whose deletion failed: deleted once Redis answers again, and not read before (see above). */
  private readonly owedDeletes = new Set<string>();
  private settling: Promise<void> | undefined;

  constructor(private readonly options: RedisOptions) {
    this.prefix = options.prefix;
    this.channels.setMaxListeners(0);
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      // A command in flight when the connection drops fails there and then: never resent after the reconnection,
      // when its caller has long fallen back (a resent HINCRBY would count a download twice).
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      // A Redis that stops answering without closing the connection (a network partition, a frozen server): once a
      // command has waited this long for any byte, the connection is destroyed, so every command after it fails at
      // once (no offline queue) instead of each waiting out its own timeout, and ioredis reconnects meanwhile.
      socketTimeout: options.commandTimeoutMs ?? 2000,
      keepAlive: 10_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: true,
    });
    this.client.on('error', () => {}); // reported through failing commands and ping(), not as crashes
    this.client.defineCommand('sounioIncrWindow', { numberOfKeys: 1, lua: INCR_WINDOW });
    this.client.on('ready', () => void this.settleOwedDeletes().catch(() => {}));
  }

  /** Deletions owed since an outage (a bounded number: beyond it, entries are left to expire on their own). */
  get owedDeleteCount(): number {
    return this.owedDeletes.size;
  }

  private oweDeletes(keys: string[]): void {
    for (const key of keys) if (this.owedDeletes.size < MAX_OWED_DELETES) this.owedDeletes.add(key);
  }

  /** Performs every owed deletion (one run at a time); rejects while Redis is still unreachable. */
  private settleOwedDeletes(): Promise<void> {
    if (this.owedDeletes.size === 0) return Promise.resolve();
    if (this.settling === undefined) {
      const settling = (async () => {
        while (this.owedDeletes.size > 0) {
          const batch = [...this.owedDeletes].slice(0, 500);
          await this.client.del(...batch);
          for (const key of batch) this.owedDeletes.delete(key);
        }
      })();
      this.settling = settling;
      const done = () => {
        if (this.settling === settling) this.settling = undefined;
      };
      settling.then(done, done);
    }
    return this.settling;
  }

  /** Before a key is read or changed: the deletion owed for it, if any, happens first. */
  private async settle(key: string): Promise<void> {
    if (this.owedDeletes.size === 0 || !this.owedDeletes.has(key)) return;
    await this.run(() => this.settleOwedDeletes());
  }

  /** Connects, waiting at most `timeoutMs`; a registry whose Redis is down still starts (degraded). */
  async connect(timeoutMs = 3000): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.client.connect().catch(() => {});
    return ready;
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new BackendUnavailableError('kv', error);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    await this.settle(this.key(key));
    return this.run(() => this.client.getBuffer(this.key(key)));
  }

  async set(key: string, value: Buffer | string, ttlMs?: number): Promise<void> {
    const full = this.key(key);
    await this.run(() => (ttlMs ? this.client.set(full, value, 'PX', ttlMs) : this.client.set(full, value)));
    this.owedDeletes.delete(full); // overwritten: the old value the deletion was owed for is gone
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const full = keys.map((key) => this.key(key));
    try {
      await this.run(() => this.client.del(...full));
    } catch (error) {
      this.oweDeletes(full);
      throw error;
    }
    for (const key of full) this.owedDeletes.delete(key);
  }

  async incrWindow(key: string, windowMs: number, by = 1): Promise<{ count: number; resetMs: number }> {
    await this.settle(this.key(key));
    // A defined command: EVALSHA (the script's hash, not its text, on every request), EVAL only after a NOSCRIPT.
    const [count, ttl] = (await this.run(() => (this.client as Redis & ScriptCommands).sounioIncrWindow(this.key(key), windowMs, by))) as [number, number];
    return { count: Number(count), resetMs: Number(ttl) };
  }

  async hincrBy(key: string, field: string, by: number): Promise<void> {
    await this.settle(this.key(key));
    await this.run(() => this.client.hincrby(this.key(key), field, by));
  }

  async drainHash(key: string): Promise<Record<string, number>> {
    await this.settle(this.key(key));
    const flat = (await this.run(() => this.client.eval(DRAIN_HASH, 1, this.key(key)))) as string[];
    const result: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) result[flat[i]!] = Number(flat[i + 1]);
    return result;
  }

  async tryLock(key: string, ttlMs: number): Promise<Lock | null> {
    await this.settle(this.key(key));
    const token = randomUUID();
    const taken = await this.run(() => this.client.set(this.key(key), token, 'PX', ttlMs, 'NX'));
    if (taken !== 'OK') return null;
    return {
      release: async () => {
        await this.run(() => this.client.eval(RELEASE_LOCK, 1, this.key(key), token));
      },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run(() => this.client.publish(this.key(channel), message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    const name = this.key(channel);
    if (this.subscriber === undefined) {
      // A subscribed connection can do nothing else; it keeps an offline queue so subscriptions survive reconnects.
      this.subscriber = new Redis(this.options.url, { lazyConnect: false, keepAlive: 10_000, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
      this.subscriber.on('error', () => {});
      this.subscriber.on('message', (from: string, message: string) => this.channels.emit(from, message));
    }
    const subscriber = this.subscriber;
    if (this.channels.listenerCount(name) === 0) await this.run(() => subscriber.subscribe(name));
    this.channels.on(name, onMessage);
    return async () => {
      this.channels.off(name, onMessage);
      if (this.channels.listenerCount(name) === 0) await subscriber.unsubscribe(name).catch(() => {});
    };
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.channels.removeAllListeners();
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
