// The key-value port on both adapters with one test body: values and TTLs, rate-limit windows, drained counters, locks
// and messages. Redis runs when TEST_REDIS_URL is set (CI=true makes its absence a failure) and adds what only it
// promises: N instances with one prefix behave as one, different prefixes never meet, and a dead Redis fails fast.
import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/process.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValue } from '../../src/adapters/memory-kv.js';
import { RedisKeyValue } from '../../src/adapters/redis-kv.js';
import { BackendUnavailableError } from '../../src/errors.js';
import type { KeyValue, Lock } from '../../src/ports/kv.js';
import { TEST_REDIS_URL, deleteRedisPrefix, describeNeeding, openTestRedis, uniqueName } from '../helpers/registry.js';

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}


/** Collects the messages of a channel. */
async function listen(kv: KeyValue, channel: string): Promise<{ messages: string[]; stop: () => Promise<void> }> {
  const messages: string[] = [];
  const stop = await kv.subscribe(channel, (message) => messages.push(message));
  return { messages, stop };
}

interface Backend {
  name: string;
  needs: string[];
  /** A fresh store with its own namespace. */
  open(): Promise<KeyValue>;
}

const opened: { kv: KeyValue; prefix?: string }[] = [];

async function openRedis(prefix = uniqueName('sounio_test') + ':'): Promise<RedisKeyValue> {
  const kv = await openTestRedis(prefix);
  opened.push({ kv, prefix });
  return kv;
}

const backends: Backend[] = [
  {
    name: 'MemoryKeyValue',
    needs: [],
    open: async () => {
      const kv = new MemoryKeyValue();
      opened.push({ kv });
      return kv;
    },
  },
  { name: 'RedisKeyValue', needs: ['TEST_REDIS_URL'], open: () => openRedis() },
];

afterEach(async () => {
  for (const { kv, prefix } of opened.splice(0)) {
    await kv.close();
    if (prefix !== undefined) await deleteRedisPrefix(prefix);
  }
});

