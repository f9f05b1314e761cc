// The registry's sparse index as the resolver reads it: config.json (where tarballs are) and one file per package,
// kept in $SOUNIO_HOME/cache/index and revalidated with If-None-Match, so an unchanged package costs a 304 and no
// body. Files are read once per run and parsed once.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalName } from '../core/names.js';
import type { IndexEntry } from '../core/resolver.js';
import type { RegistryClient } from './client.js';
import { CliError } from './errors.js';

export interface IndexConfig {
  dl: string;
  api: string;
}

/** A directory name for a registry's cached files: readable, and unique per URL. */
export function registryKey(registry: string): string {
  const url = new URL(registry);
  const readable = `${url.hostname}${url.port ? `-${url.port}` : ''}`.replace(/[^A-Za-z0-9.-]/g, '_');
  return `${readable}-${createHash('sha256').update(registry).digest('hex').slice(0, 12)}`;
}

function parseLines(name: string, text: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as IndexEntry);
    } catch {
      throw new CliError(`the registry's index file of ${name} holds a line that is not JSON`);
    }
  }
  return entries;
}

export class IndexClient {
  private readonly dir: string;
  private readonly files = new Map<string, Promise<IndexEntry[]>>();
  private configuration: Promise<IndexConfig> | undefined;
  /** What this run fetched: for the summary line and for tests. */
  readonly stats = { fetched: 0, revalidated: 0 };

  constructor(
    private readonly client: RegistryClient,
    cacheRoot: string,
  ) {
    this.dir = join(cacheRoot, 'index', registryKey(client.registry));
  }

  config(): Promise<IndexConfig> {
    this.configuration ??= this.client.request<IndexConfig>('/index/config.json').then((response) => response.body);
    return this.configuration;
  }

  /** Every version of `name` ([] for a package the registry does not have). */
  versions(name: string): Promise<IndexEntry[]> {
    const key = canonicalName(name);
    let file = this.files.get(key);
    if (file === undefined) {
      file = this.fetch(name, key);
      this.files.set(key, file);
    }
    return file;
  }

  private async fetch(name: string, key: string): Promise<IndexEntry[]> {
    const path = join(this.dir, key);
    let cached: { etag: string; body: string } | null = null;
    try {
      const text = readFileSync(path, 'utf8');
      const newline = text.indexOf('\n');
      if (newline > 0) cached = { etag: text.slice(0, newline), body: text.slice(newline + 1) };
    } catch {
      cached = null;
    }
    const response = await this.client.request<string>(`/index/${encodeURIComponent(name)}`, {
      accept: [304, 404],
      headers: { accept: 'text/plain', ...(cached !== null && { 'if-none-match': cached.etag }) },
    });
    if (response.status === 404) return [];
    if (response.status === 304 && cached !== null) {
      this.stats.revalidated++;
      return parseLines(name, cached.body);
    }
    this.stats.fetched++;
    const body = typeof response.body === 'string' ? response.body : '';
    const etag = response.headers.get('etag');
    if (etag !== null) {
      mkdirSync(this.dir, { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${etag}\n${body}`);
      renameSync(temporary, path);
    }
    return parseLines(name, body);
  }
}
