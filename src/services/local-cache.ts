// A per-process cache (L1) in front of the key-value port for hot read-only answers: package, versions, version and
// index documents, download lookups and search results. A hit costs a Map lookup: no Redis round trip, no query.
//
// It is dropped by every package change, in this process at once (packageChanged calls dropLocal) and in every
// other process when the 'package-changed' message arrives (package-events.ts publishes it after the commit). Until
// this process is subscribed to that channel the cache stays off, so nothing is cached that a message could not
// drop. A build records the cache's epoch before it starts and stores its result only if no change arrived
// meanwhile (a change bumps the epoch), so an answer read before a commit is never kept after it. A short TTL
// bounds what a lost message (a Redis reconnection) could leave stale.
//
// Entries are grouped: by canonical package name, and '*' for answers that depend on every package (search); a
// change of package p drops p's group and '*'.
//
// A catalog-wide answer is kept only when its key was asked for before (a doorkeeper, as in TinyLFU): most search
// queries are never repeated, and keeping each for its TTL moved megabytes a second into the old generation at
// 100,000 packages, whose mark-compacts then stalled every request in flight. A repeated query is kept from its
// second asking on.
import type { KeyValue } from '../ports/kv.js';

export const LOCAL_TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;
const MAX_BYTES = 64 * 1024 * 1024;
/** Fingerprints of catalog-wide keys asked for once: a key is forgotten when another lands on its slot. */
const DOORKEEPER_SLOTS = 1 << 16;
export const CATALOG_GROUP = '*';
export const PACKAGE_CHANGED_CHANNEL = 'package-changed';

interface Entry {
  value: unknown;
  group: string;
  bytes: number;
  expiresAt: number;
}

export class LocalCache {
  private readonly entries = new Map<string, Entry>();
  private readonly groups = new Map<string, Set<string>>();
  private bytes = 0;
  /** Bumped by every change: a build started before it must not store its result. */
  epoch = 0;
  /** True once this process receives invalidation messages. */
  ready = false;
  private readonly seen = new Uint32Array(DOORKEEPER_SLOTS);

  constructor(private readonly ttlMs = LOCAL_TTL_MS) {}

  get<T>(key: string): T | undefined {
    if (!this.ready) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.remove(key);
      return undefined;
    }
    return entry.value as T;
  }

  /** Stores `value` unless a change arrived since `epoch` was read (or the cache is off). */
  set(key: string, group: string, value: unknown, bytes: number, epoch: number): void {
    if (!this.ready || epoch !== this.epoch || bytes > MAX_BYTES / 16) return;
    if (group === CATALOG_GROUP && !this.askedBefore(key)) return;
    this.remove(key);
    this.entries.set(key, { value, group, bytes, expiresAt: Date.now() + this.ttlMs });
    let members = this.groups.get(group);
    if (members === undefined) this.groups.set(group, (members = new Set()));
    members.add(key);
    this.bytes += bytes;
    // Map order is insertion order: the oldest entries go first.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.remove(oldest);
    }
  }

  /** True when `key` was asked for before (its fingerprint is in its slot); otherwise notes it and says false. */
  private askedBefore(key: string): boolean {
    // FNV-1a over the UTF-16 code units; 0 marks an empty slot.
    let hash = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    const fingerprint = hash >>> 0 || 1;
    const slot = fingerprint & (DOORKEEPER_SLOTS - 1);
    if (this.seen[slot] === fingerprint) return true;
    this.seen[slot] = fingerprint;
    return false;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    const members = this.groups.get(entry.group);
    members?.delete(key);
    if (members?.size === 0) this.groups.delete(entry.group);
  }

  /** A package changed: its answers and every catalog-wide answer go. */
  drop(canonical: string): void {
    this.epoch++;
    for (const group of [canonical, CATALOG_GROUP]) for (const key of [...(this.groups.get(group) ?? [])]) this.remove(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.groups.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

const caches = new WeakMap<KeyValue, LocalCache>();

/**
 * The cache of the process for this key-value store (one per store, so test registries sharing a process stay
 * apart), subscribed to the invalidation channel on first use.
 */
export function localCacheOf(kv: KeyValue): LocalCache {
  let cache = caches.get(kv);
  if (cache !== undefined) return cache;
  const created = new LocalCache();
  caches.set(kv, created);
  const subscribe = (): void => {
    kv.subscribe(PACKAGE_CHANGED_CHANNEL, (canonical) => created.drop(canonical)).then(
      () => {
        created.clear();
        created.ready = true;
      },
      () => setTimeout(subscribe, 5_000).unref(), // no messages, no cache: try again later
    );
  };
  subscribe();
  return created;
}

/** The answer from the process's cache, or built (and kept for a few seconds unless a change raced the build). */
export async function locallyCached<T>(kv: KeyValue, key: string, group: string, build: () => Promise<T>, sizeOf: (value: T) => number): Promise<T> {
  const cache = localCacheOf(kv);
  const hit = cache.get<T>(key);
  if (hit !== undefined) return hit;
  const epoch = cache.epoch;
  const value = await build();
  cache.set(key, group, value, sizeOf(value), epoch);
  return value;
}
