// Hot JSON documents (a package, its versions) kept serialised in the key-value port with their ETag, so a hot read
// costs a cache lookup and no database query or re-serialisation. Entries are dropped on every change to the
// package (package-events.ts) and live at most a few minutes in any case; a key-value failure falls back to
// building the document.
import { createHash } from 'node:crypto';
import type { Context } from '../context.js';

export interface SerializedDocument {
  body: Buffer;
  etag: string;
}

const TTL_MS = 5 * 60_000;

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function encode(document: SerializedDocument): Buffer {
  return Buffer.concat([Buffer.from(document.etag + '\n'), document.body]);
}

function decode(stored: Buffer): SerializedDocument | null {
  const newline = stored.indexOf(10);
  if (newline <= 0) return null;
  return { etag: stored.subarray(0, newline).toString(), body: stored.subarray(newline + 1) };
}

export async function cachedDocument(ctx: Context, key: string, build: () => Promise<unknown>): Promise<SerializedDocument> {
  try {
    const stored = await ctx.kv.get(key);
    const hit = stored === null ? null : decode(stored);
    if (hit !== null) return hit;
  } catch {
    // key-value store unreachable: build it
  }
  const body = Buffer.from(JSON.stringify(await build()));
  const document = { body, etag: etagOf(body) };
  try {
    await ctx.kv.set(key, encode(document), TTL_MS);
  } catch {
    // not cached this time
  }
  return document;
}