for (const backend of backends) {
  describeNeeding(backend.needs, `KeyValue port [${backend.name}]`, () => {
    let kv: KeyValue;
    beforeEach(async () => {
      kv = await backend.open();
    });

    it('reports its kind and answers ping', async () => {
      expect(kv.kind).toBe(backend.name === 'MemoryKeyValue' ? 'memory' : 'redis');
      await expect(kv.ping()).resolves.toBeUndefined();
    });

    describe('get, set, del', () => {
      it('a missing key is null', async () => {
        expect(await kv.get('missing')).toBeNull();
      });

      it('a string value comes back as a Buffer of its UTF-8 bytes', async () => {
        await kv.set('greeting', 'héllo, wörld ✓');
        const value = await kv.get('greeting');
        expect(Buffer.isBuffer(value)).toBe(true);
        expect(value!.toString('utf8')).toBe('héllo, wörld ✓');
      });

      it('set replaces the value', async () => {
        await kv.set('k', 'first');
        await kv.set('k', 'second');
        expect((await kv.get('k'))!.toString()).toBe('second');
      });

      it('del removes several keys at once and leaves the others', async () => {
        await kv.set('a', '1');
        await kv.set('b', '2');
        await kv.set('c', '3');
        await kv.del('a', 'b', 'never-set');
        expect(await kv.get('a')).toBeNull();
        expect(await kv.get('b')).toBeNull();
        expect((await kv.get('c'))!.toString()).toBe('3');
        await expect(kv.del()).resolves.toBeUndefined();
      });

      it('del also removes counters and hashes', async () => {
        await kv.incrWindow('counter', 60_000, 5);
        await kv.hincrBy('hash', 'f', 3);
        await kv.del('counter', 'hash');
        expect((await kv.incrWindow('counter', 60_000)).count).toBe(1);
        expect(await kv.drainHash('hash')).toEqual({});
      });

      it('binary values survive byte for byte (every byte value, invalid UTF-8, empty)', async () => {
        const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const binary = Buffer.concat([every, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), randomBytes(4096)]);
        await kv.set('binary', binary);
        expect((await kv.get('binary'))!.equals(binary)).toBe(true);
        await kv.set('empty', Buffer.alloc(0));
        const empty = await kv.get('empty');
        expect(empty).not.toBeNull();
        expect(empty!.length).toBe(0);
      });
    });

    describe('TTL', () => {
      it('a value with a TTL is there until it expires, then gone', async () => {
        await kv.set('short', 'v', 300);
        await kv.set('forever', 'v');
        expect((await kv.get('short'))!.toString()).toBe('v');
        await sleep(450);
        expect(await kv.get('short')).toBeNull();
        expect((await kv.get('forever'))!.toString()).toBe('v');
      });

      it('setting again without a TTL makes the value permanent', async () => {
        await kv.set('k', 'old', 100);
        await kv.set('k', 'new');
        await sleep(200);
        expect((await kv.get('k'))!.toString()).toBe('new');
      });

      it('setting again with a TTL replaces the old TTL', async () => {
        await kv.set('k', 'old', 100);
        await kv.set('k', 'new', 10_000);
        await sleep(200);
        expect((await kv.get('k'))!.toString()).toBe('new');
      });
    });

    describe('incrWindow', () => {
      it('counts within the window and reports the time left', async () => {
        const first = await kv.incrWindow('rate', 10_000);
        expect(first.count).toBe(1);
        expect(first.resetMs).toBeGreaterThan(9_000);
        expect(first.resetMs).toBeLessThanOrEqual(10_000);
        expect((await kv.incrWindow('rate', 10_000)).count).toBe(2);
        const byFive = await kv.incrWindow('rate', 10_000, 5);
        expect(byFive.count).toBe(7);
        expect(byFive.resetMs).toBeLessThanOrEqual(first.resetMs);
      });

      it('`by` applies to the first increment too, and keys are independent', async () => {
        expect((await kv.incrWindow('a', 10_000, 10)).count).toBe(10);
        expect((await kv.incrWindow('b', 10_000)).count).toBe(1);
        expect((await kv.incrWindow('a', 10_000, 0)).count).toBe(10);
      });

      it('is a fixed window: later increments do not extend it', async () => {
        await kv.incrWindow('fixed', 400);
        await sleep(200);
        const later = await kv.incrWindow('fixed', 400);
        expect(later.count).toBe(2);
        expect(later.resetMs).toBeGreaterThan(0);
        expect(later.resetMs).toBeLessThanOrEqual(250);
      });

      it('restarts from zero with a fresh window once the window is over', async () => {
        expect((await kv.incrWindow('window', 150, 3)).count).toBe(3);
        await sleep(250);
        const fresh = await kv.incrWindow('window', 150);
        expect(fresh.count).toBe(1);
        expect(fresh.resetMs).toBeGreaterThan(100);
        expect(fresh.resetMs).toBeLessThanOrEqual(150);
      });

      it('concurrent increments are all counted', async () => {
        const results = await Promise.all(Array.from({ length: 500 }, () => kv.incrWindow('busy', 60_000)));
        const counts = results.map((result) => result.count).sort((a, b) => a - b);
        expect(counts).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      });
    });

    describe('hincrBy and drainHash', () => {
      it('drains every field once, then the hash is empty', async () => {
        await kv.hincrBy('views', 'pkg-a', 1);
        await kv.hincrBy('views', 'pkg-a', 2);
        await kv.hincrBy('views', 'pkg-b', 5);
        await kv.hincrBy('views', 'pkg-c', -3);
        expect(await kv.drainHash('views')).toEqual({ 'pkg-a': 3, 'pkg-b': 5, 'pkg-c': -3 });
        expect(await kv.drainHash('views')).toEqual({});
        expect(await kv.drainHash('never-written')).toEqual({});
        await kv.hincrBy('views', 'pkg-a', 4);
        expect(await kv.drainHash('views')).toEqual({ 'pkg-a': 4 });
      });

      it('concurrent increments interleaved with concurrent drains lose and double-count nothing', async () => {
        const expected: Record<string, number> = {};
        const drained: Record<string, number> = {};
        const drains: Promise<void>[] = [];
        const increments: Promise<void>[] = [];
        const drain = async () => {
          for (const [field, value] of Object.entries(await kv.drainHash('downloads'))) drained[field] = (drained[field] ?? 0) + value;
        };
        for (let i = 0; i < 2000; i++) {
          const field = `pkg-${i % 17}`;
          const by = (i % 5) + 1;
          expected[field] = (expected[field] ?? 0) + by;
          increments.push(kv.hincrBy('downloads', field, by));
          if (i % 50 === 25) drains.push(drain(), drain());
          if (i % 400 === 0) await sleep(1); // let some drains land between increments rather than all at the end
        }
        await Promise.all([...increments, ...drains]);
        await drain();
        expect(drains.length).toBeGreaterThan(50);
        expect(drained).toEqual(expected);
        expect(await kv.drainHash('downloads')).toEqual({});
      });
    });

    describe('tryLock', () => {
      it('one holder at a time; release lets another take it', async () => {
        const first = await kv.tryLock('job', 10_000);
        expect(first).not.toBeNull();
        expect(await kv.tryLock('job', 10_000)).toBeNull();
        expect(await kv.tryLock('other-job', 10_000)).not.toBeNull();
        await first!.release();
        const second = await kv.tryLock('job', 10_000);
        expect(second).not.toBeNull();
        await second!.release();
        await second!.release(); // releasing twice is harmless
        expect(await kv.tryLock('job', 10_000)).not.toBeNull();
      });

      it('of many concurrent takers exactly one gets the lock', async () => {
        const results = await Promise.all(Array.from({ length: 25 }, () => kv.tryLock('contended', 10_000)));
        expect(results.filter((lock) => lock !== null)).toHaveLength(1);
      });

      it('an expired lock is free; its old holder releasing it does not free the new holder', async () => {
        const stale = await kv.tryLock('expiring', 300);
        expect(stale).not.toBeNull();
        expect(await kv.tryLock('expiring', 10_000)).toBeNull();
        await sleep(450);
        const fresh = await kv.tryLock('expiring', 10_000);
        expect(fresh).not.toBeNull();
        await stale!.release();
        expect(await kv.tryLock('expiring', 10_000)).toBeNull();
        await fresh!.release();
        const next: Lock | null = await kv.tryLock('expiring', 10_000);
        expect(next).not.toBeNull();
      });
    });

    describe('publish and subscribe', () => {
      it('delivers messages in order to every subscriber of the channel and no other', async () => {
        const one = await listen(kv, 'invalidate');
        const two = await listen(kv, 'invalidate');
        const elsewhere = await listen(kv, 'elsewhere');
        await kv.publish('invalidate', 'pkg:a');
        await kv.publish('invalidate', 'pkg:ü ✓');
        await kv.publish('elsewhere', 'done');
        await waitFor(() => one.messages.length === 2 && two.messages.length === 2 && elsewhere.messages.length === 1);
        expect(one.messages).toEqual(['pkg:a', 'pkg:ü ✓']);
        expect(two.messages).toEqual(['pkg:a', 'pkg:ü ✓']);
        expect(elsewhere.messages).toEqual(['done']);
      });

      it('never runs a subscriber inside the publisher’s call', async () => {
        const sub = await listen(kv, 'async');
        const publishing = kv.publish('async', 'm');
        expect(sub.messages).toEqual([]);
        await publishing;
        await waitFor(() => sub.messages.length === 1);
      });

      it('unsubscribe stops delivery to that handler only', async () => {
        const stays = await listen(kv, 'news');
        const leaves = await listen(kv, 'news');
        await kv.publish('news', 'before');
        await waitFor(() => stays.messages.length === 1 && leaves.messages.length === 1);
        await leaves.stop();
        await kv.publish('news', 'after');
        await waitFor(() => stays.messages.length === 2);
        expect(stays.messages).toEqual(['before', 'after']);
        expect(leaves.messages).toEqual(['before']);
      });

      it('after the last handler leaves, nothing is delivered; subscribing again works', async () => {
        const gone = await listen(kv, 'gone');
        const sentinel = await listen(kv, 'sentinel');
        await gone.stop();
        await kv.publish('gone', 'lost');
        await kv.publish('sentinel', 'done'); // published after: delivered after anything still routed to 'gone'
        await waitFor(() => sentinel.messages.length === 1);
        await sleep(20);
        expect(gone.messages).toEqual([]);
        const back = await listen(kv, 'gone');
        await kv.publish('gone', 'again');
        await waitFor(() => back.messages.length === 1);
        expect(back.messages).toEqual(['again']);
        expect(gone.messages).toEqual([]);
      });
    });
  });
}

describeNeeding(['TEST_REDIS_URL'], 'RedisKeyValue across instances', () => {
  describe('two instances with the same prefix behave as one', () => {
    let a: RedisKeyValue;
    let b: RedisKeyValue;
    beforeEach(async () => {
      const prefix = uniqueName('sounio_test') + ':';
      a = await openRedis(prefix);
      b = await openRedis(prefix);
    });

    it('keeps counting windows after Redis forgets its scripts (EVALSHA falls back to EVAL on NOSCRIPT)', async () => {
      expect((await a.incrWindow('flushed', 60_000)).count).toBe(1);
      const raw = new Redis(TEST_REDIS_URL!);
      try {
        await raw.script('FLUSH');
      } finally {
        raw.disconnect();
      }
      expect((await a.incrWindow('flushed', 60_000)).count).toBe(2);
      expect((await b.incrWindow('flushed', 60_000)).count).toBe(3);
    });

    it('share values, windows, hashes and locks', async () => {
      await a.set('shared', Buffer.from([1, 2, 3]));
      expect((await b.get('shared'))!.equals(Buffer.from([1, 2, 3]))).toBe(true);
      await b.del('shared');
      expect(await a.get('shared')).toBeNull();

      expect((await a.incrWindow('rate', 60_000)).count).toBe(1);
      expect((await b.incrWindow('rate', 60_000, 2)).count).toBe(3);
      expect((await a.incrWindow('rate', 60_000)).count).toBe(4);

      const lock = await a.tryLock('job', 10_000);
      expect(lock).not.toBeNull();
      expect(await b.tryLock('job', 10_000)).toBeNull();
      await lock!.release();
      expect(await b.tryLock('job', 10_000)).not.toBeNull();
    });

    it('increments and drains spread over both are counted exactly once', async () => {
      const expected: Record<string, number> = {};
      const drained: Record<string, number> = {};
      const work: Promise<void>[] = [];
      const drain = async (kv: KeyValue) => {
        for (const [field, value] of Object.entries(await kv.drainHash('downloads'))) drained[field] = (drained[field] ?? 0) + value;
      };
      for (let i = 0; i < 2000; i++) {
        const field = `pkg-${i % 13}`;
        expected[field] = (expected[field] ?? 0) + 1 + (i % 3);
        work.push((i % 2 === 0 ? a : b).hincrBy('downloads', field, 1 + (i % 3)));
        if (i % 40 === 0) work.push(drain(a), drain(b));
      }
      await Promise.all(work);
      await drain(b);
      expect(drained).toEqual(expected);
    });

    it('see each other’s messages', async () => {
      const onA = await listen(a, 'invalidate');
      const onB = await listen(b, 'invalidate');
      await a.publish('invalidate', 'from-a');
      await b.publish('invalidate', 'from-b');
      await waitFor(() => onA.messages.length === 2 && onB.messages.length === 2);
      expect(onA.messages).toEqual(['from-a', 'from-b']);
      expect(onB.messages).toEqual(['from-a', 'from-b']);
    });
  });

  describe('instances with different prefixes never meet', () => {
    let prefixA: string;
    let prefixB: string;
    let a: RedisKeyValue;
    let b: RedisKeyValue;
    let raw: Redis;
    beforeEach(async () => {
      prefixA = uniqueName('sounio_test_a') + ':';
      prefixB = uniqueName('sounio_test_b') + ':';
      a = await openRedis(prefixA);
      b = await openRedis(prefixB);
      raw = new Redis(TEST_REDIS_URL!);
    });
    afterEach(() => {
      raw.disconnect();
    });

    it('keys live under the prefix and are invisible to the other', async () => {
      await a.set('key', 'from-a');
      expect(await b.get('key')).toBeNull();
      expect(await raw.get(prefixA + 'key')).toBe('from-a');
      expect(await raw.exists('key', prefixB + 'key')).toBe(0);
      await b.set('key', 'from-b');
      await b.del('key');
      expect((await a.get('key'))!.toString()).toBe('from-a');
    });

    it('counters, hashes and locks are separate', async () => {
      expect((await a.incrWindow('rate', 60_000, 5)).count).toBe(5);
      expect((await b.incrWindow('rate', 60_000)).count).toBe(1);
      await a.hincrBy('hash', 'f', 7);
      expect(await b.drainHash('hash')).toEqual({});
      expect(await a.drainHash('hash')).toEqual({ f: 7 });
      expect(await a.tryLock('job', 10_000)).not.toBeNull();
      expect(await b.tryLock('job', 10_000)).not.toBeNull();
    });

    it('channels are separate', async () => {
      const onB = await listen(b, 'invalidate');
      const onA = await listen(a, 'invalidate');
      await a.publish('invalidate', 'for-a-only');
      await b.publish('invalidate', 'for-b');
      await waitFor(() => onA.messages.length === 1 && onB.messages.length === 1);
      await sleep(20);
      expect(onA.messages).toEqual(['for-a-only']);
      expect(onB.messages).toEqual(['for-b']);
    });
  });
});

describe('RedisKeyValue without a Redis', () => {
  let kv: RedisKeyValue;
  afterAll(async () => {
    await kv?.close();
  });

  it('fails fast with BackendUnavailableError instead of hanging, and ping rejects', async () => {
    kv = new RedisKeyValue({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'sounio_dead:', commandTimeoutMs: 500 });
    const started = Date.now();
    expect(await kv.connect(300)).toBe(false);
    const attempts: [string, () => Promise<unknown>][] = [
      ['get', () => kv.get('k')],
      ['set', () => kv.set('k', 'v', 1000)],
      ['del', () => kv.del('k')],
      ['incrWindow', () => kv.incrWindow('k', 1000)],
      ['hincrBy', () => kv.hincrBy('h', 'f', 1)],
      ['drainHash', () => kv.drainHash('h')],
      ['tryLock', () => kv.tryLock('l', 1000)],
      ['publish', () => kv.publish('c', 'm')],
      ['ping', () => kv.ping()],
    ];
    for (const [name, attempt] of attempts) {
      const error = await attempt().then(
        () => new Error(`${name} resolved`),
        (error: unknown) => error,
      );
      expect(error, name).toBeInstanceOf(BackendUnavailableError);
      expect((error as BackendUnavailableError).backend, name).toBe('kv');
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
